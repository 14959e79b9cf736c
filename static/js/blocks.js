// blocks.js — 黑名单 The blacklist: the 🚫 拉黑 Block button on someone's space (asked
// through confirm.js), the list of the people I blocked with 解除 Unblock (a card on
// the settings page), and the unblock offer on the closed space of someone I blocked.
// A block ends a friendship at once: the hub sends `friend.removed` to both, which
// friends.js and the open views already follow. The blacklist itself has no event, so
// my other tabs hear of a change through ownersync.js.

import { el, $, $$, busy, toast, errText } from './dom.js';
import { conn } from './conn.js';
import { on } from './state.js';
import { portrait, userLink, nameOf, learnName, learnPortrait } from './widgets.js';
import { confirmAction } from './confirm.js';
import { announce, fromHere } from './ownersync.js';

/** 拉黑 for `user`'s space page. */
export function blockButton(user) {
  const btn = el('button', { type: 'button', class: 'btn btn-ghost btn-danger-text', testid: 'block-user', text: '🚫 拉黑 Block' });
  btn.addEventListener('click', async () => {
    const name = nameOf(user);
    const yes = await confirmAction({
      title: `把 ${name} 加入黑名单？ Block ${name}?`,
      text: '你们将不再是好友；对方不能进入你的空间、给你留言、评论、点赞、送礼或加你为好友。可在空间设置中解除。'
        + ' You stop being friends; they can no longer enter your space, write in your guestbook, comment, like, send gifts or friend requests. Undo it in Space settings.',
      confirmLabel: '🚫 拉黑 Block',
    });
    if (!yes) return;
    await busy(btn, async () => {
      await conn.request('block.set', { user, on: true });
      toast(`已拉黑 ${name} Blocked`, { kind: 'success' });
      announce('block', user); // the open space of `user` closes, here and in my other tabs
    });
  });
  return btn;
}

async function unblock(btn, user) {
  let done = false;
  await busy(btn, async () => {
    await conn.request('block.set', { user, on: false });
    toast(`已解除拉黑 ${nameOf(user)} Unblocked`, { kind: 'success' });
    done = true;
    announce('unblock', user);
  });
  return done;
}

/** On the closed space of `user`: a 解除拉黑 Unblock button if I am the one who blocked
 * them, else null (they blocked me, or the space is closed by its owner's setting). */
export async function unblockOffer(user) {
  let blocks;
  try { blocks = (await conn.request('blocks.list', {})).blocks || []; } catch { return null; }
  if (!blocks.some((b) => b.user === user)) return null;
  const btn = el('button', { type: 'button', class: 'btn btn-primary', testid: 'unblock-here', text: '解除拉黑 Unblock' });
  btn.addEventListener('click', () => unblock(btn, user));
  return btn;
}

/** The settings page's 黑名单 card. Returns the section; it unsubscribes itself
 * through `section.unmount()`. */
export function blacklistCard() {
  const list = el('ul', { class: 'people', testid: 'blacklist', tabindex: '-1', 'aria-label': '黑名单 Blocked people' });
  const empty = el('p', { class: 'empty', testid: 'blacklist-empty', text: '黑名单是空的 No one is blocked', hidden: true });
  const error = el('p', { class: 'form-error', testid: 'blacklist-error', role: 'alert', hidden: true });
  const paint = (blocks) => {
    list.textContent = '';
    for (const b of blocks) {
      learnName(b.user, b.display_name);
      learnPortrait(b.user, b.head_portrait);
      const btn = el('button', { type: 'button', class: 'btn btn-small btn-ghost', testid: 'unblock',
        'aria-label': `解除拉黑 Unblock ${b.display_name || b.user}`, text: '解除 Unblock' });
      const li = el('li', { class: 'person', testid: 'blocked-user', data: { user: b.user } },
        portrait(b.head_portrait, b.user, 'sm'),
        el('span', { class: 'person-name' }, userLink(b.user, b.display_name || b.user), el('small', { class: 'muted', text: ` @${b.user}` })), btn);
      btn.addEventListener('click', async () => {
        if (!(await unblock(btn, b.user))) return;
        const next = li.nextElementSibling || li.previousElementSibling;
        li.remove();
        empty.hidden = list.children.length > 0;
        (next ? $('[data-testid=unblock]', next) : list).focus();
      });
      list.appendChild(li);
    }
    empty.hidden = blocks.length > 0;
  };
  const load = async () => {
    try {
      const res = await conn.request('blocks.list', {});
      error.hidden = true;
      paint(res.blocks || []);
    } catch (err) {
      error.textContent = `黑名单加载失败 Could not load: ${errText(err)}`;
      error.hidden = false;
    }
  };
  const section = el('section', { class: 'card', testid: 'blacklist-card', 'aria-labelledby': 'blacklist-title' },
    el('h2', { class: 'card-title', id: 'blacklist-title', text: '🚫 黑名单 Blacklist' }),
    el('p', { class: 'muted settings-note', text: '在对方的空间里点「拉黑 Block」把人加进来。 Block someone from their space page.' }),
    error, empty, list);
  // A block or unblock in another tab (or a block that ended a friendship elsewhere).
  const offs = [
    on('ownersay', (msg) => { if ((msg.what === 'block' || msg.what === 'unblock') && !fromHere(msg)) load(); }),
  ];
  section.unmount = () => offs.forEach((off) => off());
  section.refresh = load;
  load();
  return section;
}

/** A `friend.removed` may be a block made on another device: refresh an open list. */
function onFriendRemoved() {
  for (const card of $$('[data-testid=blacklist-card]')) if (card.refresh) card.refresh();
}

export const events = { 'friend.removed': onFriendRemoved };
