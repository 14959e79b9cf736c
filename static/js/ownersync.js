// ownersync.js — my space settings and my blacklist changed here: say so to this tab's
// views and to this browser's other tabs of the same user (localStorage `storage`
// events), as the state bus event 'ownersay' {what: 'settings'|'block'|'unblock',
// user, tab}. The hub sends no event for either (only `friend.removed` when a block
// ends a friendship), so without this another open tab would show what was undone.

import { me, emit } from './state.js';

const TAB = Math.random().toString(36).slice(2); // which tab said it
const key = () => `kj:ownersay:${me()}`;

/** Tell every view, here and in my other tabs, that `what` changed (for `user`). */
export function announce(what, user = null) {
  const msg = { what, user, tab: TAB, t: Date.now() };
  try { localStorage.setItem(key(), JSON.stringify(msg)); } catch { /* private mode: this tab only */ }
  emit('ownersay', msg);
}

/** Whether `msg` came from this very tab (whose view already shows the change). */
export const fromHere = (msg) => Boolean(msg && msg.tab === TAB);

window.addEventListener('storage', (e) => {
  if (!me() || e.key !== key() || !e.newValue) return;
  let msg;
  try { msg = JSON.parse(e.newValue); } catch { return; }
  emit('ownersay', msg);
});
