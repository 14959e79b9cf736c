// state.js — the client's shared state: who I am, my level, catalogs, friends and
// presence (and whether it is known: not while the socket is down), and a cache of mood
// authors (to know whose mood a `like` is about).
// Views subscribe with on(name, fn); nothing here touches the DOM.

const bus = new EventTarget();

export const state = {
  me: null,            // {username, display_name, level:{level, points, icons, next}}
  profile: null,       // my Profile once known {display_name, head_portrait, ...}
  catalog: [],         // gifts.catalog
  options: null,       // space.options
  friends: new Map(),  // user -> {user, display_name, online}
  incoming: new Set(),
  outgoing: new Set(),
  online: new Set(),   // presence as last heard
  presenceKnown: false, // false while no socket can hear presence: `online` may be stale
  moodAuthors: new Map(), // mood_id -> author
};

export function on(name, fn) {
  const h = (e) => fn(e.detail);
  bus.addEventListener(name, h);
  return () => bus.removeEventListener(name, h);
}

export function emit(name, detail = {}) { bus.dispatchEvent(new CustomEvent(name, { detail })); }

export const me = () => (state.me ? state.me.username : null);
export const myLevel = () => (state.me && state.me.level ? Number(state.me.level.level) || 1 : 1);

export function rememberMood(mood) {
  if (mood && mood.id !== undefined) {
    state.moodAuthors.set(String(mood.id), mood.author);
    if (state.moodAuthors.size > 5000) state.moodAuthors.delete(state.moodAuthors.keys().next().value);
  }
}

export function setLevel(level) {
  if (!state.me || !level) return;
  state.me.level = level;
  emit('level', level);
}

/** The friends list as `friends.list` answered; `live`: over an open socket, which
 * hears every later presence change (an answer over HTTP is a snapshot only). */
export function setFriends(list, live = true) {
  state.presenceKnown = live;
  state.friends = new Map();
  for (const f of list.friends || []) {
    state.friends.set(f.user, f);
    if (f.online) state.online.add(f.user); else state.online.delete(f.user);
  }
  state.incoming = new Set(list.incoming || []);
  state.outgoing = new Set(list.outgoing || []);
  emit('friends');
}

export function setPresence(user, online) {
  if (online) state.online.add(user); else state.online.delete(user);
  const f = state.friends.get(user);
  if (f) f.online = Boolean(online);
  emit('presence', { user, online: Boolean(online) });
}

/** The socket went away: presence can no longer be heard, so it is not known. */
export function presenceLost() {
  if (!state.presenceKnown) return;
  state.presenceKnown = false;
  emit('presence', {});
}

export function reset() {
  state.me = null;
  state.profile = null;
  state.friends = new Map();
  state.incoming = new Set();
  state.outgoing = new Set();
  state.online = new Set();
  state.presenceKnown = false;
  state.moodAuthors = new Map();
}
