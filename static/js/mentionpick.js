// mentionpick.js — typing "@" in the mood composer offers my friends' usernames: a
// small list under the box (a listbox the box controls), filtered by what follows the
// "@" (username or display name), picked with ↑/↓ and Enter or Tab, or a click; Esc
// closes it and the text stays as typed. Picking writes "@username " in place. It owns
// that list only; the friends are state.js's, the matching rule mentions.js's.

import { el } from './dom.js';
import { state } from './state.js';
import { mentionAt } from './mentions.js';

const MAX = 6;
let n = 0;

function candidates(query) {
  const q = query.toLowerCase();
  return [...state.friends.values()]
    .filter((f) => f.user.startsWith(q) || String(f.display_name || '').toLowerCase().includes(q))
    .sort((a, b) => Number(!b.user.startsWith(q)) - Number(!a.user.startsWith(q)) || a.user.localeCompare(b.user))
    .slice(0, MAX);
}

/** Attach the picker to `field` (a textarea); returns the list element to place after it. */
export function mentionPicker(field) {
  const id = `mention-list-${++n}`;
  const list = el('ul', { class: 'mention-list', id, role: 'listbox', testid: 'mention-list', hidden: true, 'aria-label': '提到好友 Mention a friend' });
  field.setAttribute('aria-autocomplete', 'list');
  field.setAttribute('aria-controls', id);
  let found = [];
  let active = 0;
  let at = null;

  const close = () => {
    list.hidden = true;
    list.textContent = '';
    found = [];
    at = null;
    field.removeAttribute('aria-activedescendant');
  };
  const mark = () => {
    [...list.children].forEach((li, i) => li.setAttribute('aria-selected', i === active ? 'true' : 'false'));
    if (found.length) field.setAttribute('aria-activedescendant', `${id}-${active}`);
  };
  const pick = (i) => {
    const f = found[i];
    if (!f || !at) return;
    const end = at.start + 1 + at.query.length;
    const insert = `@${f.user} `;
    field.value = field.value.slice(0, at.start) + insert + field.value.slice(end);
    const caret = at.start + insert.length;
    field.setSelectionRange(caret, caret);
    close();
    field.dispatchEvent(new Event('input', { bubbles: true })); // counter, draft
  };
  const open = () => {
    at = field.selectionStart === field.selectionEnd ? mentionAt(field.value, field.selectionStart) : null;
    found = at ? candidates(at.query) : [];
    if (!found.length) { close(); return; }
    active = Math.min(active, found.length - 1);
    list.textContent = '';
    found.forEach((f, i) => {
      const li = el('li', { class: 'mention-option', role: 'option', id: `${id}-${i}`, testid: 'mention-option', data: { user: f.user } },
        el('strong', { text: `@${f.user}` }), f.display_name && f.display_name !== f.user ? el('span', { class: 'muted', text: ` ${f.display_name}` }) : null);
      li.addEventListener('mousedown', (e) => e.preventDefault()); // the box keeps focus
      li.addEventListener('click', () => pick(i));
      list.appendChild(li);
    });
    list.hidden = false;
    mark();
  };

  field.addEventListener('input', (e) => { if (e.isTrusted || !list.hidden) { active = 0; open(); } });
  field.addEventListener('keydown', (e) => {
    if (list.hidden || e.isComposing) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      active = (active + (e.key === 'ArrowDown' ? 1 : found.length - 1)) % found.length;
      mark();
    } else if ((e.key === 'Enter' && !(e.ctrlKey || e.metaKey)) || e.key === 'Tab') {
      e.preventDefault();
      e.stopImmediatePropagation();
      pick(active);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      close();
    }
  });
  field.addEventListener('blur', close);
  field.addEventListener('click', () => { if (!list.hidden) open(); });
  close();
  return list;
}
