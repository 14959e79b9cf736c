// friends.js — 好友 Friends: search users (by username or display name), send requests,
// accept/decline incoming ones live, remove friends, and who is online (presence frames;
// unknown while the socket is down). Friends I keep special care for come first, each
// row with its ☆ toggle (care.js); the 分组 card is groups.js's. Also the small
// "add friend" button used on space pages. State lives in state.js.

import { el, $, busy, toast } from './dom.js';
import { conn } from './conn.js';
import { state, me, on, emit, setFriends } from './state.js';
import { portrait, userLink, learnName, learnPortrait, nameOf } from './widgets.js';
import { openGiftDialog } from './gifts.js';
import { careToggle, isCared } from './care.js';
import { groupsCard } from './groups.js';

export async function loadFriends() {
  let list;
  try { list = await conn.request('friends.list', {}); } catch (err) { console.warn('friends.list', err); return; }
  const live = conn.isOpen(); // else an HTTP snapshot: presence changes after it go unheard
  for (const f of list.friends || []) {
    learnName(f.user, f.display_name);
    learnPortrait(f.user, f.head_portrait); // when the hub sends it
  }
  setFriends(list, live);
}

const other = (users) => (users || []).find((u) => u !== me()) || null;

/** The sidebar's 在线好友 list (and the friend-request badge): nobody is listed as
 * online while presence is unknown (no socket), only a word that it is. */
export function paintOnline() {
  const list = $('#online-friends');
  list.textContent = '';
  const known = state.presenceKnown;
  const online = known ? [...state.friends.values()].filter((f) => f.online) : [];
  if (!known && state.friends.size) {
    list.appendChild(el('li', { class: 'muted', testid: 'online-unknown', text: '在线状态未知（未连接） Who is online is unknown while not connected' }));
  }
  for (const f of online) {
    list.appendChild(el('li', { class: 'online-item', testid: 'online-friend', data: { user: f.user } },
      el('span', { class: 'presence on', 'aria-hidden': 'true' }),
      el('a', { href: `#/space/${encodeURIComponent(f.user)}`, text: f.display_name || f.user })));
  }
  if (!online.length && (known || !state.friends.size)) list.appendChild(el('li', { class: 'muted', text: state.friends.size ? '好友都不在线 No one online' : '还没有好友 No friends yet' }));
  const req = $('[data-testid=friend-request-count]');
  req.textContent = String(state.incoming.size);
  req.hidden = state.incoming.size === 0;
}

/** Apply a friend.* event (`frame`, for `replayed`) to state. Returns the other user.
 * A decline of my own request is said (the pending list shows it no more). */
export function onFriendEvent(name, data, frame = {}) {
  if (name === 'friend.request') {
    if (data.from && data.from !== me()) {
      learnName(data.from, data.from_name);
      learnPortrait(data.from, data.from_portrait);
      state.incoming.add(data.from);
    }
    emit('friends');
    return data.from;
  }
  const u = other(data.users);
  if (!u) return null;
  if (name === 'friend.declined' && state.outgoing.has(u) && !frame.replayed) {
    toast(`${nameOf(u)} 拒绝了你的好友请求 declined your friend request`, { kind: 'friend', ms: 6000 });
  }
  state.incoming.delete(u);
  state.outgoing.delete(u);
  if (name === 'friend.added') {
    if (!state.friends.has(u)) state.friends.set(u, { user: u, display_name: u, online: state.online.has(u) });
    loadFriends();
  } else if (name === 'friend.removed') {
    state.friends.delete(u);
  }
  emit('friends');
  return u;
}

async function act(btn, opName, data, after) {
  await busy(btn, async () => {
    await conn.request(opName, data);
    if (after) after();
    emit('friends');
  });
}

/** "加好友" button for someone's space (null for myself). */
export function friendButton(user, isFriend) {
  if (user === me()) return null;
  if (isFriend || state.friends.has(user)) {
    return el('span', { class: 'chip chip-friend', testid: 'space-add-friend', data: { status: 'friend' }, text: '✓ 好友 Friends' });
  }
  if (state.incoming.has(user)) {
    const b = el('button', { type: 'button', class: 'btn btn-primary', testid: 'space-add-friend', data: { status: 'incoming' }, text: '✓ 接受好友 Accept' });
    b.addEventListener('click', () => act(b, 'friend.accept', { from: user }, () => state.incoming.delete(user)));
    return b;
  }
  if (state.outgoing.has(user)) {
    return el('button', { type: 'button', class: 'btn btn-ghost', testid: 'space-add-friend', data: { status: 'pending' }, disabled: true, text: '⏳ 已发送 Request sent' });
  }
  const b = el('button', { type: 'button', class: 'btn btn-ghost', testid: 'space-add-friend', data: { status: 'none' }, text: '➕ 加好友 Add friend' });
  b.addEventListener('click', () => act(b, 'friend.request', { to: user }, () => { state.outgoing.add(user); toast(`好友请求已发送 Request sent to @${user}`); }));
  return b;
}

function addButton(user) {
  const b = friendButton(user, false);
  if (!b) return el('span', { class: 'chip', text: '这是你 That\'s you' });
  b.dataset.testid = 'friend-add';
  return b;
}

function removeButton(user) {
  const b = el('button', { type: 'button', class: 'btn btn-small btn-ghost btn-danger-text', testid: 'friend-remove', text: '删除 Remove' });
  let armed = null;
  b.addEventListener('click', () => {
    if (!armed) {
      b.textContent = '确定? Confirm';
      b.dataset.testid = 'friend-remove-confirm';
      armed = setTimeout(() => { armed = null; b.textContent = '删除 Remove'; b.dataset.testid = 'friend-remove'; }, 5000);
      return;
    }
    clearTimeout(armed);
    act(b, 'friend.remove', { user }, () => state.friends.delete(user));
  });
  return b;
}

export function mountFriends(root) {
  const q = el('input', { type: 'search', class: 'input', testid: 'friend-search-input', placeholder: '用户名或昵称 Username or name', 'aria-label': '搜索用户 Search users', maxlength: '20', autocomplete: 'off' });
  const go = el('button', { type: 'submit', class: 'btn btn-primary', testid: 'friend-search-submit', text: '🔍 搜索 Search' });
  const results = el('ul', { class: 'people', testid: 'search-results' });
  let lastResults = [];
  const paintResults = () => {
    results.textContent = '';
    for (const u of lastResults) {
      learnName(u.user, u.display_name);
      learnPortrait(u.user, u.head_portrait);
      results.appendChild(el('li', { class: 'person', testid: 'search-result', data: { user: u.user } },
        portrait(u.head_portrait, u.user, 'sm'), el('span', { class: 'person-name' }, userLink(u.user, u.display_name || u.user), el('small', { text: ` @${u.user}` })), addButton(u.user)));
    }
  };
  const form = el('form', { class: 'search-form', testid: 'friend-search', role: 'search' }, q, go);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = q.value.trim(); // the hub matches usernames and display names, ASCII case aside
    if (!text) { q.focus(); return; }
    await busy(go, async () => {
      const res = await conn.request('users.search', { q: text });
      lastResults = res.users || [];
      paintResults();
      if (!lastResults.length) results.appendChild(el('li', { class: 'empty', testid: 'search-empty', text: '没有找到 No users found' }));
    });
  });

  const incoming = el('ul', { class: 'people', testid: 'friend-incoming' });
  const outgoing = el('ul', { class: 'people', testid: 'friend-outgoing' });
  const list = el('ul', { class: 'people', testid: 'friend-list' });
  const counts = el('span', { class: 'muted', testid: 'friend-online-count' });

  const paint = () => {
    incoming.textContent = '';
    for (const u of state.incoming) {
      const accept = el('button', { type: 'button', class: 'btn btn-small btn-primary', testid: 'friend-accept', text: '接受 Accept' });
      const decline = el('button', { type: 'button', class: 'btn btn-small btn-ghost', testid: 'friend-decline', text: '拒绝 Decline' });
      accept.addEventListener('click', () => act(accept, 'friend.accept', { from: u }, () => state.incoming.delete(u)));
      decline.addEventListener('click', () => act(decline, 'friend.decline', { from: u }, () => state.incoming.delete(u)));
      incoming.appendChild(el('li', { class: 'person slide-in', testid: 'friend-request', data: { user: u } },
        portrait(null, u, 'sm'), el('span', { class: 'person-name' }, userLink(u, nameOf(u)), ' 想加你为好友 wants to be friends'), accept, decline));
    }
    if (!state.incoming.size) incoming.appendChild(el('li', { class: 'empty', text: '暂无请求 No requests' }));
    outgoing.textContent = '';
    for (const u of state.outgoing) {
      outgoing.appendChild(el('li', { class: 'person', testid: 'friend-pending', data: { user: u } },
        portrait(null, u, 'sm'), el('span', { class: 'person-name' }, userLink(u), ' ⏳ 等待回应 pending')));
    }
    if (!state.outgoing.size) outgoing.appendChild(el('li', { class: 'empty', text: '—' }));
    // A repaint redraws the rows: focus stays on the same control of the same friend.
    const focused = list.contains(document.activeElement) ? document.activeElement : null;
    const refocus = focused && focused.closest('[data-testid=friend]')
      ? [focused.closest('[data-testid=friend]').dataset.user, focused.dataset.testid] : null;
    list.textContent = '';
    const known = state.presenceKnown; // not while the socket is down: shown as unknown
    const on = (f) => known && Boolean(f.online);
    const friends = [...state.friends.values()].sort((a, b) => (Number(isCared(b.user)) - Number(isCared(a.user)))
      || (Number(on(b)) - Number(on(a))) || a.user.localeCompare(b.user));
    for (const f of friends) {
      const online = on(f);
      const [cls, word] = !known ? ['unknown', '状态未知 unknown'] : online ? ['on', '在线 online'] : ['off', '离线 offline'];
      list.appendChild(el('li', { class: ['person', online && 'online'], testid: 'friend', data: { user: f.user, online: known ? String(online) : 'unknown', care: String(isCared(f.user)) } },
        el('span', { class: 'presence-wrap' }, portrait(null, f.user, 'sm'),
          el('span', { class: ['presence', cls], testid: 'presence', title: word, 'aria-label': word })),
        el('span', { class: 'person-name' }, userLink(f.user, f.display_name || f.user), el('small', { class: 'muted', text: ` ${word}` })),
        careToggle(f.user, { small: true }),
        el('button', { type: 'button', class: 'btn btn-small btn-pink', testid: 'friend-gift', text: '🎁', title: '送礼物 Send gift', 'aria-label': `送礼物给 ${f.user} Send gift`, on: { click: () => openGiftDialog(f.user) } }),
        removeButton(f.user)));
    }
    if (!friends.length) list.appendChild(el('li', { class: 'empty', testid: 'friend-empty', text: '还没有好友，搜索用户名添加吧 No friends yet — search to add some' }));
    if (refocus) {
      const again = list.querySelector(`[data-testid=friend][data-user="${CSS.escape(refocus[0])}"] [data-testid="${CSS.escape(refocus[1] || '')}"]`);
      if (again) again.focus();
    }
    counts.textContent = known ? ` ${friends.filter(on).length}/${friends.length} 在线 online` : ' 在线状态未知 presence unknown';
    if (lastResults.length) paintResults();
  };

  const groups = groupsCard();
  root.append(el('div', { class: 'friends-page' },
    el('section', { class: 'card' }, el('h2', { class: 'card-title', text: '🔍 找朋友 Find friends' }), form, results),
    el('section', { class: 'card', 'aria-labelledby': 'req-title' }, el('h2', { class: 'card-title', id: 'req-title', text: '📨 好友请求 Friend requests' }), incoming,
      el('h3', { class: 'sub-title', text: '已发送 Sent' }), outgoing),
    el('section', { class: 'card', 'aria-labelledby': 'fl-title' }, el('h2', { class: 'card-title', id: 'fl-title' }, '👥 我的好友 My friends', counts), list),
    groups));
  paint();
  loadFriends();
  const offs = [on('friends', paint), on('presence', paint), on('care', paint)];
  return () => { offs.forEach((off) => off()); groups.unmount(); };
}

