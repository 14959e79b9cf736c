// confirm.js — the one confirmation dialog (确认) that destructive actions ask through:
// deleting a comment or a guestbook entry, blocking someone. It owns its <dialog>
// only: what is confirmed and what happens after stays with the caller.
//
// The safe answer is the default: focus starts on 取消 Cancel, Esc and Back cancel, and
// focus goes back to the control that opened it; when the confirmed action then takes
// that control away (a deleted comment's own button), the caller hands focus on with
// focusAfter().

import { el } from './dom.js';

let dialog = null;

function build() {
  const title = el('h2', { class: 'dialog-title', id: 'confirm-title' });
  const text = el('p', { class: 'confirm-text', id: 'confirm-text', testid: 'confirm-text' });
  const cancel = el('button', { type: 'button', class: 'btn btn-ghost', testid: 'confirm-cancel', text: '取消 Cancel' });
  const ok = el('button', { type: 'button', class: 'btn btn-danger', testid: 'confirm-ok' });
  const dlg = el('dialog', { class: 'dialog confirm-dialog', testid: 'confirm-dialog', role: 'alertdialog',
    'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-text' },
  title, text, el('div', { class: 'dialog-actions' }, cancel, ok));
  document.body.appendChild(dlg);
  dlg.parts = { title, text, cancel, ok };
  dlg.pending = null; // {resolve, opener} of the question on screen
  dlg.addEventListener('close', () => {
    const p = dlg.pending;
    dlg.pending = null;
    if (!p) return;
    if (p.opener && p.opener.isConnected && typeof p.opener.focus === 'function') p.opener.focus();
    p.resolve(dlg.returnValue === 'ok');
  });
  cancel.addEventListener('click', () => dlg.close('cancel'));
  ok.addEventListener('click', () => dlg.close('ok'));
  // A click on the backdrop (outside the box, which the dialog itself receives) cancels.
  dlg.addEventListener('click', (e) => {
    if (e.target !== dlg) return;
    const r = dlg.getBoundingClientRect();
    const inside = e.clientX >= r.left && e.clientX <= r.right && e.clientY >= r.top && e.clientY <= r.bottom;
    if (!inside) dlg.close('cancel');
  });
  // Back or a link: the page the question was about is going away.
  window.addEventListener('hashchange', () => { if (dlg.open) dlg.close('cancel'); });
  return dlg;
}

/**
 * Ask before doing something that cannot be undone: `{ title, text, confirmLabel }`.
 * Resolves true for the confirm button, false for Cancel, Esc, a click outside or a
 * route change.
 */
export function confirmAction({ title, text = '', confirmLabel = '确定 Confirm' }) {
  if (!dialog) dialog = build();
  let opener = document.activeElement;
  if (dialog.pending) { // one question at a time: the newer one replaces it, unanswered
    opener = dialog.pending.opener;
    dialog.pending.resolve(false);
  }
  const { parts } = dialog;
  parts.title.textContent = title;
  parts.text.textContent = text;
  parts.text.hidden = !text;
  parts.ok.textContent = confirmLabel;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.pending = { resolve, opener };
    if (!dialog.open) dialog.showModal();
    parts.cancel.focus();
  });
}

/** The confirmed action takes the focused control off the page (`gone`, the item on
 * its way out, or already removed): focus `target` (the list, the card's button)
 * instead of leaving it on <body>. */
export function focusAfter(target, gone = null) {
  const active = document.activeElement;
  const lost = !active || active === document.body || (gone && gone.contains(active));
  if (lost && target && target.isConnected) target.focus({ preventScroll: true });
}
