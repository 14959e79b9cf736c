// likers.js — who liked a mood: the "♥ 小美、王经理 觉得很赞" (or "… 等 5 人觉得很赞")
// line under a card's buttons, from `likes.list`. Requests stay bounded: a card is
// asked about only while it is on screen (or near it) and has likes, at most PARALLEL
// at a time, one request per mood however many cards show it, and answers are kept in a
// small cache (the newest CACHE_MAX) until that mood's like count changes — a `like`
// event or my own like (mood.js's applyLike calls likesChanged). Cards are mood.js's.

import { el, $, $$, attr } from './dom.js';
import { conn } from './conn.js';
import { userLink } from './widgets.js';

const NAMES = 2;        // names shown; beyond them the line says "等 N 人"
const CACHE_MAX = 200;  // answers kept, least recently used dropped first
const PARALLEL = 2;     // likes.list requests in flight at once

const cache = new Map();   // mood_id -> {users, likes}
const stale = new Set();   // moods whose cached answer is out of date
const queue = [];          // mood ids waiting for a request slot
const onScreen = new Set(); // cards now (nearly) in view
const observed = new Set(); // every card watched, to let go of the removed ones
let running = 0;

const cardsOf = (moodId) => $$(`[data-testid=mood][data-id="${attr(moodId)}"]`);
const likesOf = (card) => Number(($('[data-testid=like-count]', card) || {}).textContent || 0);

const observer = new IntersectionObserver((entries) => {
  for (const { target, isIntersecting } of entries) {
    if (!target.isConnected) { // gone (deleted, redrawn): forget it
      if (target.seen) forget(target);
      continue;
    }
    target.seen = true;
    if (isIntersecting) { onScreen.add(target); want(target); } else onScreen.delete(target);
  }
}, { rootMargin: '200px 0px' });

/** The (empty, hidden) likers line of `card`; filled in once the card is on screen. */
export function likersLine(card, mood) {
  const line = el('p', { class: 'likers', testid: 'likers', hidden: true });
  const known = cache.get(String(mood.id));
  if (known && known.likes === Number(mood.likes || 0)) paint(line, known);
  // A card removed while off screen gets no last entry: sweep now and then.
  if (observed.size >= 100 && observed.size % 50 === 0) for (const c of observed) if (!c.isConnected) forget(c);
  observed.add(card);
  observer.observe(card);
  return line;
}

function forget(card) {
  observer.unobserve(card);
  observed.delete(card);
  onScreen.delete(card);
}

function paint(line, data) {
  line.textContent = '';
  const users = (data && data.users) || [];
  const total = Math.max(Number((data && data.likes) || 0), users.length);
  line.hidden = total === 0 || users.length === 0;
  if (line.hidden) return;
  const shown = users.slice(0, NAMES);
  line.append(el('span', { class: 'heart', 'aria-hidden': 'true', text: '♥ ' }));
  shown.forEach((u, i) => {
    if (i) line.append('、');
    line.append(userLink(u.user, u.display_name));
  });
  line.append(total > shown.length ? ` 等 ${total} 人觉得很赞` : ' 觉得很赞',
    el('small', { class: 'en', text: total > shown.length ? ` · ${total} people like this` : ' like this' }));
}

function paintAll(moodId) {
  const data = cache.get(moodId);
  for (const card of cardsOf(moodId)) {
    const line = $('[data-testid=likers]', card);
    if (line) paint(line, likesOf(card) === 0 ? null : data);
  }
}

/** A card came into view: paint what is known, ask if it is missing or out of date. */
function want(card) {
  const id = card.dataset.id;
  const line = $('[data-testid=likers]', card);
  if (!line) return;
  const n = likesOf(card);
  if (n === 0) { paint(line, null); return; }
  const known = cache.get(id);
  if (known) paint(line, known);
  if (!known || known.likes !== n || stale.has(id)) ask(id);
}

function ask(id) {
  if (!queue.includes(id)) queue.push(id);
  pump();
}

function pump() {
  while (running < PARALLEL && queue.length) {
    const id = queue.shift();
    // Only for a card still on screen with likes; the others ask when they are seen.
    if (![...onScreen].some((c) => c.dataset.id === id && c.isConnected && likesOf(c) > 0)) continue;
    running += 1;
    fetchOne(id).finally(() => { running -= 1; pump(); });
  }
}

async function fetchOne(id) {
  stale.delete(id); // a change from now on asks again
  try {
    const res = await conn.request('likes.list', { mood_id: id, limit: NAMES });
    remember(id, { users: res.users || [], likes: Number(res.likes || 0) });
  } catch (err) {
    if (err.code !== 'not_found') return; // try again when next seen
    remember(id, { users: [], likes: 0 });
  }
  paintAll(id);
}

function remember(id, data) {
  cache.delete(id);
  cache.set(id, data);
  if (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value);
}

/** `moodId`'s likes changed (the cards' counts are already updated): ask again for the
 * cards on screen, later for the others. */
export function likesChanged(moodId) {
  const id = String(moodId);
  stale.add(id);
  for (const card of cardsOf(id)) {
    if (likesOf(card) === 0) paint($('[data-testid=likers]', card), null);
    else if (onScreen.has(card)) ask(id);
  }
}

export function reset() { cache.clear(); stale.clear(); queue.length = 0; }
