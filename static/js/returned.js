// returned.js — which received gifts I have already sent one back for (回赠), kept per
// user in localStorage (the hub does not record it) and shared by this browser's tabs;
// and the control each place a gift is shown uses: the 回赠 Send back button, or, once
// returned, a "✓ 已回赠 Returned" mark in its place (shelf items, the gift card,
// notifications all switch together).

import { el, $$, attr } from './dom.js';
import { me } from './state.js';

const MAX = 300; // the newest returned gift ids kept
const key = () => `kj:returned:${me()}`;

function load() {
  try {
    const ids = JSON.parse(localStorage.getItem(key()) || '[]');
    return Array.isArray(ids) ? ids.map(String) : [];
  } catch { return []; }
}

export const isReturned = (giftId) => giftId !== undefined && giftId !== null && load().includes(String(giftId));

function mark() {
  return el('span', { class: 'chip chip-returned', testid: 'gift-returned', text: '✓ 已回赠 Returned' });
}

/**
 * 回赠 for the received gift `giftId`: a button (`testid`, `label`, extra `cls`) that
 * runs `onClick`, or the "returned" mark if I already sent one back.
 */
export function returnControl(giftId, { testid, label = '回赠 Send back', cls = 'btn btn-small btn-pink', aria = null, onClick }) {
  if (isReturned(giftId)) return mark();
  return el('button', { type: 'button', class: cls, testid, text: label, 'aria-label': aria,
    data: { returns: giftId }, on: { click: onClick } });
}

/** I sent one back for `giftId`: remember it, and swap its buttons on screen. */
export function markReturned(giftId) {
  if (!me() || giftId === undefined || giftId === null) return;
  const ids = load().filter((id) => id !== String(giftId));
  ids.push(String(giftId));
  try { localStorage.setItem(key(), JSON.stringify(ids.slice(-MAX))); } catch { /* quota: this page only */ }
  swap(String(giftId));
}

function swap(giftId) {
  for (const button of $$(`button[data-returns="${attr(giftId)}"]`)) button.replaceWith(mark());
}

window.addEventListener('storage', (e) => {
  if (!me() || e.key !== key()) return;
  for (const id of load()) swap(id);
});
