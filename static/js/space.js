// space.js — 空间 Space: anyone's page (#/space/<user>) with head portrait, name,
// signature, level badge, skin, background music, visible moods, gift shelf, guestbook
// (留言板, guestbook.js) and recent visitors (访客) with 今日访客 / 总访客; live updates
// while it is open. A space its owner closed to me, or shut by a block, shows the hub's
// refusal instead (with 解除拉黑 when the block is mine); a space of someone else has
// 拉黑 Block (blocks.js), a friend's the ☆ 特别关心 toggle (care.js), my own the way to
// 空间设置 Settings.

import { el, $, attr, timeEl, toast, errText, reducedMotion } from './dom.js';
import { conn } from './conn.js';
import { state, me, on, emit, setLevel } from './state.js';
import { portrait, levelBadge, levelPoints, userLink, learnPortrait, learnName, nameOf } from './widgets.js';
import { renderMood, prependMood, GONE_FROM_VIEW } from './mood.js';
import { keepDrafts } from './drafts.js';
import { guestbookCard } from './guestbook.js';
import { blockButton, unblockOffer } from './blocks.js';
import { focusAfter } from './confirm.js';
import { composer } from './feed.js';
import { giftShelf, openGiftDialog } from './gifts.js';
import { editPanel } from './edit.js';
import { setPageSkin, skinClass } from './skin.js';
import { songOf, toggle, stop, onMusicChange } from './music.js';
import { friendButton } from './friends.js';
import { careToggle } from './care.js';

let view = null; // {user, section, moods, guestbook, visitors, data}

function applySkin(section, skin) {
  setPageSkin(skinClass(section, skin));
}

export function mountSpace(root, user) {
  const section = el('section', { class: 'space', testid: 'space', data: { user } }, el('p', { class: 'loading', text: '加载中… Loading' }));
  root.appendChild(section);
  const v = { user, section, unsub: null };
  view = v;
  load(v);
  // I blocked or unblocked this person here or in another tab: what I may see changed.
  const off = on('ownersay', (msg) => { if (msg.user === v.user && view === v) load(v); });
  return () => {
    if (view === v) view = null;
    off();
    if (v.unsub) v.unsub();
    stop();
    setPageSkin(null);
  };
}

async function load(v) {
  const token = (v.loadN = (v.loadN || 0) + 1); // a reload overtakes an older load
  let data;
  try {
    data = await conn.request('space.get', { user: v.user });
  } catch (err) {
    if (view !== v || token !== v.loadN) return;
    v.data = null;
    v.section.textContent = '';
    stop();
    setPageSkin(null);
    if (err.code === 'forbidden') { closed(v, err); return; }
    // bad_request: not even a possible username (#/space/中), so no such user either.
    const noSuchUser = err.code === 'not_found' || err.code === 'bad_request';
    v.section.appendChild(el('div', { class: 'card empty', testid: 'space-error', data: { code: err.code } },
      noSuchUser ? `没有这个用户 No such user: @${v.user}` : `空间加载失败 Could not load: ${errText(err)}`));
    return;
  }
  if (view !== v || token !== v.loadN) return;
  v.data = data;
  if (data.is_self && data.level) setLevel(data.level);
  const kept = keepDrafts(v.section); // what was being typed on the page drawn before
  render(v);
  kept.restore(GONE_FROM_VIEW);
}

/** The owner's `space` setting or a block keeps me out: say what the hub said. */
async function closed(v, err) {
  const actions = el('div', { class: 'dialog-actions' },
    el('a', { class: 'btn btn-ghost', href: '#/feed', text: '← 返回动态 Back to the feed' }));
  const card = el('div', { class: 'card space-closed', testid: 'space-forbidden', tabindex: '-1', role: 'status' },
    el('h1', { class: 'card-title', text: '🔒 进不去这个空间 This space is closed to you' }),
    el('p', { class: 'space-closed-user' }, userLink(v.user, nameOf(v.user)), ` @${v.user}`),
    el('p', { class: 'space-closed-why', testid: 'space-forbidden-message', text: err.message || errText(err) }), actions);
  v.section.appendChild(card);
  focusAfter(card); // the Block button that closed it is gone
  const undo = await unblockOffer(v.user);
  if (undo && view === v && card.isConnected) actions.prepend(undo);
}

function header(v) {
  const { profile, level } = v.data;
  const self = v.data.is_self ?? v.user === me();
  const song = songOf(profile.music);
  const musicBtn = el('button', { type: 'button', class: 'btn btn-round music-toggle', testid: 'music-toggle', data: { music: profile.music || 'none', playing: 'false' },
    'aria-pressed': 'false', hidden: !song, title: song ? song.name : '' },
  el('span', { class: 'music-icon', 'aria-hidden': 'true', text: '♪' }), el('span', { class: 'music-label', text: song ? `▶ ${song.name}` : '' }));
  const syncMusic = (id) => {
    const on = id !== null && id === profile.music;
    musicBtn.dataset.playing = on ? 'true' : 'false';
    musicBtn.setAttribute('aria-pressed', on ? 'true' : 'false');
    $('.music-label', musicBtn).textContent = song ? `${on ? '❚❚' : '▶'} ${song.name}` : '';
  };
  musicBtn.addEventListener('click', () => toggle(profile.music));
  if (v.unsub) v.unsub();
  v.unsub = onMusicChange(syncMusic);

  const actions = el('div', { class: 'space-actions' }, musicBtn);
  if (self) {
    actions.appendChild(el('button', { type: 'button', class: 'btn btn-primary', testid: 'edit-space', text: '🎨 装扮 Edit',
      on: { click: () => openEdit(v) } }));
    actions.appendChild(el('a', { class: 'btn btn-ghost', href: '#/settings', testid: 'open-settings', text: '⚙️ 空间设置 Settings' }));
  } else {
    actions.appendChild(el('button', { type: 'button', class: 'btn btn-pink', testid: 'send-gift', text: '🎁 送礼物 Send gift', on: { click: () => openGiftDialog(v.user) } }));
    const fb = friendButton(v.user, v.data.is_friend);
    if (fb) actions.appendChild(fb);
    if (v.data.is_friend || state.friends.has(v.user)) actions.appendChild(careToggle(v.user));
    actions.appendChild(blockButton(v.user));
  }
  return el('header', { class: 'space-banner card' },
    el('div', { class: 'space-portrait', testid: 'space-portrait', data: { portrait: profile.head_portrait || '' } }, portrait(profile.head_portrait, v.user, 'xl')),
    el('div', { class: 'space-id' },
      el('h1', { class: 'space-name' }, el('span', { testid: 'space-name', text: profile.display_name || v.user }), ' ',
        el('span', { class: 'space-handle', text: `@${v.user}` })),
      el('div', { class: 'space-level', testid: 'space-level' }, levelBadge(level), levelPoints(level)),
      el('p', { class: 'space-signature', testid: 'space-signature', text: profile.signature || (self ? '写一句个性签名吧 Add a signature' : '') })),
    actions);
}

function render(v) {
  const d = v.data;
  learnPortrait(v.user, d.profile.head_portrait);
  learnName(v.user, d.profile.display_name);
  const self = d.is_self ?? v.user === me();
  applySkin(v.section, d.profile.skin);
  v.section.textContent = '';
  v.editSlot = el('div', { class: 'edit-slot' });
  v.moods = el('div', { class: 'mood-list', testid: 'space-moods' });
  for (const m of d.moods || []) v.moods.appendChild(renderMood(m));
  v.moodsEmpty = el('p', { class: 'empty', testid: 'space-moods-empty', text: '还没有说说 No moods yet', hidden: (d.moods || []).length > 0 });
  v.header = header(v);
  const main = el('div', { class: 'space-main' });
  if (self) main.appendChild(composer((mood) => onSpaceMood(mood)));
  main.append(el('section', { class: 'space-moods-card', 'aria-labelledby': 'space-moods-title' },
    el('h2', { class: 'section-title', id: 'space-moods-title', text: '说说 Moods' }), v.moodsEmpty, v.moods));
  const side = el('div', { class: 'space-side' },
    giftShelf(v.user, d.gifts || []), visitorsCard(v), guestbookCard(v.user, d.guestbook || []));
  v.section.append(v.header, v.editSlot, el('div', { class: 'space-grid' }, main, side));
}

async function openEdit(v) {
  if ($('[data-testid=space-edit]', v.editSlot)) { $('[data-testid=space-edit] input', v.editSlot).focus(); return; }
  try {
    const panel = await editPanel(v.data.profile, {
      onPreview: (skin) => applySkin(v.section, skin || v.data.profile.skin),
      onClose: () => { v.editSlot.textContent = ''; },
      onSaved: (profile) => {
        v.data.profile = profile;
        state.profile = profile;
        if (state.me && profile.display_name) state.me.display_name = profile.display_name;
        emit('profile', profile);
        v.editSlot.textContent = '';
        applySkin(v.section, profile.skin);
        const h = header(v);
        v.header.replaceWith(h);
        v.header = h;
        toast('空间已更新 Space updated ✓', { kind: 'success' });
      },
    });
    v.editSlot.textContent = '';
    v.editSlot.appendChild(panel);
    $('input', panel).focus();
  } catch (err) {
    toast(`无法编辑 Cannot edit: ${err.message}`, { kind: 'error' });
  }
}

/** 👣 访客: 今日访客 N / 总访客 M, then the recent visitors, unless the owner's
 * `visitors` setting hides them from me (a short note says so). */
function visitorsCard(v) {
  const d = v.data;
  const visits = d.visits || { today: 0, total: 0 };
  v.visitsToday = el('strong', { testid: 'visits-today', text: String(visits.today ?? 0) });
  v.visitsTotal = el('strong', { testid: 'visits-total', text: String(visits.total ?? 0) });
  const counts = el('p', { class: 'visit-counts', testid: 'visit-counts' },
    '今日访客 ', v.visitsToday, el('small', { text: ' today' }), ' · 总访客 ', v.visitsTotal, el('small', { text: ' in all' }));
  v.visitorsShown = d.visitors_shown !== false;
  v.visitors = el('ol', { class: 'visitor-list', testid: 'visitors', hidden: !v.visitorsShown });
  for (const x of (v.visitorsShown && d.visitors) || []) v.visitors.appendChild(visitorItem(x));
  v.visitorsEmpty = el('p', { class: 'empty', testid: 'visitors-empty', text: '还没有访客 No visitors yet', hidden: !v.visitorsShown || (d.visitors || []).length > 0 });
  const hiddenNote = v.visitorsShown ? null
    : el('p', { class: 'empty', testid: 'visitors-hidden', text: '主人没有公开访客记录 The owner keeps the visitor list private' });
  return el('section', { class: 'card', 'aria-labelledby': 'visitors-title' },
    el('h2', { class: 'card-title', id: 'visitors-title', text: '👣 最近访客 Visitors' }), counts, hiddenNote, v.visitorsEmpty, v.visitors);
}

function visitorItem(x) {
  // From space.get and from a live `visit` (visitor_name, visitor_portrait) alike.
  learnName(x.user, x.display_name);
  learnPortrait(x.user, x.head_portrait);
  return el('li', { class: 'visitor', testid: 'visitor', data: { user: x.user } },
    portrait(x.head_portrait, x.user, 'sm'), userLink(x.user, x.display_name || nameOf(x.user)), timeEl(x.ts));
}

// ---- live updates ----

function onSpaceMood(mood) {
  if (!view || mood.author !== view.user || !view.moods) return;
  if (prependMood(view.moods, mood, true)) view.moodsEmpty.hidden = true;
}
export const onMood = onSpaceMood;

export function onVisit({ owner, visitor, ts, visitor_name: name, visitor_portrait: face }) {
  if (!view || !view.data || !view.visitors || owner !== view.user) return;
  // A `visit` is sent for a visitor's first visit of the day only: one more of each.
  for (const n of [view.visitsToday, view.visitsTotal]) n.textContent = String(Number(n.textContent || 0) + 1);
  if (!view.visitorsShown) return;
  const old = $(`[data-testid=visitor][data-user="${attr(visitor)}"]`, view.visitors);
  if (old) old.remove();
  const li = visitorItem({ user: visitor, ts: ts || Date.now(), display_name: name, head_portrait: face });
  if (!reducedMotion()) li.classList.add('slide-in');
  view.visitors.prepend(li);
  view.visitorsEmpty.hidden = true;
}

export function onLevel(user, level) {
  if (!view || !view.data || view.user !== user) return;
  view.data.level = level;
  const box = $('[data-testid=space-level]', view.section);
  if (box) { box.textContent = ''; box.append(levelBadge(level), levelPoints(level)); }
}

/** `user` has a new name or head portrait (a `profile` event): redraw the banner of
 * their open space. Links and portraits elsewhere on the page follow by themselves. */
export function onProfile({ user, display_name: name, head_portrait: face }) {
  if (!view || !view.data || !view.header || view.user !== user) return;
  view.data.profile = { ...view.data.profile, display_name: name || view.data.profile.display_name, head_portrait: face || view.data.profile.head_portrait };
  const h = header(view);
  view.header.replaceWith(h);
  view.header = h;
}

/** The friend graph changed. `changed` (a friend.added / friend.removed with that
 * user) on the open space of that user: what I may see there changed with it
 * (friends-only moods, commenting on them), so reload the page's data. */
export function onFriendship(changed = null) {
  if (!view || view.user === me()) return;
  if (changed && changed === view.user) { load(view); return; }
  const slot = view.data && $('.space-actions', view.section);
  if (!slot) return;
  const old = $('[data-testid=space-add-friend]', slot);
  const fb = friendButton(view.user, state.friends.has(view.user));
  if (old) old.remove();
  if (fb) slot.insertBefore(fb, $('[data-testid=block-user]', slot));
}

export const spaceUser = () => (view ? view.user : null);

/** Reload the open space page (after a resume gap: live updates may have been lost). */
export function refetchSpace() { if (view) load(view); }
