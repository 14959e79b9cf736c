// app.js — the composition root of the browser client: boots the connection, shows
// login or the app, routes #/feed, #/space/<user>, #/friends, #/notifications, and
// dispatches every server event to the views that care. Feature logic lives in js/.

import { el, $, $$, toast } from './js/dom.js';
import * as api from './js/api.js';
import { conn, Conn } from './js/conn.js';
import { state, me, on, setLevel, setPresence, rememberMood, reset } from './js/state.js';
import { mountAuth } from './js/auth.js';
import { mountFeed, refetchFeed, onMood as feedMood } from './js/feed.js';
import { applyLike, applyComment, removeMood, portraits } from './js/mood.js';
import { mountSpace, onMood as spaceMood, onGuestbook, onVisit, onLevel, onFriendship } from './js/space.js';
import { mountFriends, loadFriends, onFriendEvent } from './js/friends.js';
import { loadCatalog, onGift } from './js/gifts.js';
import { initNotify, notifyEvent, mountNotifications, resetNotify } from './js/notify.js';
import { portrait, levelBadge } from './js/widgets.js';
import { stop as stopMusic } from './js/music.js';

const CONN_LABELS = {
  connecting: '连接中 connecting', connected: '已连接 connected', reconnecting: '重连中 reconnecting', offline: '离线 offline',
};

let unmount = null;
let currentUser = null;
let routedOnce = false;

// ---- shell ----

function show(which) {
  $('#splash').hidden = which !== 'splash';
  $('#auth').hidden = which !== 'auth';
  $('#app').hidden = which !== 'app';
  $('#topbar-user').hidden = which !== 'app';
}

function paintConn({ state: s }) {
  const node = $('#conn-state');
  node.dataset.state = s;
  node.textContent = CONN_LABELS[s] || s;
}

function paintMe() {
  const card = $('#me-card');
  const m = state.me;
  if (!m) return;
  const p = state.profile || {};
  if (p.head_portrait) portraits.set(m.username, p.head_portrait);
  const lv = m.level || { level: 1, points: 0 };
  const pct = lv.next ? Math.min(100, Math.round((Number(lv.points || 0) / Number(lv.next)) * 100)) : 100;
  const bar = el('span', { class: 'progress-fill' });
  bar.style.width = `${pct}%`;
  card.textContent = '';
  card.append(
    el('a', { href: '#/space/me', class: 'me-portrait', 'aria-label': '我的空间 My space' }, portrait(p.head_portrait, m.username, 'lg')),
    el('div', { class: 'me-name', testid: 'my-name', text: p.display_name || m.display_name || m.username }),
    el('div', { class: 'muted', testid: 'my-username', text: `@${m.username}` }),
    levelBadge(lv, 'my-level'),
    el('div', { class: 'progress', title: `${lv.points ?? 0} / ${lv.next ?? '—'}` }, bar),
    p.signature ? el('p', { class: 'me-sig', text: p.signature }) : null);
  const top = $('#topbar-me');
  top.textContent = '';
  top.append(portrait(p.head_portrait, m.username, 'sm'), el('span', { text: p.display_name || m.display_name || m.username }));
}

function paintOnline() {
  const list = $('#online-friends');
  list.textContent = '';
  const online = [...state.friends.values()].filter((f) => f.online);
  for (const f of online) {
    list.appendChild(el('li', { class: 'online-item', testid: 'online-friend', data: { user: f.user } },
      el('span', { class: 'presence on', 'aria-hidden': 'true' }),
      el('a', { href: `#/space/${encodeURIComponent(f.user)}`, text: f.display_name || f.user })));
  }
  if (!online.length) list.appendChild(el('li', { class: 'muted', text: state.friends.size ? '好友都不在线 No one online' : '还没有好友 No friends yet' }));
  const req = $('[data-testid=friend-request-count]');
  req.textContent = String(state.incoming.size);
  req.hidden = state.incoming.size === 0;
}

// ---- routing ----

function parseRoute() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').map((x) => decodeURIComponent(x));
  const [name, arg] = parts;
  if (name === 'space') return { name: 'space', user: !arg || arg === 'me' ? me() : arg };
  if (name === 'friends' || name === 'notifications') return { name };
  return { name: 'feed' };
}

function route() {
  if (!me()) return;
  const r = parseRoute();
  if (unmount) { try { unmount(); } catch (err) { console.error(err); } unmount = null; }
  const view = $('#view');
  view.textContent = '';
  view.dataset.route = r.name;
  for (const a of $$('.nav-link')) {
    const active = a.dataset.route === r.name && (r.name !== 'space' || r.user === me());
    if (active) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  if (r.name === 'space') unmount = mountSpace(view, r.user);
  else if (r.name === 'friends') unmount = mountFriends(view);
  else if (r.name === 'notifications') unmount = mountNotifications(view);
  else unmount = mountFeed(view);
  if (routedOnce) { window.scrollTo(0, 0); $('#main').focus({ preventScroll: true }); }
  routedOnce = true;
}

window.addEventListener('hashchange', route);

// ---- session ----

async function startSession(user) {
  currentUser = user.username;
  state.me = { ...user };
  initNotify();
  paintMe();
  show('app');
  route();
  loadCatalog();
  loadFriends();
  try {
    const mine = await conn.request('space.get', { user: currentUser });
    if (me() === currentUser && mine.profile) {
      state.profile = mine.profile;
      if (mine.level) state.me.level = mine.level;
      paintMe();
    }
  } catch (err) { console.warn('own profile', err); }
}

function endSession(message) {
  if (unmount) { try { unmount(); } catch { /* ignore */ } unmount = null; }
  stopMusic();
  currentUser = null;
  reset();
  resetNotify();
  $('#view').textContent = '';
  show('auth');
  mountAuth($('#auth'), onAuthed, message);
}

function onAuthed(username) {
  const saved = conn.loadResume();
  if (saved && saved.user !== username) Conn.forgetResume();
  show('splash');
  conn.start();
}

$('#logout').addEventListener('click', async () => {
  try { await api.logout(); } catch (err) { console.warn('logout', err); }
  Conn.forgetResume();
  conn.stop('offline');
  endSession(null);
});

// ---- connection events ----

conn.addEventListener('state', (e) => paintConn(e.detail));

conn.addEventListener('unauthorized', () => {
  Conn.forgetResume();
  endSession(currentUser ? '登录已过期，请重新登录 Session expired, please log in again' : null);
});

conn.addEventListener('hello', (e) => {
  const { hello, gap } = e.detail;
  const user = hello.user || {};
  if (user.username !== currentUser) {
    if (currentUser) endSession(null);
    startSession(user);
    return;
  }
  if (user.level) setLevel(user.level);
  loadFriends(); // presence after a reconnect
  if (gap) { refetchFeed(); toast('已重新同步 Resynced — reloading feed', { kind: 'sync' }); }
});

conn.addEventListener('synced', (e) => {
  const { count, gap } = e.detail;
  if (!gap && count > 0) toast(`已同步 ${count} 条 synced ${count} missed events`, { kind: 'sync' });
});

conn.addEventListener('presence', (e) => setPresence(e.detail.user, e.detail.online));

conn.addEventListener('event', (e) => {
  const { frame } = e.detail;
  const d = frame.data || {};
  switch (frame.event) {
    case 'mood': if (d.mood) { rememberMood(d.mood); feedMood(d.mood); spaceMood(d.mood); } break;
    case 'mood.deleted': removeMood(d.mood_id); break;
    case 'comment': if (d.comment) applyComment(d.comment); break;
    case 'like': applyLike(d); break;
    case 'gift': if (d.gift) onGift(d.gift); break;
    case 'guestbook': if (d.entry) onGuestbook(d.entry); break;
    case 'visit': onVisit(d); break;
    case 'level.up':
      if (d.user === me()) {
        setLevel(d.level);
        toast(`🎉 升级啦！Level up! Lv ${d.level && d.level.level}`, { kind: 'level', ms: 5000 });
      }
      onLevel(d.user, d.level);
      break;
    case 'friend.request':
    case 'friend.added':
    case 'friend.removed':
    case 'friend.declined': {
      const other = onFriendEvent(frame.event, d);
      if (frame.event === 'friend.request' && other) {
        toast(`${other} 想加你为好友 wants to be your friend`, { kind: 'friend', ms: 6000, action: { label: '查看 View', run: () => { location.hash = '#/friends'; } } });
      }
      if (frame.event === 'friend.added' || frame.event === 'friend.removed') { refetchFeed(); onFriendship(); }
      break;
    }
    default: break;
  }
  notifyEvent(frame);
});

on('level', () => paintMe());
on('profile', () => paintMe());
on('friends', () => { paintOnline(); onFriendship(); });
on('presence', () => paintOnline());

// Debug / test handle (no secrets: the session cookie is HttpOnly).
window.kongjian = { conn, state };

paintConn({ state: 'connecting' });
show('splash');
conn.start();
