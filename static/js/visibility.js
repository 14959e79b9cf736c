// visibility.js — who a new mood is for: the composer's picker. It offers 公开 / 好友 /
// 私密, then "仅 同学 可见" for each of my groups (groups.js) and, with two groups or
// more, 多个分组… (a row of checkboxes under the bar), and reads the choice back as the
// hub's `visibility` ("public" / "friends" / "private" / {"groups": [names]}). The
// options follow my groups as they change; a chosen group that goes away turns the
// choice to 私密 — never to a wider audience. It owns the picker only: the composer is
// feed.js's, the card's label widgets.js's.

import { el } from './dom.js';
import { on } from './state.js';
import { VISIBILITY } from './widgets.js';
import { myGroups } from './groups.js';

const GROUP = 'group:';
const SEVERAL = 'several';
const SAFE = 'private';

const pickers = new Set(); // the fill() of every picker on the page

on('groups', () => {
  for (const p of pickers) {
    if (p.select.isConnected) p.fill(); else pickers.delete(p); // its composer is gone
  }
});

/** A picker: `{select, choice, value(), reset()}`. `value()` is the wire visibility,
 * or null when 多个分组 has no group ticked. */
export function visibilityPicker() {
  const select = el('select', { class: 'input select', testid: 'mood-visibility-select', 'aria-label': '可见范围 Visibility' },
    ...Object.entries(VISIBILITY).map(([id, [label, icon]]) => el('option', { value: id, text: `${icon} ${label}` })));
  const initial = select.value;
  const optgroup = el('optgroup', { label: '🏷️ 分组 Groups' });
  const choice = el('fieldset', { class: 'choice-group mood-groups-choice', testid: 'mood-groups-choice', hidden: true },
    el('legend', { text: '给哪些分组看 For which groups' }));
  const ticked = () => [...choice.querySelectorAll('input:checked')].map((c) => c.value);
  const has = (value) => [...select.options].some((o) => o.value === value);
  const sync = () => { choice.hidden = select.value !== SEVERAL; };

  const fill = () => {
    const names = myGroups().map((g) => g.name);
    const current = select.value;
    const keep = new Set(ticked());
    optgroup.textContent = '';
    for (const name of names) optgroup.appendChild(el('option', { value: GROUP + name, text: `仅 ${name} 可见` }));
    if (names.length > 1) optgroup.appendChild(el('option', { value: SEVERAL, text: '多个分组… Several groups' }));
    if (names.length) select.appendChild(optgroup); else optgroup.remove();
    for (const old of [...choice.querySelectorAll('label')]) old.remove();
    for (const name of names) {
      choice.appendChild(el('label', { class: 'choice' },
        el('input', { type: 'checkbox', value: name, testid: 'mood-group-option', checked: keep.has(name) }),
        el('span', { text: name })));
    }
    // A restored draft's group (drafts.js) may only now be offered.
    const wanted = select.dataset.wanted;
    if (wanted && has(wanted)) { select.value = wanted; delete select.dataset.wanted; }
    else if (has(current)) select.value = current;
    else if (current.startsWith(GROUP) || current === SEVERAL) select.value = SAFE;
    else select.value = initial;
    sync();
  };

  select.addEventListener('change', () => { delete select.dataset.wanted; sync(); });
  fill();
  pickers.add({ select, fill });
  return {
    select,
    choice,
    value() {
      const v = select.value;
      if (v.startsWith(GROUP)) return { groups: [v.slice(GROUP.length)] };
      if (v === SEVERAL) { const names = ticked(); return names.length ? { groups: names } : null; }
      return v;
    },
    reset() {
      select.value = initial;
      delete select.dataset.wanted;
      for (const c of choice.querySelectorAll('input')) c.checked = false;
      sync();
    },
  };
}
