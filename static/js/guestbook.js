// guestbook.js — 留言板 The guestbook card of a space page: writing (with 悄悄话, a
// private entry only the owner and its writer see), the entries with their 🔒 mark and
// the owner's answer (主人回复, which the owner writes or rewrites in place), deleting
// (by the owner or the entry's writer, asked through confirm.js), the server's message
// when it refuses (the owner's guestbook setting, a block), and the live events
// `guestbook`, `guestbook.reply` and `guestbook.deleted` on every open card of that
// guestbook. The space page (space.js) only places the card.

import { el, $, $$, attr, timeEl, busy, toast, errText, blankHint, limitHint, reducedMotion } from './dom.js';
import { conn } from './conn.js';
import { me } from './state.js';
import { portrait, userLink } from './widgets.js';
import { sendOnCtrlEnter } from './drafts.js';
import { confirmAction, focusAfter } from './confirm.js';

const withdrawn = new Set(); // entry ids deleted this session: never drawn again
let formN = 0;

const cardsOf = (owner) => $$(`[data-testid=guestbook][data-owner="${attr(owner)}"]`);
const entryIn = (card, id) => $(`[data-testid=guestbook-entry][data-id="${attr(id)}"]`, card);

/** The guestbook card of `owner`'s space, with `entries` (space.get's, newest first). */
export function guestbookCard(owner, entries) {
  const self = owner === me();
  const n = ++formN;
  const list = el('ol', { class: 'guestbook-list', testid: 'guestbook-list', tabindex: '-1', 'aria-label': '留言 Messages' });
  const shown = (entries || []).filter((e) => !withdrawn.has(String(e.id)));
  for (const e of shown) list.appendChild(entryItem(e));
  const empty = el('p', { class: 'empty', testid: 'guestbook-empty', text: '还没有留言 No messages yet', hidden: shown.length > 0 });

  const input = el('textarea', { class: 'input', testid: 'guestbook-input', maxlength: '500', rows: '2', placeholder: '留下你的足迹… Leave a message', 'aria-label': '留言 Message' });
  const submit = el('button', { type: 'submit', class: 'btn btn-primary btn-small', testid: 'guestbook-submit', text: '留言 Post' });
  const hint = blankHint(input, 'guestbook-hint');
  const limit = limitHint(input, 'guestbook-limit-hint');
  const error = el('p', { class: 'form-error', testid: 'guestbook-error', role: 'alert', hidden: true });
  // Writing privately in one's own guestbook would hide it from no one: not offered there.
  const priv = self ? null : el('input', { type: 'checkbox', id: `gb-private-${n}`, testid: 'guestbook-private-input' });
  const privLabel = priv ? el('label', { class: 'check guestbook-private-choice', for: priv.id }, priv,
    el('span', { text: '🔒 悄悄话 Private' }), el('small', { class: 'muted', text: ' 只有主人和你能看到 only the owner and you see it' })) : null;
  const form = el('form', { class: 'guestbook-form', testid: 'guestbook-form' }, input, hint, limit, error,
    el('div', { class: 'guestbook-bar' }, privLabel, submit));
  sendOnCtrlEnter(input, form);
  input.addEventListener('input', () => { error.hidden = true; });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) { hint.show(); return; }
    error.hidden = true;
    const data = { to: owner, text };
    if (priv && priv.checked) data.private = true;
    submit.disabled = true;
    try {
      const res = await conn.request('guestbook.post', data);
      input.value = '';
      limit.reset();
      if (priv) priv.checked = false; // a 悄悄话 choice must not stick to the next message
      if (res.entry) onGuestbook(res.entry);
    } catch (err) {
      // The hub's own words: "only friends may write in alice's guestbook", a block …
      error.textContent = `留言失败 Not posted: ${errText(err)}`;
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });
  return el('section', { class: 'card guestbook', testid: 'guestbook', data: { owner }, 'aria-labelledby': `gb-title-${n}` },
    el('h2', { class: 'card-title', id: `gb-title-${n}`, text: '📝 留言板 Guestbook' }), form, empty, list);
}

function entryItem(e) {
  const li = el('li', { class: ['guestbook-entry', e.private && 'entry-private'], testid: 'guestbook-entry',
    data: { id: e.id, author: e.author, owner: e.owner, private: e.private ? 'true' : 'false' } },
  el('div', { class: 'entry-head' }, portrait(e.author_portrait, e.author, 'sm'), userLink(e.author, e.author_name),
    e.private ? el('span', { class: 'chip chip-private', testid: 'guestbook-private', title: '只有主人和留言的人能看到 Only the owner and the writer see it', text: '🔒 悄悄话 Private' }) : null,
    timeEl(e.ts)),
  el('p', { class: 'entry-text', testid: 'guestbook-text', text: e.text }));
  const reply = el('div', { class: 'entry-reply', testid: 'guestbook-reply' });
  li.appendChild(reply);
  paintReply(li, e.reply);
  const actions = el('div', { class: 'entry-actions' });
  if (me() === e.owner) actions.appendChild(replyButton(li, e));
  if (me() === e.owner || me() === e.author) actions.appendChild(deleteButton(li, e));
  if (actions.children.length) li.appendChild(actions);
  return li;
}

function paintReply(li, reply) {
  const box = $('[data-testid=guestbook-reply]', li);
  box.textContent = '';
  box.hidden = !reply;
  li.reply = reply || null;
  if (reply) {
    box.append(el('span', { class: 'entry-reply-label', text: '主人回复 Owner replied：' }),
      el('span', { class: 'entry-reply-text', testid: 'guestbook-reply-text', text: reply.text }), ' ', timeEl(reply.ts));
  }
  const btn = $('[data-testid=guestbook-reply-btn]', li);
  if (btn) btn.textContent = reply ? '修改回复 Edit reply' : '回复 Reply';
}

/** The owner's 回复 Reply: an inline form under the entry (a second reply replaces the
 * first). Cancel, Esc or sending puts focus back on the button. */
function replyButton(li, e) {
  const btn = el('button', { type: 'button', class: 'btn-link', testid: 'guestbook-reply-btn', 'aria-expanded': 'false', text: '回复 Reply' });
  btn.addEventListener('click', () => {
    const open = $('[data-testid=guestbook-reply-form]', li);
    if (open) { $('textarea', open).focus(); return; }
    const input = el('textarea', { class: 'input', testid: 'guestbook-reply-input', maxlength: '500', rows: '2',
      'aria-label': `回复 ${e.author_name || e.author} Reply`, placeholder: '主人回复… Your reply' });
    input.value = li.reply ? li.reply.text : '';
    const send = el('button', { type: 'submit', class: 'btn btn-primary btn-small', testid: 'guestbook-reply-submit', text: '发表 Post' });
    const cancel = el('button', { type: 'button', class: 'btn btn-ghost btn-small', testid: 'guestbook-reply-cancel', text: '取消 Cancel' });
    const hint = blankHint(input, 'guestbook-reply-hint');
    const form = el('form', { class: 'entry-reply-form', testid: 'guestbook-reply-form' }, input, hint, el('div', { class: 'dialog-actions' }, cancel, send));
    const close = () => { form.remove(); btn.setAttribute('aria-expanded', 'false'); btn.focus(); };
    cancel.addEventListener('click', close);
    input.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') { ev.preventDefault(); close(); } });
    sendOnCtrlEnter(input, form);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const text = input.value.trim();
      if (!text) { hint.show(); return; }
      await busy(send, async () => {
        const res = await conn.request('guestbook.reply', { entry_id: e.id, text });
        if (res.entry) onGuestbookReply(res.entry);
        close();
      });
    });
    btn.after(form);
    btn.setAttribute('aria-expanded', 'true');
    input.focus();
  });
  return btn;
}

function deleteButton(li, e) {
  const btn = el('button', { type: 'button', class: 'btn-link btn-danger-text', testid: 'guestbook-delete', text: '删除 Delete' });
  btn.addEventListener('click', async () => {
    const yes = await confirmAction({
      title: '删除这条留言？ Delete this message?',
      text: `“${String(e.text || '').slice(0, 80)}” — ${e.author_name || e.author}`,
      confirmLabel: '🗑 删除 Delete',
    });
    if (!yes) return;
    const list = li.parentElement;
    await busy(btn, async () => {
      await conn.request('guestbook.delete', { entry_id: e.id });
      onGuestbookDeleted({ entry_id: e.id, owner: e.owner });
      toast('留言已删除 Message deleted');
    });
    focusAfter(list, li);
  });
  return btn;
}

// ---- live updates (events and my own replies) ----

export function onGuestbook(entry) {
  if (withdrawn.has(String(entry.id))) return;
  for (const card of cardsOf(entry.owner)) {
    if (entryIn(card, entry.id)) continue;
    const li = entryItem(entry);
    if (!reducedMotion()) li.classList.add('slide-in');
    $('[data-testid=guestbook-list]', card).prepend(li);
    $('[data-testid=guestbook-empty]', card).hidden = true;
  }
}

/** The owner answered (or re-answered): the answer under the entry, wherever shown. */
export function onGuestbookReply(entry) {
  for (const card of cardsOf(entry.owner)) {
    const li = entryIn(card, entry.id);
    if (li) paintReply(li, entry.reply);
  }
}

/** Gone from every open card; it may come more than once (a resume repeats it). */
export function onGuestbookDeleted({ entry_id: id, owner }) {
  if (id === undefined || id === null) return;
  withdrawn.add(String(id));
  const cards = owner ? cardsOf(owner) : $$('[data-testid=guestbook]');
  for (const card of cards) {
    const li = entryIn(card, id);
    if (!li || li.dataset.removing) continue;
    li.dataset.removing = 'true';
    const list = $('[data-testid=guestbook-list]', card);
    const done = () => {
      li.remove();
      $('[data-testid=guestbook-empty]', card).hidden = list.children.length > 0;
    };
    if (reducedMotion()) done();
    else { li.classList.add('fade-out'); setTimeout(done, 300); }
  }
}

export const events = {
  guestbook: (d) => { if (d.entry) onGuestbook(d.entry); },
  'guestbook.reply': (d) => { if (d.entry) onGuestbookReply(d.entry); },
  'guestbook.deleted': (d) => onGuestbookDeleted(d),
};

export function reset() { withdrawn.clear(); }
