// groups.js — 分组 Friend groups: mine as the hub holds them (groups.list after every
// hello and after each change), and the 分组 card of the friends page — make a group
// from a name and some friends, change its members or its name (a rename is the new
// group made, then the old one deleted), delete one (asked through confirm.js). The
// hub's refusals are shown in the card. The composer's picker offers the groups
// (visibility.js, on the 'groups' state event). A change has no hub event: my other
// tabs hear of it through ownersync.js.
//
// Registered through features.js: `connected()`, `reset()`, `events['friend.removed']`.

import { el, $, attr, errText, toast } from './dom.js';
import { conn } from './conn.js';
import { state, me, on, emit } from './state.js';
import { nameOf, learnName } from './widgets.js';
import { confirmAction, focusAfter } from './confirm.js';
import { announce, fromHere } from './ownersync.js';

let groups = []; // [{name, members: [{user, display_name, head_portrait}]}]
let loaded = false;

export const myGroups = () => groups;
export const groupsLoaded = () => loaded;

export async function loadGroups() {
  const user = me();
  try {
    const res = await conn.request('groups.list', {});
    if (me() !== user) return;
    groups = res.groups || [];
    loaded = true;
    for (const g of groups) for (const m of g.members || []) learnName(m.user, m.display_name);
    emit('groups');
  } catch (err) { console.warn('groups.list', err); }
}

export function connected() { loadGroups(); }
export function reset() { groups = []; loaded = false; }
// An ex-friend is no longer anyone's member: the hub's lists say so.
export const events = { 'friend.removed': () => loadGroups() };

on('ownersay', (msg) => { if (msg.what === 'groups' && !fromHere(msg)) loadGroups(); });

async function changed() {
  await loadGroups();
  announce('groups');
}

// ---- the friends page's card ----

/** The 分组 card; it unsubscribes itself through `section.unmount()`. */
export function groupsCard() {
  const list = el('ul', { class: 'people group-list', testid: 'group-list', tabindex: '-1', 'aria-label': '我的分组 My groups' });
  const empty = el('p', { class: 'empty', testid: 'groups-empty', hidden: true, text: '还没有分组 No groups yet' });
  const error = el('p', { class: 'form-error', testid: 'groups-error', role: 'alert', hidden: true });
  const add = el('button', { type: 'button', class: 'btn btn-small btn-primary', testid: 'group-new', text: '＋ 新建分组 New group' });
  const form = groupForm();
  const show = (text) => { error.textContent = text || ''; error.hidden = !text; };

  const paint = () => {
    list.textContent = '';
    for (const g of groups) {
      const names = (g.members || []).map((m) => m.display_name || nameOf(m.user));
      const edit = el('button', { type: 'button', class: 'btn btn-small btn-ghost', testid: 'group-edit', text: '编辑 Edit',
        'aria-label': `编辑分组 ${g.name} Edit group` });
      const del = el('button', { type: 'button', class: 'btn btn-small btn-ghost btn-danger-text', testid: 'group-delete', text: '删除 Delete',
        'aria-label': `删除分组 ${g.name} Delete group` });
      edit.addEventListener('click', () => form.open(g, edit));
      del.addEventListener('click', () => remove(g, del));
      list.appendChild(el('li', { class: 'person group', testid: 'group', data: { name: g.name } },
        el('span', { class: 'person-name' },
          el('strong', { class: 'group-name', testid: 'group-title', text: `🏷️ ${g.name}` }),
          el('small', { class: 'muted', text: ` ${names.length} 人 members` }),
          el('span', { class: 'group-members', testid: 'group-members', text: names.length ? names.join('、') : '（没有成员 no members）' })),
        edit, del));
    }
    empty.hidden = !loaded || groups.length > 0;
  };

  async function remove(g, btn) {
    const yes = await confirmAction({
      title: `删除分组「${g.name}」？ Delete the group ${g.name}?`,
      text: '分组里的好友不会被删除；只给这个分组看的说说，以后只有你自己能看到。'
        + ' The friends in it stay your friends; moods for this group alone are then seen by you only.',
      confirmLabel: '删除 Delete',
    });
    if (!yes) return;
    show(null);
    btn.disabled = true;
    try {
      await conn.request('group.delete', { name: g.name });
    } catch (err) {
      btn.disabled = false;
      show(`没有删除 Not deleted: ${errText(err)}`);
      if (err.code === 'not_found') changed(); // gone already (another tab): show the list as it is
      return;
    }
    toast(`已删除分组 ${g.name} Group deleted`, { kind: 'success' });
    const row = btn.closest('li');
    const next = row && (row.nextElementSibling || row.previousElementSibling);
    const nextName = next && next.dataset.name;
    await changed();
    const again = nextName !== undefined && $(`[data-testid=group][data-name="${attr(nextName)}"] [data-testid=group-delete]`, list);
    focusAfter(again || (groups.length ? list : add));
  }

  form.onSaved = (name) => {
    paint();
    const edit = $(`[data-testid=group][data-name="${attr(name)}"] [data-testid=group-edit]`, list);
    if (edit) edit.focus(); else add.focus();
  };
  add.addEventListener('click', () => form.open(null, add));

  const section = el('section', { class: 'card groups-card', testid: 'groups-card', 'aria-labelledby': 'groups-title' },
    el('div', { class: 'card-title-row' }, el('h2', { class: 'card-title', id: 'groups-title', text: '🏷️ 分组 Groups' }), add),
    el('p', { class: 'muted settings-note', text: '发说说时可以选择只给某个分组看。 A mood can be for one or more groups only.' }),
    error, form, empty, list);
  const offs = [on('groups', paint)];
  section.unmount = () => offs.forEach((off) => off());
  paint();
  loadGroups();
  return section;
}

/** The form that makes or changes a group, hidden until open(group | null, opener). */
function groupForm() {
  const name = el('input', { type: 'text', class: 'input', id: 'group-name-input', testid: 'group-name', maxlength: '20', autocomplete: 'off', required: true });
  const members = el('fieldset', { class: 'choice-group settings-group group-members-choice', testid: 'group-member-choice' },
    el('legend', { text: '成员 Members' }));
  const error = el('p', { class: 'form-error', testid: 'group-form-error', role: 'alert', hidden: true });
  const cancel = el('button', { type: 'button', class: 'btn btn-ghost', testid: 'group-cancel', text: '取消 Cancel' });
  const save = el('button', { type: 'submit', class: 'btn btn-primary', testid: 'group-save', text: '保存 Save' });
  const title = el('h3', { class: 'sub-title', id: 'group-form-title' });
  const form = el('form', { class: 'group-form', testid: 'group-form', hidden: true, 'aria-labelledby': 'group-form-title', novalidate: true },
    title,
    el('div', { class: 'field' }, el('label', { for: 'group-name-input', text: '分组名 Group name' }), name),
    members, error, el('div', { class: 'dialog-actions' }, cancel, save));
  let editing = null; // the group being changed, or null for a new one
  let opener = null;
  const show = (text) => { error.textContent = text || ''; error.hidden = !text; };

  const close = (focusBack = true) => {
    form.hidden = true;
    show(null);
    if (focusBack && opener && opener.isConnected) opener.focus();
    opener = null;
  };

  form.open = (group, from) => {
    editing = group;
    opener = from;
    title.textContent = group ? `编辑分组 Edit group「${group.name}」` : '新建分组 New group';
    name.value = group ? group.name : '';
    const inGroup = new Set(((group && group.members) || []).map((m) => m.user));
    for (const old of [...members.querySelectorAll('label, p')]) old.remove();
    const friends = [...state.friends.values()].sort((a, b) => a.user.localeCompare(b.user));
    for (const f of friends) {
      members.appendChild(el('label', { class: 'choice' },
        el('input', { type: 'checkbox', value: f.user, testid: 'group-member', checked: inGroup.has(f.user) }),
        el('span', { text: `${f.display_name || nameOf(f.user)} @${f.user}` })));
    }
    if (!friends.length) members.appendChild(el('p', { class: 'muted', text: '先加几个好友吧 Add some friends first' }));
    show(null);
    form.hidden = false;
    name.focus();
  };

  cancel.addEventListener('click', () => close());
  form.addEventListener('keydown', (e) => { if (e.key === 'Escape') { e.preventDefault(); close(); } });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const wanted = name.value.trim();
    if (!wanted) { show('给分组起个名字 Give the group a name'); name.focus(); return; }
    const old = editing ? editing.name : null;
    if (wanted !== old && groups.some((g) => g.name === wanted)) {
      show(`已经有叫「${wanted}」的分组了 There is already a group called ${wanted}`);
      name.focus();
      return;
    }
    const picked = [...members.querySelectorAll('input[type=checkbox]:checked')].map((c) => c.value);
    show(null);
    save.disabled = true;
    let saved = wanted;
    try {
      const res = await conn.request('group.set', { name: wanted, members: picked });
      saved = (res.group && res.group.name) || wanted;
      if (old !== null && old !== saved) await conn.request('group.delete', { name: old });
    } catch (err) {
      show(`没有保存 Not saved: ${errText(err)}`);
      save.disabled = false;
      if (old !== null && old !== wanted) changed(); // the new one may be made already
      return;
    }
    save.disabled = false;
    await changed();
    toast(`分组「${saved}」已保存 Group saved`, { kind: 'success' });
    close(false);
    if (form.onSaved) form.onSaved(saved);
  });
  return form;
}
