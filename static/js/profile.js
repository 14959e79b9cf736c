// profile.js — a person's new display name or head portrait (the `profile` event, sent
// to them and their friends) applied everywhere that person is drawn: links and
// portraits on every card, comment and list (widgets.js), the friends and online lists
// (state.friends), the banner of their open space (space.js), and my own card.

import { state, me, emit } from './state.js';
import { renameUser, learnPortrait } from './widgets.js';
import { onProfile as spaceProfile } from './space.js';

export function applyProfile({ user, display_name: name, head_portrait: face }) {
  if (!user) return;
  if (face) learnPortrait(user, face);
  if (name) renameUser(user, name);
  const friend = state.friends.get(user);
  if (friend) {
    if (name) friend.display_name = name;
    if (face) friend.head_portrait = face;
    emit('friends');
  }
  if (user === me()) {
    state.profile = { ...(state.profile || {}) };
    if (name) { state.profile.display_name = name; state.me.display_name = name; }
    if (face) state.profile.head_portrait = face;
    emit('profile', state.profile);
  }
  spaceProfile({ user, display_name: name, head_portrait: face });
}
