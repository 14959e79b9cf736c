// edit.js — the own-space edit panel: display name, signature, head portrait, skin and
// music. Locked skins and music show the level they need and cannot be picked.
// Calls space.update and hands the new profile back; it does not render the space.

import { el, $, busy } from './dom.js';
import { conn } from './conn.js';
import { state, myLevel } from './state.js';
import { PORTRAITS, portrait, lockLabel } from './widgets.js';
import { songOf, play, stop } from './music.js';
import { SKINS } from './skin.js';

export async function loadOptions() {
  if (!state.options) state.options = await conn.request('space.options', {});
  return state.options;
}

function radioGroup(legend, name, items, current, testid, render) {
  const set = el('fieldset', { class: ['choice-group', `choice-${name}`], testid: `${name}-group` }, el('legend', { text: legend }));
  for (const item of items) {
    const locked = Number(item.min_level || 1) > myLevel();
    const input = el('input', { type: 'radio', name, value: item.id, testid, checked: item.id === current, disabled: locked,
      data: { locked: locked ? 'true' : 'false', minLevel: item.min_level ?? 1 } });
    set.appendChild(el('label', { class: ['choice', locked && 'locked'], title: locked ? `需要等级 Needs Lv ${item.min_level}` : item.name || item.id },
      input, render(item), locked ? lockLabel(item.min_level) : null));
  }
  return set;
}

/**
 * Build the edit form. `onPreview(skin)` is called while picking a skin (null = revert),
 * `onSaved(profile)` after a successful space.update, `onClose()` when dismissed.
 */
export async function editPanel(profile, { onPreview, onSaved, onClose }) {
  const options = await loadOptions();
  const name = el('input', { type: 'text', class: 'input', testid: 'edit-display-name', maxlength: '30', value: profile.display_name || '', id: 'edit-name' });
  const sig = el('input', { type: 'text', class: 'input', testid: 'edit-signature', maxlength: '100', value: profile.signature || '', id: 'edit-sig', placeholder: '个性签名 Signature' });
  const portraits = radioGroup('头像 Head portrait', 'portrait', (options.head_portraits || Object.keys(PORTRAITS)).map((id) => ({ id })),
    profile.head_portrait, 'portrait-option', (item) => el('span', { class: 'choice-face' }, portrait(item.id, '', 'sm'), el('span', { class: 'sr-only', text: item.id })));
  const skins = radioGroup('皮肤 Skin', 'skin', options.skins || SKINS.map((id) => ({ id, name: id, min_level: 1 })), profile.skin || 'classic', 'skin-option',
    (item) => el('span', { class: 'choice-skin' }, el('span', { class: ['swatch', `skin-${item.id}`], 'aria-hidden': 'true' }), el('span', { text: item.name || item.id })));
  const music = radioGroup('背景音乐 Music', 'music', options.music || [], profile.music || 'none', 'music-option',
    (item) => el('span', { class: 'choice-music' }, el('span', { 'aria-hidden': 'true', text: item.id === 'none' ? '🔇' : '🎵' }), el('span', { text: item.name || (songOf(item.id) && songOf(item.id).name) || item.id })));
  const error = el('p', { class: 'form-error', testid: 'edit-error', role: 'alert', hidden: true });
  const save = el('button', { type: 'submit', class: 'btn btn-primary', testid: 'edit-save', text: '保存 Save' });
  const cancel = el('button', { type: 'button', class: 'btn btn-ghost', testid: 'edit-cancel', text: '取消 Cancel' });
  const form = el('form', { class: 'edit-panel card', testid: 'space-edit', 'aria-label': '编辑空间 Edit space' },
    el('h2', { class: 'card-title', text: '🎨 装扮空间 Decorate your space' }),
    el('div', { class: 'field' }, el('label', { for: 'edit-name', text: '昵称 Display name' }), name),
    el('div', { class: 'field' }, el('label', { for: 'edit-sig', text: '个性签名 Signature' }), sig),
    portraits, skins, music, error, el('div', { class: 'dialog-actions' }, cancel, save));

  skins.addEventListener('change', (e) => onPreview(e.target.value));
  music.addEventListener('change', (e) => { if (e.target.value && e.target.value !== 'none') play(e.target.value); else stop(); });
  cancel.addEventListener('click', () => { onPreview(null); stop(); onClose(); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.hidden = true;
    const picked = (n) => { const r = $(`input[name=${n}]:checked`, form); return r ? r.value : undefined; };
    const data = { display_name: name.value.trim(), signature: sig.value.trim() };
    for (const [key, n] of [['head_portrait', 'portrait'], ['skin', 'skin'], ['music', 'music']]) {
      const v = picked(n);
      if (v !== undefined) data[key] = v;
    }
    if (!data.display_name) delete data.display_name;
    await busy(save, async () => {
      try {
        const res = await conn.request('space.update', data);
        stop();
        onSaved(res.profile || { ...profile, ...data });
      } catch (err) {
        error.textContent = `${err.message}${err.code ? ` (${err.code})` : ''}`;
        error.hidden = false;
      }
    });
  });
  return form;
}
