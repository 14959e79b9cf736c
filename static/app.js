// app.js — the composition root of the browser client: boots the connection, shows
// login or the app, routes #/feed, #/space/<user>, #/friends, #/notifications,
// #/settings, and dispatches every server event to the views that care: through the
// switch below, then to the features that register themselves (js/features.js).
// Feature logic lives in js/.

import { el, $, $$, toast } from './js/dom.js';
import * as api from './js/api.js';
import { conn, Conn } from './js/conn.js';
import { state, me, on, setLevel, setPresence, presenceLost, rememberMood, reset } from './js/state.js';
import { mountAuth } from './js/auth.js';
import { mountFeed, refetchFeed, onMood as feedMood } from './js/feed.js';
import { applyLike, applyComment, removeMood } from './js/mood.js';
import { mountSpace, refetchSpace, onMood as spaceMood, onVisit, onLevel, onFriendship } from './js/space.js';
import { mountFriends, loadFriends, onFriendEvent, paintOnline } from './js/friends.js';
import { loadCatalog, onGift, giftShelf, closeGiftDialog } from './js/gifts.js';
import { mountNotifications } from './js/notify.js';
import { portrait, levelBadge, levelPoints, levelProgress, learnPortrait, learnName, nameOf } from './js/widgets.js';
import { setOwnSkin } from './js/skin.js';
import { stop as stopMusic } from './js/music.js';
import { stopGifts } from './js/giftanim.js';
import { openAccount, closeAccount } from './js/account.js';
import { applyProfile } from './js/profile.js';
import { noteHello, noteEvent, onSynced } from './js/missed.js';
import { forgetDrafts } from './js/drafts.js';
import { paintConn } from './js/connbadge.js';
import { mountSettings } from './js/settings.js';
import { FEATURES } from './js/features.js';

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

function paintMe() {
  const card = $('#me-card');
  const m = state.me;
  if (!m) return;
  const p = state.profile || {};
  learnPortrait(m.username, p.head_portrait);
  learnName(m.username, p.display_name || m.display_name);
  const lv = m.level || { level: 1, points: 0 };
  card.textContent = '';
  card.append(...[
    el('a', { href: '#/space/me', class: 'me-portrait', 'aria-label': '我的空间 My space' }, portrait(p.head_portrait, m.username, 'lg')),
    el('div', { class: 'me-name', testid: 'my-name', text: p.display_name || m.display_name || m.username }),
    el('div', { class: 'muted', testid: 'my-username', text: `@${m.username}` }),
    levelBadge(lv, 'my-level'),
    levelPoints(lv),
    levelProgress(lv),
    p.signature ? el('p', { class: 'me-sig', testid: 'my-signature', text: p.signature }) : null].filter(Boolean));
  const top = $('#topbar-me');
  top.textContent = '';
  top.append(portrait(p.head_portrait, m.username, 'sm'), el('span', { text: p.display_name || m.display_name || m.username }));
  top.setAttribute('aria-label', `我的空间 My space (@${m.username})`);
}

function paintMyGifts(gifts) {
  const slot = $('#my-gifts');
  slot.textContent = '';
  slot.appendChild(giftShelf(me(), gifts || [], { max: 6, compact: true, testid: 'my-gift-shelf' }));
}

// ---- routing ----

function parseRoute() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').map((x) => {
    try { return decodeURIComponent(x); } catch { return x; }
  });
  const [name, arg] = parts;
  if (name === 'space') return { name: 'space', user: !arg || arg === 'me' ? me() : arg.toLowerCase() };
  if (name === 'friends' || name === 'notifications' || name === 'settings') return { name };
  return { name: 'feed' };
}

function route() {
  if (!me()) return;
  const r = parseRoute();
  closeGiftDialog(); // a dialog belongs to the page it was opened on (Back, a link)
  closeAccount();
  if (unmount) { try { unmount(); } catch (err) { console.error(err); } unmount = null; }
  const view = $('#view');
  view.textContent = '';
  view.dataset.route = r.name;
  document.body.dataset.view = r.name === 'space' && r.user === me() ? 'own-space' : r.name;
  for (const a of $$('.nav-link')) {
    const active = a.dataset.route === r.name && (r.name !== 'space' || r.user === me());
    if (active) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  if (r.name === 'space') unmount = mountSpace(view, r.user);
  else if (r.name === 'friends') unmount = mountFriends(view);
  else if (r.name === 'notifications') unmount = mountNotifications(view);
  else if (r.name === 'settings') unmount = mountSettings(view);
  else unmount = mountFeed(view);
  if (routedOnce) { window.scrollTo(0, 0); $('#main').focus({ preventScroll: true }); }
  routedOnce = true;
}

window.addEventListener('hashchange', route);

// ---- session ----

async function loadMine() {
  const user = currentUser;
  try {
    const mine = await conn.request('space.get', { user });
    if (me() !== user) return;
    if (mine.profile) {
      state.profile = mine.profile;
      setOwnSkin(mine.profile.skin);
    }
    if (mine.level) state.me.level = mine.level;
    for (const m of mine.moods || []) rememberMood(m);
    paintMe();
    paintMyGifts(mine.gifts);
  } catch (err) { console.warn('own profile', err); }
}

function startSession(user) {
  currentUser = user.username;
  state.me = { ...user };
  paintMe();
  paintMyGifts([]);
  show('app');
  route();
  loadCatalog();
  loadFriends();
  loadMine();
}

/** Back to the login form; `message` (why, when it was not this tab's own logout) is
 * shown there as a neutral notice. */
function endSession(message) {
  if (unmount) { try { unmount(); } catch { /* ignore */ } unmount = null; }
  closeAccount();
  stopMusic();
  stopGifts();
  currentUser = null;
  reset();
  for (const f of FEATURES) if (f.reset) f.reset();
  setOwnSkin('classic');
  $('#view').textContent = '';
  $('#my-gifts').textContent = '';
  show('auth');
  mountAuth($('#auth'), onAuthed, message);
}

function onAuthed(username) {
  const saved = conn.loadResume();
  if (saved && saved.user !== username) Conn.forgetResume();
  tellOtherTabs('login', username);
  show('splash');
  conn.start();
}

// The session cookie is shared by every tab of this browser: tell the others when it
// changes, so they log out (or in, or over to the new user) with this one.
const AUTH_KEY = 'kj:auth';

function tellOtherTabs(event, user) {
  try { localStorage.setItem(AUTH_KEY, JSON.stringify({ event, user, t: Date.now() })); } catch { /* private mode */ }
}

window.addEventListener('storage', (e) => {
  if (e.key !== AUTH_KEY || !e.newValue) return;
  let msg;
  try { msg = JSON.parse(e.newValue); } catch { return; }
  if (msg.event === 'logout' && currentUser && msg.user === currentUser) {
    Conn.forgetResume();
    conn.stop('signed-out');
    endSession('已在其他标签页退出 Logged out in another tab');
  } else if (msg.event === 'login' && msg.user !== currentUser) {
    Conn.forgetResume();
    conn.stop('connecting');
    show('splash');
    conn.start(); // hello names the new user; the hello handler switches sessions
  }
});

/** This tab's part of a logout of `user` (the hub has ended the login): forget the
 * resume point, tell the other tabs, show the login form. `user` is read before the
 * request: its 4401 may already have ended the session here. */
function loggedOut(user) {
  Conn.forgetResume();
  forgetDrafts(user);
  conn.stop('signed-out');
  tellOtherTabs('logout', user);
  endSession(null);
}

$('#logout').addEventListener('click', async () => {
  const user = currentUser;
  try { await api.logout(); } catch (err) { console.warn('logout', err); }
  loggedOut(user);
});

$('#account').addEventListener('click', () => {
  const user = currentUser;
  openAccount({ onLoggedOut: () => loggedOut(user) });
});

$('#conn-retry').addEventListener('click', () => conn.reconnectNow());

// ---- connection events ----

conn.addEventListener('state', (e) => {
  paintConn(e.detail);
  if (e.detail.state !== 'connected') presenceLost(); // until friends.list says again
});

conn.addEventListener('unauthorized', (e) => {
  Conn.forgetResume();
  // The hub closes a login's sockets with reason "logged out" when it logs out anywhere.
  const loggedOut = e.detail && e.detail.reason === 'logged out';
  endSession(!currentUser ? null : loggedOut
    ? '已在其他标签页或设备退出 Logged out in another tab or device'
    : '登录已过期，请重新登录 Session expired, please log in again');
});

conn.addEventListener('hello', (e) => {
  const { hello, gap } = e.detail;
  const user = hello.user || {};
  noteHello(user.username); // before the replay that follows this frame
  if (user.username !== currentUser) {
    if (currentUser) endSession(null);
    startSession(user); // loads everything fresh
  } else {
    if (user.level) setLevel(user.level);
    loadFriends(); // presence is not replayed: ask for the current state
    if (gap) { refetchFeed(); refetchSpace(); loadMine(); }
  }
  for (const f of FEATURES) if (f.connected) f.connected(hello);
  if (gap) {
    toast('离线太久，部分消息已过期，已重新加载 Resynced: some missed events had expired — reloaded', { kind: 'sync', ms: 6000, testid: 'sync-toast' });
  }
});

conn.addEventListener('synced', (e) => onSynced(e.detail));

conn.addEventListener('presence', (e) => setPresence(e.detail.user, e.detail.online));

conn.addEventListener('event', (e) => {
  const { frame } = e.detail;
  const d = frame.data || {};
  noteEvent(frame, conn.epoch);
  switch (frame.event) {
    case 'mood': if (d.mood) { rememberMood(d.mood); feedMood(d.mood); spaceMood(d.mood); } break;
    case 'mood.deleted': removeMood(d.mood_id); break;
    case 'comment': if (d.comment) applyComment(d.comment); break;
    case 'like': applyLike(d); break;
    case 'gift': if (d.gift) onGift(d.gift); break;
    case 'visit':
      learnName(d.visitor, d.visitor_name);
      learnPortrait(d.visitor, d.visitor_portrait);
      onVisit(d);
      break;
    case 'profile': applyProfile(d); break;
    case 'level.up':
      if (d.user === me()) {
        setLevel(d.level);
        toast(`🎉 升级啦！Level up! 等级 Lv ${d.level && d.level.level}`, { kind: 'level', ms: 5000 });
      }
      onLevel(d.user, d.level);
      break;
    case 'friend.request':
    case 'friend.added':
    case 'friend.removed':
    case 'friend.declined': {
      const other = onFriendEvent(frame.event, d, frame);
      if (frame.event === 'friend.request' && other && !frame.replayed) {
        toast(`${nameOf(other)} 想加你为好友 wants to be your friend`, { kind: 'friend', ms: 6000, action: { label: '查看 View', run: () => { location.hash = '#/friends'; } } });
      }
      if (frame.event === 'friend.added' || frame.event === 'friend.removed') { refetchFeed(); onFriendship(other); }
      break;
    }
    default: break;
  }
  for (const f of FEATURES) {
    const handle = f.events && f.events[frame.event];
    if (handle) { try { handle(d, frame); } catch (err) { console.error(err); } }
  }
});

on('level', () => paintMe());
on('profile', (profile) => { if (profile && profile.skin) setOwnSkin(profile.skin); paintMe(); });
on('friends', () => { paintOnline(); onFriendship(); });
on('presence', () => paintOnline());

// Debug / test handle (no secrets: the session cookie is HttpOnly).
window.kongjian = { conn, state };

paintConn({ state: 'connecting' });
show('splash');
conn.start();
