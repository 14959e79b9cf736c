// notify.js — 与我相关 Notifications: picks out the events that concern me (comments
// and likes on my moods, gifts to me, guestbook entries and the owner's replies to
// mine, visits, friend requests, level-ups), keeps them in localStorage per user,
// shows the red-dot counter, and the list view (opening it clears the counter). Tabs of
// one user stay in sync.

import { el, $$, timeEl } from './dom.js';
import { me } from './state.js';
import { nameOf } from './widgets.js';
import { openGiftDialog } from './gifts.js';
import { returnControl } from './returned.js';

const MAX = 100;
let store = { items: [], unread: 0 };
let listView = null;

const key = () => `kj:notify:${me()}`;

export function initNotify() {
  try { store = JSON.parse(localStorage.getItem(key()) || 'null') || { items: [], unread: 0 }; } catch { store = { items: [], unread: 0 }; }
  paintBadge();
}

function save() {
  try { localStorage.setItem(key(), JSON.stringify(store)); } catch { /* quota: keep in memory */ }
}

window.addEventListener('storage', (e) => {
  if (!me() || e.key !== key()) return;
  try { store = JSON.parse(e.newValue || 'null') || { items: [], unread: 0 }; } catch { return; }
  paintBadge();
  if (listView) paintList();
});

const quote = (text) => `“${String(text || '').slice(0, 60)}${String(text || '').length > 60 ? '…' : ''}”`;

/** Turn an event frame into a notification, or null if it does not concern me. */
function classify(frame) {
  const d = frame.data || {};
  const self = me();
  switch (frame.event) {
    case 'comment': {
      const c = d.comment || {};
      if (c.author === self) return null;
      if (d.mood_author === self) return { kind: 'comment', actor: c.author, text: `${c.author_name || c.author} 评论了你的说说 commented on your mood: ${quote(c.text)}`, href: `#/space/${self}` };
      // The event names whom a reply is for: the parent comment need not be on screen.
      if (d.reply_to_author === self) return { kind: 'reply', actor: c.author, text: `${c.author_name || c.author} 回复了你 replied to you: ${quote(c.text)}`, href: '#/feed' };
      return null;
    }
    case 'like': {
      if (!d.liked || d.user === self || d.mood_author !== self) return null;
      return { kind: 'like', actor: d.user, moodId: String(d.mood_id), text: `${nameOf(d.user)} 赞了你的说说 liked your mood ♥`, href: `#/space/${self}` };
    }
    case 'gift': {
      const g = d.gift || {};
      if (g.to !== self || g.from === self) return null;
      return { kind: 'gift', actor: g.from, text: `${nameOf(g.from)} 送你 ${g.name || g.gift} sent you a gift 🎁${g.message ? ` ${quote(g.message)}` : ''}`, href: `#/space/${self}` };
    }
    case 'guestbook': {
      const e = d.entry || {};
      if (e.owner !== self || e.author === self) return null;
      return { kind: 'guestbook', actor: e.author, text: `${e.author_name || e.author} 在你的留言板留言 wrote on your guestbook: ${quote(e.text)}`, href: `#/space/${self}` };
    }
    case 'guestbook.reply': { // 主人回复: the owner answered what I wrote
      const e = d.entry || {};
      if (e.author !== self || e.owner === self || !e.reply) return null;
      return { kind: 'guestbook.reply', actor: e.owner, text: `${nameOf(e.owner)} 回复了你的留言 replied to your message: ${quote(e.reply.text)}`, href: `#/space/${e.owner}` };
    }
    case 'visit':
      if (d.owner !== self || d.visitor === self) return null;
      return { kind: 'visit', actor: d.visitor, text: `${d.visitor_name || nameOf(d.visitor)} (@${d.visitor}) 访问了你的空间 visited your space 👣`, href: `#/space/${d.visitor}` };
    case 'friend.request':
      return { kind: 'friend.request', actor: d.from, text: `${d.from_name || nameOf(d.from)} (@${d.from}) 想加你为好友 sent you a friend request`, href: '#/friends' };
    case 'friend.added': {
      const u = (d.users || []).find((x) => x !== self);
      return u ? { kind: 'friend.added', actor: u, text: `你和 ${nameOf(u)} 成为了好友 You and ${nameOf(u)} are now friends 🤝`, href: `#/space/${u}` } : null;
    }
    case 'level.up':
      if (d.user !== self) return null;
      return { kind: 'level.up', actor: self, text: `升级啦！你现在是 Lv ${d.level && d.level.level} — Level up! 🎉`, href: `#/space/${self}` };
    default:
      return null;
  }
}

/** Feed every event through here; returns the notification if one was added. */
export function notifyEvent(frame) {
  if (!me()) return null;
  if (frame.event === 'like' && frame.data && !frame.data.liked) {
    withdrawLike(frame.data);
    return null;
  }
  const n = classify(frame);
  if (!n) return null;
  const id = frame.id || `${frame.event}:${frame.ts}:${n.actor}`;
  if (store.items.some((x) => x.id === id)) return null;
  const item = { id, ts: frame.ts || Date.now(), ...n };
  if (n.kind === 'gift') { item.giftFrom = frame.data.gift.from; item.giftId = String(frame.data.gift.id); }
  store.items.unshift(item);
  store.items = store.items.slice(0, MAX);
  if (listView && document.visibilityState === 'visible') store.unread = 0; else store.unread += 1;
  save();
  paintBadge();
  if (listView) paintList();
  return item;
}

function paintBadge() {
  for (const b of $$('[data-testid=notify-count]')) {
    b.textContent = store.unread > 99 ? '99+' : String(store.unread);
    b.dataset.count = String(store.unread);
    b.hidden = store.unread === 0;
  }
  const base = document.title.replace(/^\(\d+\+?\) /, '');
  document.title = store.unread ? `(${store.unread}) ${base}` : base;
}

function paintList() {
  const { list, empty } = listView;
  list.textContent = '';
  for (const n of store.items) {
    list.appendChild(el('li', { class: ['notify-item', `notify-${n.kind.replace('.', '-')}`], testid: 'notify-item', data: { kind: n.kind, id: n.id } },
      el('a', { href: n.href || '#/feed', class: 'notify-link', text: n.text }), ' ', timeEl(n.ts),
      n.kind === 'gift' && n.giftFrom ? returnControl(n.giftId, { testid: 'notify-gift-return',
        onClick: () => openGiftDialog(n.giftFrom, { returnTo: { id: n.giftId } }) }) : null));
  }
  empty.hidden = store.items.length > 0;
}

/** A like taken back takes its notification with it (and its unread mark). */
function withdrawLike(d) {
  const i = store.items.findIndex((x) => x.kind === 'like' && x.actor === d.user && x.moodId === String(d.mood_id));
  if (i < 0) return;
  store.items.splice(i, 1);
  if (i < store.unread) store.unread -= 1;
  save();
  paintBadge();
  if (listView) paintList();
}

export function markRead() {
  if (store.unread === 0) return;
  store.unread = 0;
  save();
  paintBadge();
}

export function mountNotifications(root) {
  const list = el('ol', { class: 'notify-list', testid: 'notify-list' });
  const empty = el('p', { class: 'empty', testid: 'notify-empty', text: '暂时没有与你相关的消息 Nothing new for you' });
  const clearBtn = el('button', { type: 'button', class: 'btn btn-ghost btn-small', testid: 'notify-clear', text: '清空 Clear all' });
  clearBtn.addEventListener('click', () => { store = { items: [], unread: 0 }; save(); paintBadge(); paintList(); });
  root.appendChild(el('section', { class: 'card notify-page' },
    el('div', { class: 'card-title-row' }, el('h2', { class: 'card-title', text: '🔔 与我相关 Notifications' }), clearBtn), empty, list));
  listView = { list, empty };
  paintList();
  markRead();
  const onVis = () => { if (document.visibilityState === 'visible') markRead(); };
  document.addEventListener('visibilitychange', onVis);
  return () => { listView = null; document.removeEventListener('visibilitychange', onVis); };
}

export function resetNotify() { store = { items: [], unread: 0 }; listView = null; paintBadge(); }
