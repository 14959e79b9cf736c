// reveal.js — opening what a 与我相关 item is about: the page it lives on, then, once
// that page has drawn, the thing itself scrolled into view, highlighted and focused —
// a mood (with its comment, for a comment or a reply) in its owner's space or, when it
// is not among the moods a space shows, in the feed (a few pages deep); a guestbook
// entry in its space; a gift on my shelf; a visitor's or a new friend's space; a friend
// request on the friends page. Whatever cannot be found (deleted meanwhile) just leaves
// the space open. It owns the highlight only: the pages are space.js's, feed.js's and
// friends.js's, and it waits on what they draw (no hooks into them).

import { $, attr, reducedMotion } from './dom.js';
import { state, me } from './state.js';
import { kindOf, postId } from './notewords.js';

const WAIT_MS = 10000;  // a page that has not drawn by then: leave it as it is
const FEED_PAGES = 5;   // how deep the feed is searched for a mood
let current = 0;        // the newest reveal; an older one still waiting gives up
let lit = [];           // what is highlighted now

const view = () => document.getElementById('view');
const spaceHash = (user) => `#/space/${encodeURIComponent(user)}`;

function go(hash) {
  if (location.hash !== hash) location.hash = hash;
}

/** Resolve with `check()`'s first truthy answer as the view changes; null when a newer
 * reveal starts or the page never gets there. */
function waitFor(check, token) {
  return new Promise((resolve) => {
    let done = false;
    let observer = null;
    let timer = null;
    const finish = (value) => {
      if (done) return;
      done = true;
      if (observer) observer.disconnect();
      clearTimeout(timer);
      resolve(value);
    };
    const test = () => {
      if (token !== current) { finish(null); return; }
      const found = check();
      if (found) finish(found);
    };
    observer = new MutationObserver(test);
    observer.observe(view(), { childList: true, subtree: true, attributes: true, attributeFilter: ['data-route', 'data-loaded', 'disabled', 'hidden'] });
    timer = setTimeout(() => finish(null), WAIT_MS);
    test();
  });
}

/** `user`'s space page, once drawn (or refused). */
function spaceDrawn(user) {
  const section = $('[data-testid=space]', view());
  if (!section || section.dataset.user !== user) return null;
  return $('.space-grid', section) || $('[data-testid=space-error]', section) || $('[data-testid=space-forbidden]', section) ? section : null;
}

const moodIn = (root, id) => $(`[data-testid=mood][data-id="${attr(id)}"]:not([data-removing])`, root);

async function openSpace(user, token) {
  go(spaceHash(user));
  return waitFor(() => spaceDrawn(user), token);
}

/** The feed, loading more (its own button) until `id` shows or FEED_PAGES are read. */
async function moodInFeed(id, token) {
  go('#/feed');
  for (let page = 0; page < FEED_PAGES; page += 1) {
    const list = await waitFor(() => {
      const l = $('[data-testid=feed-list]', view());
      const more = $('[data-testid=feed-more]', view());
      return l && l.dataset.loaded === 'true' && !(more && more.disabled) ? l : null;
    }, token);
    if (!list) return null;
    const card = moodIn(list, id);
    if (card) return card;
    const more = $('[data-testid=feed-more]', view());
    if (!more || more.hidden) return null;
    more.click();
  }
  return null;
}

function highlight(nodes) {
  for (const n of lit) { n.classList.remove('is-revealed'); delete n.dataset.revealed; }
  lit = nodes.filter(Boolean);
  if (!lit.length) return;
  for (const n of lit) { n.classList.add('is-revealed'); n.dataset.revealed = 'true'; }
  const target = lit[lit.length - 1]; // the innermost: the comment within its card
  target.scrollIntoView({ block: 'center', behavior: reducedMotion() ? 'auto' : 'smooth' });
  if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
  target.focus({ preventScroll: true });
}

async function openMood(item, token) {
  const id = String(postId(item));
  const commentOf = (card) => (item.comment_id !== undefined && item.comment_id !== null
    ? $(`[data-testid=comment][data-id="${attr(item.comment_id)}"]:not([data-removing])`, card) : null);
  // Likes and comments on a post are told to its owner (me); a special-care mood and a
  // mention in a mood are the actor's own; a reply or a mention in a comment, anyone's.
  const actor = ((item.actors || [])[0] || {}).user || null;
  const owner = item.type === 'care' || (item.type === 'mention' && !item.comment_id) ? actor
    : item.type === 'reply' || item.type === 'mention' ? state.moodAuthors.get(id) || null : me();
  let card = null;
  if (owner) {
    const section = await openSpace(owner, token);
    if (token !== current) return;
    card = section ? moodIn(section, id) : null;
  }
  if (!card) card = await moodInFeed(id, token);
  if (token !== current) return;
  if (!card) { go(spaceHash(owner || me())); return; } // gone: the space
  highlight([card, commentOf(card)]);
}

/** Open what `item` (a notifications.list item) is about. */
export async function openItem(item) {
  const token = ++current;
  const mine = me();
  const actor = ((item.actors || [])[0] || {}).user;
  const show = async (user, selector) => {
    const section = await openSpace(user, token);
    const found = section && selector && token === current ? $(selector, section) : null;
    if (found) highlight([found]);
  };
  switch (item.type) {
    case 'comment': case 'reply': case 'like': case 'mention': case 'care':
      if (kindOf(item) === 'mood') await openMood(item, token);
      else go(spaceHash(mine)); // blogs and photos have no page here yet
      break;
    case 'guestbook': case 'guestbook.reply':
      await show(item.owner || mine, `[data-testid=guestbook-entry][data-id="${attr(item.entry_id)}"]`);
      break;
    case 'gift':
      await show(mine, `[data-testid=gift-shelf] [data-testid=gift-item][data-id="${attr(item.gift_id)}"]`);
      break;
    case 'level.up':
      await show(mine, '[data-testid=space-level]');
      break;
    case 'friend.request': {
      go('#/friends');
      const row = await waitFor(() => $(`[data-testid=friend-request][data-user="${attr(item.user || actor)}"]`, view()), token);
      if (row && token === current) highlight([row]);
      break;
    }
    case 'visit':
      await show(actor || mine, null);
      break;
    case 'friend.added':
      await show(item.user || actor || mine, null);
      break;
    default:
      go(spaceHash(mine));
  }
}
