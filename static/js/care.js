// care.js — 特别关心 Special care: which friends I keep special care for, as the hub
// holds them (care.list after every hello), the ☆/★ toggle that changes it (care.set;
// on a friend's row in the friends list and on their space), and the ★ mark on their
// moods in the feed. The friends list puts them first (friends.js, on the 'care' state
// event). The hub tells me of their new moods as `care` notifications (notify.js words
// them through notewords.js, reveal.js opens them). A change has no hub event: my other
// tabs hear of it through ownersync.js. A friendship that ends takes its care with it.
//
// Registered through features.js: `connected()`, `reset()`, `events['friend.removed']`.

import { el, $$, toast, errText } from './dom.js';
import { conn } from './conn.js';
import { me, on, emit } from './state.js';
import { nameOf } from './widgets.js';
import { announce, fromHere } from './ownersync.js';

let cared = new Set(); // usernames
const pending = new Set(); // a care.set on its way

export const isCared = (user) => cared.has(user);

async function load() {
  const user = me();
  try {
    const res = await conn.request('care.list', {});
    if (me() !== user) return;
    cared = new Set((res.care || []).map((c) => c.user));
    paintAll();
  } catch (err) { console.warn('care.list', err); }
}

function paintToggle(btn) {
  const yes = cared.has(btn.dataset.user);
  btn.setAttribute('aria-pressed', yes ? 'true' : 'false');
  btn.textContent = yes ? '★ 特别关心' : '☆ 特别关心';
  btn.title = yes ? '已特别关心，点击取消 Special care on — click to turn off' : '设为特别关心 Keep special care for this friend';
}

/** Every toggle and mark on screen, and the views that order by it. */
function paintAll() {
  for (const btn of $$('[data-testid=care-toggle]')) paintToggle(btn);
  for (const mark of $$('[data-testid=care-mark]')) mark.hidden = !cared.has(mark.dataset.user);
  emit('care');
}

/** The ☆ 特别关心 toggle for friend `user` (a pressed button while on). */
export function careToggle(user, { small = false } = {}) {
  const btn = el('button', { type: 'button', class: ['btn', 'btn-ghost', 'care-toggle', small && 'btn-small'], testid: 'care-toggle',
    data: { user }, 'aria-label': `特别关心 ${nameOf(user)} Special care` });
  paintToggle(btn);
  // Not disabled while asking (a disabled button drops focus, and the friends list
  // redraws its rows when the answer comes): a second click waits for the first.
  btn.addEventListener('click', async () => {
    if (pending.has(user)) return;
    pending.add(user);
    btn.setAttribute('aria-busy', 'true');
    try {
      const res = await conn.request('care.set', { user, on: !cared.has(user) });
      if (res.care) cared.add(user); else cared.delete(user);
      toast(res.care ? `已特别关心 ${nameOf(user)} — 有新说说会通知你 You'll be told of their new moods`
        : `已取消特别关心 ${nameOf(user)} Special care off`, { kind: 'success' });
      announce('care', user);
    } catch (err) {
      toast(errText(err), { kind: 'error' });
    } finally {
      pending.delete(user);
      btn.removeAttribute('aria-busy');
      paintAll();
    }
  });
  return btn;
}

/** The ★ on a mood of `user` (hidden unless I keep special care for them). */
export function careMark(user) {
  if (!user || user === me()) return null;
  return el('span', { class: 'care-mark', testid: 'care-mark', data: { user }, hidden: !cared.has(user),
    title: '特别关心 Special care', role: 'img', 'aria-label': '特别关心 Special care', text: '★' });
}

export function connected() { load(); }

export function reset() { cared = new Set(); }

export const events = {
  'friend.removed': (d) => {
    for (const u of (d && d.users) || []) if (u !== me()) cared.delete(u);
    paintAll();
  },
};

on('ownersay', (msg) => { if (msg.what === 'care' && !fromHere(msg)) load(); });
