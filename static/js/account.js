// account.js — 账号 Account: change the password (current + new; the hub's message is
// shown when it refuses) and 退出所有设备 "log out everywhere". Owns its <dialog> and
// nothing else: ending this tab's session stays with app.js, through `onLoggedOut`.

import { el } from './dom.js';
import * as api from './api.js';

let dialog = null;

/** Open the account dialog; `onLoggedOut()` runs after "log out everywhere" succeeded. */
export function openAccount({ onLoggedOut }) {
  if (!dialog) dialog = buildDialog();
  dialog.onLoggedOut = onLoggedOut;
  dialog.reset();
  dialog.showModal();
}

/** Close it (the session ended from elsewhere). */
export function closeAccount() {
  if (dialog && dialog.open) dialog.close();
}

/** What to say about a refusal: the hub's message, with the wait of a 429. */
function refusalText(err) {
  if (err.status === 403) return `当前密码不对 Current password is wrong (${err.message})`;
  if (err.code === 'rate_limited' && err.retryAfter !== null && err.retryAfter !== undefined) {
    const s = Math.max(1, err.retryAfter);
    return `尝试太频繁，请 ${s} 秒后再试 Too many attempts, try again in ${s} s`;
  }
  return `${err.message}${err.code ? ` (${err.code})` : ''}`;
}

function buildDialog() {
  const old = el('input', { id: 'account-old-password', class: 'input', testid: 'account-old-password', type: 'password', autocomplete: 'current-password', required: true });
  const next = el('input', { id: 'account-new-password', class: 'input', testid: 'account-new-password', type: 'password', autocomplete: 'new-password', required: true, minlength: String(api.PASSWORD_MIN) });
  const error = el('p', { class: 'form-error', testid: 'account-error', role: 'alert', hidden: true });
  const done = el('p', { class: 'form-notice', testid: 'account-done', role: 'status', hidden: true });
  const save = el('button', { type: 'submit', class: 'btn btn-primary', testid: 'account-password-submit', text: '修改密码 Change password' });
  const form = el('form', { class: 'account-form', novalidate: true, 'aria-label': '修改密码 Change password' },
    el('div', { class: 'field' }, el('label', { for: 'account-old-password', text: '当前密码 Current password' }), old),
    el('div', { class: 'field' }, el('label', { for: 'account-new-password', text: '新密码 New password' }), next,
      el('small', { class: 'hint', text: `至少 ${api.PASSWORD_MIN} 位，不能是常见密码 at least ${api.PASSWORD_MIN} characters, not a common password` })),
    error, done, el('div', { class: 'dialog-actions' }, save));
  const everywhere = el('button', { type: 'button', class: 'btn btn-ghost', testid: 'logout-everywhere', text: '退出所有设备 Log out everywhere' });
  const close = el('button', { type: 'button', class: 'btn btn-ghost', testid: 'account-close', text: '关闭 Close' });
  const dlg = el('dialog', { class: 'dialog account-dialog', testid: 'account-dialog', 'aria-labelledby': 'account-title' },
    el('h2', { class: 'dialog-title', id: 'account-title', text: '🔑 账号 Account' }),
    form,
    el('p', { class: 'muted', text: '修改密码后，你的其他设备都会退出登录。 Changing the password logs your other devices out.' }),
    el('div', { class: 'dialog-actions' }, everywhere, close));
  document.body.appendChild(dlg);

  const show = (node, text) => { node.textContent = text || ''; node.hidden = !text; };
  dlg.reset = () => { old.value = ''; next.value = ''; show(error, null); show(done, null); };
  close.addEventListener('click', () => dlg.close());

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    show(done, null);
    if (!old.value) { show(error, '请输入当前密码 Please enter your current password'); old.focus(); return; }
    if (next.value.length < api.PASSWORD_MIN) {
      show(error, `新密码至少 ${api.PASSWORD_MIN} 位 The new password needs at least ${api.PASSWORD_MIN} characters`);
      next.focus();
      return;
    }
    show(error, null);
    save.disabled = true;
    try {
      await api.changePassword(old.value, next.value);
      old.value = '';
      next.value = '';
      show(done, '密码已修改，其他设备已退出 Password changed; your other devices were logged out');
    } catch (err) {
      show(error, refusalText(err));
    } finally {
      save.disabled = false;
    }
  });

  everywhere.addEventListener('click', async () => {
    everywhere.disabled = true;
    try {
      await api.logoutEverywhere();
      dlg.close();
      if (dlg.onLoggedOut) dlg.onLoggedOut();
    } catch (err) {
      show(error, refusalText(err));
    } finally {
      everywhere.disabled = false;
    }
  });
  return dlg;
}
