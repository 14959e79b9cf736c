// features.js — the client features that register themselves with app.js: each
// exports `events` ({event name: (data, frame) => …}, run for every event frame after
// app.js's own switch) and may export `reset()` (forget what belonged to the user who
// logged out) and `connected(hello)` (run after every hello, once the session is that
// user's: a connect or a reconnect). A new feature joins by being listed here; app.js
// loops over the list.

import * as guestbook from './guestbook.js';
import * as commentdel from './commentdel.js';
import * as blocks from './blocks.js';
import * as likers from './likers.js';
import * as notify from './notify.js';
import * as groups from './groups.js';
import * as care from './care.js';

export const FEATURES = [guestbook, commentdel, blocks, likers, notify, groups, care];
