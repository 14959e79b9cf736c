// settings.js — 空间设置 Space settings (#/settings): the owner's say over their space —
// who may enter it, write in its guestbook, see its visitors, comment and like, and
// whether my own visits elsewhere leave a footprint — shown as the hub holds them
// (settings.get), saved with settings.update (the hub's message shown when it refuses),
// and the blacklist card from blocks.js under them. Another tab's save shows here too
// (ownersync.js).

import { el, $, $$, errText } from './dom.js';
import { conn } from './conn.js';
import { on } from './state.js';
import { blacklistCard } from './blocks.js';
import { announce, fromHere } from './ownersync.js';

const EVERYONE = ['everyone', '所有人 Everyone'];
const FRIENDS = ['friends', '仅好友 Friends only'];
const ME = ['me', '仅自己 Only me'];

/** [setting, question, choices]: the values are the hub's (docs/protocol.md). */
const CHOICES = [
  ['space', '谁能进入我的空间 Who may enter my space', [EVERYONE, FRIENDS, ME]],
  ['guestbook', '谁能在我的留言板留言 Who may write in my guestbook', [EVERYONE, FRIENDS, ['nobody', '不允许留言 No one']]],
  ['visitors', '谁能看到我的访客 Who sees my visitors', [EVERYONE, FRIENDS, ME]],
  ['comments', '谁能评论和点赞我的说说 Who may comment on and like my posts', [EVERYONE, FRIENDS]],
];

function choiceGroup([key, question, choices]) {
  const set = el('fieldset', { class: 'choice-group settings-group', testid: `settings-${key}` }, el('legend', { text: question }));
  for (const [value, label] of choices) {
    set.appendChild(el('label', { class: 'choice' },
      el('input', { type: 'radio', name: `setting-${key}`, value, testid: `setting-${key}`, disabled: true }),
      el('span', { text: label })));
  }
  return set;
}

export function mountSettings(root) {
  const groups = CHOICES.map(choiceGroup);
  const visits = el('input', { type: 'checkbox', id: 'setting-record-visits', testid: 'setting-record_visits', disabled: true });
  const visitsField = el('div', { class: 'choice-group settings-group' },
    el('label', { class: 'check', for: 'setting-record-visits' }, visits,
      el('span', { text: '访问别人的空间时留下足迹 Leave a footprint when I visit other spaces' })),
    el('small', { class: 'muted', text: '关闭后，你的访问不会出现在对方的访客里。 When off, your visits are not recorded in their visitors.' }));
  const error = el('p', { class: 'form-error', testid: 'settings-error', role: 'alert', hidden: true });
  const saved = el('p', { class: 'form-notice', testid: 'settings-saved', role: 'status', hidden: true });
  const save = el('button', { type: 'submit', class: 'btn btn-primary', testid: 'settings-save', text: '保存 Save', disabled: true });
  const status = el('p', { class: 'loading', testid: 'settings-loading', text: '加载中… Loading' });
  const form = el('form', { class: 'settings-form', testid: 'settings-form', 'aria-labelledby': 'settings-title' },
    status, ...groups, visitsField, error, saved, el('div', { class: 'dialog-actions' }, save));
  const blacklist = blacklistCard();
  const page = el('div', { class: 'settings-page', testid: 'settings' },
    el('section', { class: 'card' },
      el('h1', { class: 'card-title', id: 'settings-title', text: '⚙️ 空间设置 Space settings' }),
      el('p', { class: 'muted settings-note' }, '这些设置只管你自己的空间。 These settings are about your own space. ',
        el('a', { href: '#/space/me', testid: 'settings-back', text: '← 回到我的空间 Back to my space' })),
      form),
    blacklist);
  root.appendChild(page);

  let alive = true;
  const show = (node, text) => { node.textContent = text || ''; node.hidden = !text; };
  const fill = (s) => {
    for (const [key] of CHOICES) {
      for (const input of $$(`input[name=setting-${key}]`, form)) {
        input.checked = input.value === s[key];
        input.disabled = false;
      }
    }
    visits.checked = Boolean(s.record_visits);
    visits.disabled = false;
    save.disabled = false;
    status.hidden = true;
  };
  const load = async () => {
    try {
      const res = await conn.request('settings.get', {});
      if (alive) fill(res.settings || {});
    } catch (err) {
      if (alive) { status.hidden = true; show(error, `设置加载失败 Could not load: ${errText(err)}`); }
    }
  };
  form.addEventListener('change', () => show(saved, null));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    show(error, null);
    show(saved, null);
    const data = { record_visits: visits.checked };
    for (const [key] of CHOICES) {
      const picked = $(`input[name=setting-${key}]:checked`, form);
      if (picked) data[key] = picked.value;
    }
    save.disabled = true;
    try {
      const res = await conn.request('settings.update', data);
      if (!alive) return;
      fill(res.settings || data); // what the hub now holds
      show(saved, '已保存 Saved ✓');
      announce('settings');
    } catch (err) {
      show(error, `没有保存 Not saved: ${errText(err)}`);
    } finally {
      save.disabled = false;
    }
  });
  const off = on('ownersay', (msg) => { if (msg.what === 'settings' && !fromHere(msg)) load(); });
  load();
  return () => { alive = false; off(); blacklist.unmount(); };
}
