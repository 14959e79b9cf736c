// gifts.js — 礼物 Gifts: the catalog (locked ones greyed with the level they need),
// the send dialog, the gift shelf (礼物架) items with 回赠 "send one back" (until it was:
// returned.js), and what a `gift` event does: the receiver's tabs play the animation,
// then it settles on a shelf.

import { el, $, $$, attr, timeEl, busy, toast, reducedMotion } from './dom.js';
import { conn } from './conn.js';
import { state, me, myLevel, on } from './state.js';
import { userLink, lockLabel, nameOf } from './widgets.js';
import { playGift, giftIcon } from './giftanim.js';
import { returnControl, markReturned } from './returned.js';

const FRESH_MS = 2 * 60 * 1000;
let dialog = null;

export async function loadCatalog() {
  try {
    const res = await conn.request('gifts.catalog', {});
    state.catalog = res.gifts || [];
  } catch (err) {
    console.warn('catalog', err);
  }
  return state.catalog;
}


/** Open the 送礼物 dialog for `to`; `returnTo` is the received gift ({id}) this one
 * answers (回赠), which then counts as returned. */
export async function openGiftDialog(to, { returnTo = null } = {}) {
  if (!state.catalog.length) await loadCatalog();
  if (!dialog) dialog = buildDialog();
  dialog.showFor(to, returnTo);
}

/** Close the dialog (the page under it is going away: Back, a new route). */
export function closeGiftDialog() {
  if (dialog && dialog.open) dialog.close();
}

function buildDialog() {
  const title = el('h2', { class: 'dialog-title', id: 'gift-dialog-title' });
  const grid = el('div', { class: 'gift-grid', role: 'radiogroup', 'aria-labelledby': 'gift-dialog-title', testid: 'gift-options' });
  const message = el('input', { type: 'text', class: 'input', testid: 'gift-message', maxlength: '200', placeholder: '附言（可选） Message (optional)', 'aria-label': '附言 Message' });
  const error = el('p', { class: 'form-error', testid: 'gift-error', role: 'alert', hidden: true });
  const send = el('button', { type: 'submit', class: 'btn btn-primary', testid: 'gift-send', text: '🎁 送出 Send', disabled: true });
  const cancel = el('button', { type: 'button', class: 'btn btn-ghost', testid: 'gift-cancel', text: '取消 Cancel' });
  const form = el('form', { method: 'dialog', class: 'gift-form' }, title, grid, message, error, el('div', { class: 'dialog-actions' }, cancel, send));
  const dlg = el('dialog', { class: 'dialog gift-dialog', testid: 'gift-dialog', 'aria-labelledby': 'gift-dialog-title' }, form);
  document.body.appendChild(dlg);
  let to = null;
  let chosen = null;
  let answering = null; // the received gift this one returns, if any
  const choose = (id) => {
    chosen = id;
    for (const b of $$('[data-testid=gift-option]', grid)) b.setAttribute('aria-checked', b.dataset.gift === id ? 'true' : 'false');
    send.disabled = !id;
  };
  const fill = () => {
    grid.textContent = '';
    for (const g of state.catalog) {
      const locked = Number(g.min_level || 1) > myLevel();
      const b = el('button', { type: 'button', role: 'radio', class: ['gift-option', locked && 'locked'], testid: 'gift-option',
        data: { gift: g.id, locked: locked ? 'true' : 'false', minLevel: g.min_level }, 'aria-checked': 'false', disabled: locked,
        title: locked ? `需要等级 Needs Lv ${g.min_level}` : g.name },
      el('span', { class: 'gift-option-icon', 'aria-hidden': 'true', text: giftIcon(g.id) }),
      el('span', { class: 'gift-option-name', text: g.name }),
      locked ? lockLabel(g.min_level) : null);
      b.addEventListener('click', () => choose(g.id));
      grid.appendChild(b);
    }
  };
  cancel.addEventListener('click', () => dlg.close());
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!chosen || !to) return;
    error.hidden = true;
    const data = { to, gift: chosen };
    if (message.value.trim()) data.message = message.value.trim();
    await busy(send, async () => {
      try {
        const res = await conn.request('gift.send', data);
        if (answering) markReturned(answering.id);
        dlg.close();
        toast(`礼物已送出 Gift sent to @${to} ${giftIcon(chosen)}`, { kind: 'success' });
        if (res.gift) onGift(res.gift);
      } catch (err) {
        error.textContent = `${err.message}${err.code ? ` (${err.code})` : ''}`;
        error.hidden = false;
      }
    });
    send.disabled = !chosen;
  });
  on('level', () => { if (dlg.open) fill(); });
  dlg.showFor = (user, returnTo) => {
    to = user;
    answering = returnTo;
    title.textContent = returnTo ? `回赠 Send one back → @${user}` : `送礼物 Send a gift → @${user}`;
    message.value = '';
    error.hidden = true;
    fill();
    choose(null);
    dlg.showModal();
    const first = $('[data-testid=gift-option]:not([disabled])', grid);
    if (first) first.focus();
  };
  return dlg;
}

/** A shelf item (礼物架). */
export function giftItem(gift, owner) {
  const canReturn = owner === me() && gift.from !== me();
  return el('li', { class: 'gift-item', testid: 'gift-item', data: { id: gift.id, gift: gift.gift, from: gift.from } },
    el('span', { class: 'gift-item-icon', 'aria-hidden': 'true', text: giftIcon(gift.gift) }),
    el('div', { class: 'gift-item-body' },
      el('div', { class: 'gift-item-name', text: gift.name || gift.gift }),
      el('div', { class: 'gift-item-from' }, '来自 from ', userLink(gift.from), ' · ', timeEl(gift.ts)),
      gift.message ? el('div', { class: 'gift-item-msg', testid: 'gift-item-message', text: gift.message }) : null,
      canReturn ? returnControl(gift.id, { testid: 'gift-return', cls: 'btn btn-small btn-pink gift-return',
        aria: `回赠 Send one back to @${gift.from}`, onClick: () => openGiftDialog(gift.from, { returnTo: gift }) }) : null));
}

let shelfN = 0;

/** The gift shelf (礼物架) of `owner`; `max` keeps only the newest few (sidebar). */
export function giftShelf(owner, gifts, { max = 0, compact = false, testid = 'gift-shelf' } = {}) {
  const items = max ? (gifts || []).slice(0, max) : (gifts || []);
  const list = el('ul', { class: ['gift-shelf', compact && 'gift-shelf-compact'], testid, data: { owner, max: max || undefined } });
  for (const g of items) list.appendChild(giftItem(g, owner));
  const empty = el('p', { class: 'empty gift-shelf-empty', text: '礼物架还空着 The shelf is empty', hidden: items.length > 0 });
  const id = `shelf-title-${++shelfN}`;
  const title = owner === me() ? '🎁 我的礼物架 My gift shelf' : '🎁 礼物架 Gift shelf';
  return el('section', { class: 'card shelf-card', 'aria-labelledby': id },
    el('h2', { class: 'card-title', id, text: title }), empty, list);
}

function shelve(gift, fromRect) {
  for (const shelf of $$(`.gift-shelf[data-owner="${attr(gift.to)}"]`)) {
    if ($(`.gift-item[data-id="${attr(gift.id)}"]`, shelf)) continue;
    const item = giftItem(gift, gift.to);
    shelf.prepend(item);
    const max = Number(shelf.dataset.max || 0);
    while (max && shelf.children.length > max) shelf.lastElementChild.remove();
    const empty = shelf.parentElement && $('.gift-shelf-empty', shelf.parentElement);
    if (empty) empty.hidden = true;
    if (reducedMotion()) continue;
    item.classList.add('just-arrived');
    if (fromRect && item.animate) {
      const to = item.getBoundingClientRect();
      const dx = fromRect.left + fromRect.width / 2 - (to.left + to.width / 2);
      const dy = fromRect.top + fromRect.height / 2 - (to.top + to.height / 2);
      item.animate([{ transform: `translate(${dx}px, ${dy}px) scale(1.6)`, opacity: 0.3 }, { transform: 'none', opacity: 1 }],
        { duration: 600, easing: 'cubic-bezier(.2,.8,.2,1.2)' });
    }
  }
}

const played = new Set();

/** A gift event (or my own send reply). */
export function onGift(gift) {
  if (gift.to !== me() || played.has(gift.id)) { shelve(gift, null); return; }
  played.add(gift.id);
  const fresh = !gift.ts || Date.now() - Number(gift.ts) < FRESH_MS;
  if (!fresh) { shelve(gift, null); return; }
  const card = el('div', { class: 'gift-card', role: 'status' },
    el('div', { class: 'gift-card-icon', 'aria-hidden': 'true', text: giftIcon(gift.gift) }),
    el('p', { class: 'gift-card-title' }, el('strong', { text: nameOf(gift.from) }), ` 送你 sent you ${gift.name || gift.gift}`),
    gift.message ? el('p', { class: 'gift-card-msg', testid: 'gift-anim-message', text: `“${gift.message}”` }) : null);
  const actions = el('div', { class: 'dialog-actions' });
  card.appendChild(actions);
  const overlayFinish = () => { const o = card.closest('.gift-anim'); if (o && o.finish) o.finish(); };
  if (gift.from !== me()) {
    actions.appendChild(returnControl(gift.id, { testid: 'gift-anim-return', cls: 'btn btn-pink',
      onClick: () => { overlayFinish(); openGiftDialog(gift.from, { returnTo: gift }); } }));
  }
  actions.appendChild(el('button', { type: 'button', class: 'btn btn-primary', testid: 'gift-anim-close', text: '收下 Accept', on: { click: overlayFinish } }));
  playGift(gift, card, (rect) => shelve(gift, rect));
}
