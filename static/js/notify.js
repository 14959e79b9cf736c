// notify.js — 与我相关 Notifications, as the hub keeps them (docs/protocol.md,
// notifications.list / notifications.read / notify). It owns the red dot and the
// #/notifications page:
//
// * the dot is the hub's `unread`: asked with `notifications.list` after every hello
//   (connect, reconnect), then taken from every `notify` event, so every tab and device
//   shows the same number;
// * the page lists the hub's grouped items newest first (wording: notewords.js), marks
//   the unread ones, loads more with `next`, and marks what it shows read
//   (`notifications.read` with those items' `ids`) — the dot clears in every tab. Items
//   that arrive while it is open (a `notify` with `note`) go on top, marked new, and
//   count until the page is left, which marks them read too; a `notify` with
//   `withdrawn` takes its items away (or shrinks a grouped one). 全部已读 asks first
//   (confirm.js), then reads everything;
// * a click on an item opens what it is about (reveal.js); a gift offers 回赠 Send back
//   (returned.js).
//
// Registered through features.js: `events.notify`, `connected()`, `reset()`.

import { el, $$, timeEl, busy, toast, errText } from './dom.js';
import { conn } from './conn.js';
import { me } from './state.js';
import { portrait, learnName, learnPortrait } from './widgets.js';
import { openGiftDialog } from './gifts.js';
import { returnControl } from './returned.js';
import { confirmAction, focusAfter } from './confirm.js';
import { describe, keyOf, withdrawFrom } from './notewords.js';
import { openItem } from './reveal.js';

const PAGE = 20;
const READ_MAX = 500; // ids per notifications.read

let unread = 0;
let counts = 0;  // `notify` events heard: a reply sent before the latest one has an older count
let changes = 0; // of those, the ones that added or withdrew something
let view = null; // the open page, see mountNotifications

// ---- the red dot ----

function setUnread(n) {
  unread = Math.max(0, Number(n) || 0);
  for (const b of $$('[data-testid=notify-count]')) {
    b.textContent = unread > 99 ? '99+' : String(unread);
    b.dataset.count = String(unread);
    b.hidden = unread === 0;
  }
  const nav = document.querySelector('[data-testid=nav-notify]');
  if (nav) nav.setAttribute('aria-label', unread ? `与我相关 Notifications, ${unread} 条未读 unread` : '与我相关 Notifications');
  const base = document.title.replace(/^\(\d+\+?\) /, '');
  document.title = unread ? `(${unread > 99 ? '99+' : unread}) ${base}` : base;
}

/** Ask `op` and take the `unread` it answers, unless a `notify` came meanwhile (newer). */
async function counted(op, data) {
  const before = counts;
  const user = me();
  const res = await conn.request(op, data);
  if (user === me() && before === counts && typeof res.unread === 'number') setUnread(res.unread);
  return res;
}

/** After every hello: the count as the hub has it now (and the open page brought up to
 * date: events may have been missed while the socket was down). */
export async function connected() {
  try { localStorage.removeItem(`kj:notify:${me()}`); } catch { /* the old client's copy */ }
  try { await counted('notifications.list', { limit: 1 }); } catch (err) { console.warn('notifications', err); }
  if (view && view.loaded) refreshHead(view);
  else if (view && !view.loading) loadFirst(view); // it could not load while offline
}

function onNotify(d) {
  counts += 1;
  if (typeof d.unread === 'number') setUnread(d.unread);
  if (!d.note && !(d.withdrawn && d.withdrawn.length)) return;
  changes += 1;
  const v = view;
  if (!v || !v.loaded) return; // a page still loading gets the hub's list as it is now
  if (d.withdrawn && d.withdrawn.length) {
    const res = withdrawFrom(v.items, d.withdrawn);
    v.items = res.items;
    paint(v);
    if (res.shrank || res.missed) refreshHead(v); // the names left, or what we could not place
  }
  if (d.note) refreshHead(v);
}

export const events = { notify: (d) => onNotify(d || {}) };

export function reset() {
  counts = 0;
  changes = 0;
  view = null;
  setUnread(0);
}

// ---- reading the hub's list ----

async function markRead(ids) {
  const list = [...new Set(ids)];
  for (let i = 0; i < list.length; i += READ_MAX) {
    try { await counted('notifications.read', { ids: list.slice(i, i + READ_MAX) }); } catch (err) { console.warn('notifications.read', err); }
  }
}

/** Take in one page (`res`): the first one, one loaded with `next`, or a new head. An
 * unread item is marked new on screen; `now` marks it read on the hub at once, else it
 * is read when the page is left (it came while the page was open). */
function take(v, items, now) {
  const unseen = [];
  for (const item of items) {
    for (const a of item.actors || []) { learnName(a.user, a.display_name); learnPortrait(a.user, a.head_portrait); }
    if (item.read) continue;
    for (const id of item.ids || [item.id]) if (!v.fresh.has(id)) { v.fresh.add(id); unseen.push(id); }
  }
  if (!unseen.length) return;
  if (now) markRead(unseen);
  else for (const id of unseen) v.unsent.add(id);
}

async function loadFirst(v) {
  v.loading = true;
  try {
    const res = await conn.request('notifications.list', { limit: PAGE });
    if (view !== v) return;
    v.status.textContent = '加载中… Loading';
    v.items = res.items || [];
    v.next = res.next ?? null;
    v.loaded = true;
    take(v, v.items, true);
    if (changes !== v.since) refreshHead(v); // something changed while it was on its way
  } catch (err) {
    if (view === v) v.status.textContent = `加载失败 Could not load: ${errText(err)}`;
    return;
  } finally {
    v.loading = false;
  }
  paint(v);
}

async function loadMore(v) {
  if (v.next === null) return;
  const res = await conn.request('notifications.list', { limit: PAGE, before: v.next });
  if (view !== v) return;
  const shown = new Set(v.items.flatMap((i) => i.ids || [i.id]));
  const keys = new Set(v.items.map(keyOf));
  const more = (res.items || []).filter((i) => !(i.ids || [i.id]).some((id) => shown.has(id)) && !keys.has(keyOf(i)));
  v.items = v.items.concat(more);
  v.next = res.next ?? null;
  take(v, more, true);
  paint(v);
}

/** The newest page again, merged over what is shown: the hub's grouping, names and
 * portraits for what came or went. Older pages already loaded stay. */
async function refreshHead(v) {
  if (v.refreshing) { v.again = true; return; }
  v.refreshing = true;
  try {
    do {
      v.again = false;
      const mark = changes;
      const res = await conn.request('notifications.list', { limit: PAGE });
      if (view !== v) return;
      if (mark !== changes) { v.again = true; continue; } // overtaken: ask again
      const head = res.items || [];
      const ids = new Set(head.flatMap((i) => i.ids || [i.id]));
      const keys = new Set(head.map(keyOf));
      const bound = res.next === null || res.next === undefined ? null : Number(res.next);
      // below the head's oldest notification: older pages, kept unless now in the head
      const rest = bound === null ? [] : v.items.filter((i) => Number(i.id) < bound
        && !(i.ids || [i.id]).some((id) => ids.has(id)) && !keys.has(keyOf(i)));
      if (!rest.length) v.next = res.next ?? null;
      v.items = head.concat(rest);
      take(v, head, false);
      paint(v);
    } while (v.again);
  } catch (err) {
    console.warn('notifications', err);
  } finally {
    v.refreshing = false;
  }
}

// ---- the page ----

const isNew = (v, item) => !item.read || (item.ids || [item.id]).some((id) => v.fresh.has(id));

function itemNode(v, item) {
  const actor = (item.actors || [])[0] || { user: '' };
  const fresh = isNew(v, item);
  const open = el('button', { type: 'button', class: 'notify-open', testid: 'notify-open' },
    item.type === 'level.up' ? el('span', { class: 'notify-icon', 'aria-hidden': 'true', text: '🎉' }) : portrait(actor.head_portrait, actor.user, 'sm'),
    el('span', { class: 'notify-text', testid: 'notify-text' }, ...describe(item)));
  open.addEventListener('click', () => openItem(item));
  const giftBack = item.type === 'gift' && actor.user && actor.user !== me() && item.gift_id !== undefined
    ? returnControl(item.gift_id, { testid: 'notify-gift-return', aria: `回赠 Send one back to @${actor.user}`,
      onClick: () => openGiftDialog(actor.user, { returnTo: { id: item.gift_id } }) })
    : null;
  return el('li', { class: ['notify-item', `notify-${String(item.type).replace('.', '-')}`, fresh && 'notify-unread'], testid: 'notify-item',
    data: { kind: item.type, id: item.id, read: fresh ? 'false' : 'true', count: item.count } },
  fresh ? el('span', { class: 'notify-new', testid: 'notify-new', text: '新 New' }) : null,
  open, timeEl(item.ts), giftBack);
}

/** Draw `v.items`, reusing the rows that did not change (a focused row keeps focus). */
function paint(v) {
  const old = new Map([...v.list.children].map((li) => [li.dataset.id, li]));
  const rows = v.items.map((item) => {
    const sig = JSON.stringify([item, isNew(v, item)]);
    const kept = old.get(String(item.id));
    if (kept && kept.sig === sig) { old.delete(String(item.id)); return kept; }
    const li = itemNode(v, item);
    li.sig = sig;
    return li;
  });
  const focused = document.activeElement;
  const lost = [...old.values()].some((li) => li.contains(focused));
  for (const li of old.values()) li.remove();
  rows.forEach((li, i) => { if (v.list.children[i] !== li) v.list.insertBefore(li, v.list.children[i] || null); });
  if (lost) focusAfter(v.list);
  v.status.hidden = v.loaded;
  v.empty.hidden = !v.loaded || v.items.length > 0;
  v.more.hidden = !v.loaded || v.next === null;
}

async function clearAll(v) {
  if (!unread && !v.fresh.size) { toast('没有未读消息 Nothing unread'); return; }
  const yes = await confirmAction({
    title: '全部标为已读？ Mark everything read?',
    text: unread ? `${unread} 条未读通知将标为已读 ${unread} unread notifications will be marked read` : '',
    confirmLabel: '全部已读 Clear all',
  });
  if (!yes || view !== v) return;
  await busy(v.clear, async () => {
    await counted('notifications.read', { all: true });
    v.fresh.clear();
    v.unsent.clear();
    v.items = v.items.map((i) => ({ ...i, read: true }));
    paint(v);
  });
}

export function mountNotifications(root) {
  const list = el('ol', { class: 'notify-list', testid: 'notify-list', tabindex: '-1', 'aria-label': '与我相关 Notifications' });
  const status = el('p', { class: 'loading', testid: 'notify-loading', text: '加载中… Loading' });
  const empty = el('p', { class: 'empty', testid: 'notify-empty', hidden: true, text: '暂时没有与你相关的消息 Nothing new for you' });
  const more = el('button', { type: 'button', class: 'btn btn-ghost', testid: 'notify-more', hidden: true, text: '加载更多 Load more' });
  const clear = el('button', { type: 'button', class: 'btn btn-ghost btn-small', testid: 'notify-clear', text: '全部已读 Clear all' });
  const v = { list, status, empty, more, clear, items: [], next: null, loaded: false, since: changes,
    fresh: new Set(), unsent: new Set(), refreshing: false, again: false };
  view = v;
  more.addEventListener('click', () => busy(more, () => loadMore(v)));
  clear.addEventListener('click', () => clearAll(v));
  root.appendChild(el('section', { class: 'card notify-page', testid: 'notify-page' },
    el('div', { class: 'card-title-row' }, el('h2', { class: 'card-title', text: '🔔 与我相关 Notifications' }), clear),
    status, empty, list, el('div', { class: 'notify-more-row' }, more)));
  loadFirst(v);
  return () => {
    if (view === v) view = null;
    if (v.unsent.size) markRead([...v.unsent]); // shown while the page was open: seen
  };
}
