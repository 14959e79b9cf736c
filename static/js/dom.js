// dom.js — tiny DOM helpers. Owns element creation, toasts and time formatting.
// User data only ever goes through textContent / attributes: never innerHTML.

/**
 * el('div', {class: 'x', text: 'hi', testid: 'mood', data: {id: 1}, on: {click}}, ...children)
 * Any other key is set as an attribute (booleans toggle the attribute).
 */
export function el(tag, opts = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(opts || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    else if (key === 'text') node.textContent = String(value);
    else if (key === 'testid') node.dataset.testid = value;
    else if (key === 'data') for (const [k, v] of Object.entries(value)) { if (v !== undefined && v !== null) node.dataset[k] = String(v); }
    else if (key === 'on') for (const [ev, fn] of Object.entries(value)) node.addEventListener(ev, fn);
    else if (key === 'value') node.value = value;
    else if (key === 'checked' || key === 'disabled' || key === 'selected' || key === 'hidden') node[key] = Boolean(value);
    else if (value === true) node.setAttribute(key, '');
    else node.setAttribute(key, String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else if (child instanceof Node) node.appendChild(child);
    else node.appendChild(document.createTextNode(String(child)));
  }
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

export function $(selector, root = document) { return root.querySelector(selector); }
export function $$(selector, root = document) { return Array.from(root.querySelectorAll(selector)); }

/** Selector-safe attribute value. */
export function attr(value) { return CSS.escape(String(value)); }

export const reducedMotion = () => window.matchMedia('(prefers-reduced-motion: reduce)').matches;

/** "刚刚 just now", "5 分钟前 5 min ago", else a local date. */
export function timeAgo(ts) {
  const diff = Math.max(0, Date.now() - Number(ts));
  const s = Math.floor(diff / 1000);
  if (s < 45) return '刚刚 just now';
  const m = Math.floor(s / 60);
  if (m < 60) return `${Math.max(1, m)} 分钟前 ${Math.max(1, m)}m ago`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} 小时前 ${h}h ago`;
  const d = new Date(Number(ts));
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
const pad = (n) => String(n).padStart(2, '0');

export function timeEl(ts) {
  const t = el('time', { class: 'time', text: timeAgo(ts), datetime: new Date(Number(ts)).toISOString(), data: { ts } });
  t.title = new Date(Number(ts)).toLocaleString();
  return t;
}

/** Refresh relative times every 30 s. */
setInterval(() => { for (const t of $$('time[data-ts]')) t.textContent = timeAgo(t.dataset.ts); }, 30000);

/** Toasts: el('div', {testid:'toast', data:{kind}}) in #toasts, removed after `ms` (or
 * when its text is clicked). */
export function toast(text, { kind = 'info', ms = 3500, action = null, testid = 'toast' } = {}) {
  const box = document.getElementById('toasts');
  if (!box) return null;
  const node = el('div', { class: ['toast', `toast-${kind}`], testid, data: { kind }, role: kind === 'error' ? 'alert' : 'status' },
    el('span', { class: 'toast-text', text }));
  if (action) node.appendChild(el('button', { type: 'button', class: 'btn btn-small', text: action.label, on: { click: () => { action.run(); node.remove(); } } }));
  // A tap on its text puts it away at once (on a phone the stack sits over the top bar).
  node.querySelector('.toast-text').addEventListener('click', () => node.remove());
  box.appendChild(node);
  setTimeout(() => { node.classList.add('toast-out'); setTimeout(() => node.remove(), 400); }, ms);
  return node;
}

let hintN = 0;

/**
 * The hint a form shows when `input` is sent blank (or only spaces): "写点什么吧 Write
 * something first", announced, with `input` marked invalid and focused. Typing clears
 * it. Place the returned node in the form; call `hint.show()` from the submit handler.
 */
export function blankHint(input, testid) {
  const id = `blank-hint-${++hintN}`;
  const hint = el('small', { class: 'blank-hint', id, testid, role: 'alert' });
  const described = input.getAttribute('aria-describedby');
  input.setAttribute('aria-describedby', described ? `${described} ${id}` : id);
  hint.show = () => {
    hint.textContent = '写点什么吧 Write something first';
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  };
  input.addEventListener('input', () => {
    if (!hint.textContent) return;
    hint.textContent = '';
    input.removeAttribute('aria-invalid');
  });
  return hint;
}

/**
 * The hint a field shows when the browser trims an edit at its maxlength: a paste, a
 * drop or typing that would go past the limit is cut short without a word otherwise (a
 * link ends at "http://exa"). Says "已截断到 N 字 Trimmed to N characters" (and turns
 * `counter`, if given, red) until an edit fits again. Place the returned node in the
 * form; call `hint.reset()` when the form is cleared after sending.
 */
export function limitHint(input, testid, { counter = null } = {}) {
  const max = Number(input.getAttribute('maxlength'));
  const id = `limit-hint-${++hintN}`;
  const hint = el('small', { class: 'limit-hint', id, testid, role: 'status' });
  const described = input.getAttribute('aria-describedby');
  input.setAttribute('aria-describedby', described ? `${described} ${id}` : id);
  const set = (trimmed) => {
    hint.textContent = trimmed ? `已截断到 ${max} 字 Trimmed to ${max} characters` : '';
    if (counter) counter.classList.toggle('counter-over', trimmed);
  };
  hint.reset = () => set(false);
  // What is left of the value once the selection (which the edit replaces) is gone.
  const kept = () => input.value.length - Math.abs((input.selectionEnd ?? 0) - (input.selectionStart ?? 0));
  // How long the inserted text will be in the field: each line break ("\r\n" too) is one
  // character, a "\n" in a textarea and a space in a one-line input.
  const incoming = (e) => {
    if (e.inputType === 'insertLineBreak' || e.inputType === 'insertParagraph') return 1;
    const text = e.data ?? (e.dataTransfer ? e.dataTransfer.getData('text/plain') : '') ?? '';
    return text.replace(/\r\n?/g, '\n').length;
  };
  input.addEventListener('beforeinput', (e) => {
    if (!max || e.inputType === 'insertCompositionText') return; // an IME: judged at its end
    set(e.inputType.startsWith('insert') && kept() + incoming(e) > max);
  });
  let base = null; // an IME composition: the length around it
  input.addEventListener('compositionstart', () => { base = kept(); });
  input.addEventListener('compositionend', (e) => {
    if (max && base !== null) set(base + (e.data || '').length > max);
    base = null;
  });
  return hint;
}

/** Human text for an Error from api/conn: "message (code)". */
export function errText(err) {
  if (!err) return '出错了 Something went wrong';
  const code = err.code ? ` (${err.code})` : '';
  return `${err.message || '出错了 Something went wrong'}${code}`;
}

/** Run an async action with the button disabled; shows an error toast on failure. */
export async function busy(button, fn) {
  if (button) button.disabled = true;
  try { return await fn(); }
  catch (err) { toast(errText(err), { kind: 'error' }); return undefined; }
  finally { if (button) button.disabled = false; }
}
