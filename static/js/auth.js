// auth.js — 登录 / 注册 Login and register forms, with client-side checks
// (username [a-z0-9_]{3,20}, password ≥ 8) and the server's errors shown clearly.
// On success the HttpOnly cookie is set by the server; we call onAuthed(username).

import { el, $ } from './dom.js';
import * as api from './api.js';

const MESSAGES = {
  conflict: '用户名已被占用 That username is taken',
  not_authenticated: '用户名或密码错误 Wrong username or password',
  rate_limited: '尝试太频繁，请稍后再试 Too many attempts, try again later',
  unavailable: '服务器暂时不可用 Server unavailable',
};

/** What to say about a failed login / sign-up; a 429 names its wait (Retry-After). */
function failureText(err) {
  if (err.status === 401) return MESSAGES.not_authenticated;
  if (err.code === 'rate_limited' && err.retryAfter !== null && err.retryAfter !== undefined) {
    const s = Math.max(1, err.retryAfter);
    return `尝试太频繁，请 ${s} 秒后再试 Too many attempts, try again in ${s} s`;
  }
  return MESSAGES[err.code] || err.message;
}

function field(id, label, input, hint) {
  return el('div', { class: 'field' }, el('label', { for: id, text: label }), input, hint ? el('small', { class: 'hint', id: `${id}-hint`, text: hint }) : null);
}

/** The first thing wrong with the form, as [message, 'username' | 'password'], or null. */
function check(username, password) {
  if (!username) return ['请输入用户名 Please enter your username', 'username'];
  if (!api.USERNAME_RE.test(username)) return ['用户名需为 3–20 位小写字母、数字或下划线 Username: 3–20 of a-z, 0-9, _', 'username'];
  if (!password) return ['请输入密码 Please enter your password', 'password'];
  if (password.length < api.PASSWORD_MIN) return [`密码至少 ${api.PASSWORD_MIN} 位 Password must be at least ${api.PASSWORD_MIN} characters`, 'password'];
  return null;
}

/** The login / sign-up card. `notice` is information for the person at the screen
 * (logged out elsewhere, session expired): shown neutral, not as an error. */
export function mountAuth(root, onAuthed, notice = null) {
  root.textContent = '';
  const error = el('p', { class: 'form-error', testid: 'auth-error', role: 'alert', hidden: true });
  const showError = (msg) => { error.textContent = msg; error.hidden = !msg; };
  const info = el('p', { class: 'form-notice', testid: 'auth-notice', role: 'status', hidden: true });
  const showNotice = (msg) => { info.textContent = msg || ''; info.hidden = !msg; };

  const lu = el('input', { id: 'login-username', class: 'input', testid: 'login-username', name: 'username', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', required: true });
  const lp = el('input', { id: 'login-password', class: 'input', testid: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const ls = el('button', { type: 'submit', class: 'btn btn-primary btn-block', testid: 'login-submit', text: '登录 Log in' });
  const login = el('form', { class: 'auth-form', testid: 'login-form', novalidate: true, 'aria-label': '登录 Log in' },
    field('login-username', '用户名 Username', lu), field('login-password', '密码 Password', lp), ls);

  const ru = el('input', { id: 'register-username', class: 'input', testid: 'register-username', name: 'username', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', required: true, pattern: '[a-z0-9_]{3,20}', maxlength: '20', 'aria-describedby': 'register-username-hint' });
  const rn = el('input', { id: 'register-display-name', class: 'input', testid: 'register-display-name', name: 'display_name', maxlength: '30', autocomplete: 'nickname' });
  const rp = el('input', { id: 'register-password', class: 'input', testid: 'register-password', name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: '8', 'aria-describedby': 'register-password-hint' });
  const rs = el('button', { type: 'submit', class: 'btn btn-primary btn-block', testid: 'register-submit', text: '注册 Sign up' });
  const register = el('form', { class: 'auth-form', testid: 'register-form', novalidate: true, hidden: true, 'aria-label': '注册 Sign up' },
    field('register-username', '用户名 Username', ru, '3–20 位 a-z 0-9 _'),
    field('register-display-name', '昵称 Display name (可选 optional)', rn),
    field('register-password', '密码 Password', rp, '至少 8 位，不能是常见密码 at least 8 characters, not a common password'), rs);

  const tabLogin = el('button', { type: 'button', class: 'tab', role: 'tab', testid: 'show-login', 'aria-selected': 'true', text: '登录 Log in' });
  const tabRegister = el('button', { type: 'button', class: 'tab', role: 'tab', testid: 'show-register', 'aria-selected': 'false', text: '注册 Sign up' });
  const show = (which) => {
    const isLogin = which === 'login';
    login.hidden = !isLogin;
    register.hidden = isLogin;
    tabLogin.setAttribute('aria-selected', String(isLogin));
    tabRegister.setAttribute('aria-selected', String(!isLogin));
    showError(null);
    (isLogin ? lu : ru).focus();
  };
  tabLogin.addEventListener('click', () => show('login'));
  tabRegister.addEventListener('click', () => show('register'));

  const submit = async (e, kind) => {
    e.preventDefault();
    const userInput = kind === 'login' ? lu : ru;
    const passInput = kind === 'login' ? lp : rp;
    // Usernames are lowercase: "Alice" is alice (as friend search reads it).
    const username = userInput.value.trim().toLowerCase();
    if (username && userInput.value !== username) userInput.value = username;
    const password = passInput.value;
    showNotice(null);
    const bad = check(username, password);
    if (bad) {
      showError(bad[0]);
      (bad[1] === 'username' ? userInput : passInput).focus();
      return;
    }
    showError(null);
    const btn = kind === 'login' ? ls : rs;
    btn.disabled = true;
    try {
      if (kind === 'login') await api.login(username, password);
      else await api.register(username, password, rn.value.trim() || undefined);
      onAuthed(username);
    } catch (err) {
      showError(`${failureText(err)}${err.code ? ` (${err.code})` : ''}`);
    } finally {
      btn.disabled = false;
    }
  };
  login.addEventListener('submit', (e) => submit(e, 'login'));
  register.addEventListener('submit', (e) => submit(e, 'register'));

  root.appendChild(el('div', { class: 'auth-card card', testid: 'auth' },
    el('div', { class: 'auth-hero', 'aria-hidden': 'true' }, el('span', { class: 'auth-logo', text: '空' }), el('span', { class: 'auth-deco', text: '🌸 ★ 🎈 ♛ 🎵' })),
    el('h1', { class: 'auth-title', text: '欢迎来到空间 Welcome to Kongjian' }),
    el('p', { class: 'muted', text: '说说、留言、送礼物，和好友一起玩！ Moods, guestbooks, gifts — live with your friends.' }),
    el('div', { class: 'tabs', role: 'tablist' }, tabLogin, tabRegister),
    info, error, login, register));
  if (notice) showNotice(notice);
  setTimeout(() => { if (!login.hidden) lu.focus(); }, 0);
  return { show, el: $('[data-testid=auth]', root) };
}
