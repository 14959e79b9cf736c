// widgets.js — small shared view pieces: head portraits, level badges, user links,
// mood tags and visibility labels. Pure builders over dom.el; no state, no network.

import { el } from './dom.js';

export const PORTRAITS = {
  cat: ['🐱', '猫 Cat'], dog: ['🐶', '狗 Dog'], panda: ['🐼', '熊猫 Panda'], rabbit: ['🐰', '兔 Rabbit'],
  fox: ['🦊', '狐狸 Fox'], penguin: ['🐧', '企鹅 Penguin'], tiger: ['🐯', '老虎 Tiger'], bear: ['🐻', '熊 Bear'],
};

export const MOOD_TAGS = [
  ['', '无 None', ''], ['happy', '开心 Happy', '😊'], ['love', '爱 Love', '😍'], ['cool', '酷 Cool', '😎'],
  ['sad', '难过 Sad', '😢'], ['angry', '生气 Angry', '😠'], ['sleepy', '困 Sleepy', '😴'],
  ['party', '庆祝 Party', '🎉'], ['food', '美食 Food', '🍜'], ['music', '音乐 Music', '🎵'],
];

export const VISIBILITY = {
  public: ['公开 Public', '🌐'],
  friends: ['好友 Friends', '👥'],
  private: ['私密 Private', '🔒'],
};

/** The names of a group post's visibility ({"groups": [names]}), else null. */
export const groupsOf = (vis) => (vis && typeof vis === 'object' && Array.isArray(vis.groups) ? vis.groups.map(String) : null);

const known = new Map(); // user -> head_portrait id, learned from profiles and records
const names = new Map();  // user -> display name, learned the same way

/** Round head portrait. Without an `id`, the one last learned for `user`; else the
 * user's initial on a coloured disc. Every portrait of a user is repainted when a
 * new one is learned (learnPortrait). */
export function portrait(id, user = '', size = 'md') {
  const node = el('span', { class: ['portrait', `portrait-${size}`], data: { portraitUser: user || undefined }, 'aria-hidden': 'true' });
  paintPortrait(node, id || (user ? known.get(user) : null), user);
  return node;
}

function paintPortrait(node, id, user) {
  const face = Object.hasOwn(PORTRAITS, id || '') ? PORTRAITS[id] : null;
  for (const c of [...node.classList]) if (c.startsWith('portrait-') && !/^portrait-(sm|md|lg|xl)$/.test(c)) node.classList.remove(c);
  node.classList.add(face ? `portrait-${id}` : 'portrait-initial');
  node.dataset.portrait = face ? id : '';
  node.textContent = face ? face[0] : (user || '?').slice(0, 1).toUpperCase();
  if (face) node.style.removeProperty('--hue'); else node.style.setProperty('--hue', String(hue(user)));
}

/** Remember `user`'s head portrait and repaint the ones on screen that follow the user. */
export function learnPortrait(user, id) {
  if (!user || !id || known.get(user) === id) return;
  known.set(user, id);
  for (const node of document.querySelectorAll(`.portrait[data-portrait-user="${CSS.escape(user)}"]`)) {
    paintPortrait(node, id, user);
  }
}

/** Remember a display name (records such as gifts and visits carry only usernames). */
export function learnName(user, name) { if (user && name) names.set(user, name); }
export const nameOf = (user) => names.get(user) || user;

/** `user` is now called `name` (a `profile` event): remember it and rename every link
 * to the user on screen (userLink). */
export function renameUser(user, name) {
  if (!user || !name) return;
  names.set(user, name);
  for (const link of document.querySelectorAll(`a.user-link[data-user="${CSS.escape(user)}"]`)) {
    link.textContent = name;
  }
}

export function hue(text) {
  let h = 0;
  for (const ch of String(text)) h = (h * 31 + ch.codePointAt(0)) % 360;
  return h;
}

/** Points needed in total to reach `level` (hub/levels.py: 5·(level−1)·level). */
export const threshold = (level) => 5 * (level - 1) * level;

/** Level badge: ♛ crowns, ☀ suns, ☾ moons, ★ stars (4 of one make 1 of the next), and "等级 Lv n". */
export function levelBadge(level, testid = 'level-badge') {
  const lv = level || { level: 1, points: 0, icons: { stars: 1 } };
  const icons = lv.icons || {};
  const parts = [['crowns', '♛', 'crown'], ['suns', '☀', 'sun'], ['moons', '☾', 'moon'], ['stars', '★', 'star']];
  const iconBox = el('span', { class: 'level-icons', 'aria-hidden': 'true' });
  for (const [key, glyph, cls] of parts) {
    for (let i = 0; i < Math.min(Number(icons[key]) || 0, 4); i += 1) iconBox.appendChild(el('span', { class: `lv-${cls}`, text: glyph }));
  }
  const togo = lv.next ? ` · 还差 ${lv.next} 分升级 ${lv.next} to next level` : '';
  const title = `等级 Level ${lv.level} · ${lv.points ?? 0} 积分 points${togo}`;
  return el('span', { class: 'level-badge', testid, data: { level: lv.level }, title, 'aria-label': title },
    el('span', { class: 'level-word', 'aria-hidden': 'true', text: '等级' }),
    el('span', { class: 'level-num', text: `Lv ${lv.level}` }), iconBox);
}

/** The points and what the next level still needs, as text (the badge's tooltip is
 * invisible on a phone): "12 积分 points · 还差 8 分升级 8 to Lv 3". */
export function levelPoints(level) {
  const lv = level || { level: 1, points: 0, next: 10 };
  const points = Number(lv.points || 0);
  const togo = lv.next == null ? '满级 top level' : `还差 ${lv.next} 分升级 ${lv.next} to Lv ${Number(lv.level || 1) + 1}`;
  return el('div', { class: 'level-points', testid: 'level-points', text: `${points} 积分 points · ${togo}` });
}

/** Progress bar towards the next level. */
export function levelProgress(level) {
  const lv = level || { level: 1, points: 0, next: 10 };
  const points = Number(lv.points || 0);
  const base = threshold(Number(lv.level || 1));
  const top = lv.next == null ? points : points + Number(lv.next);
  const pct = top > base ? Math.min(100, Math.max(0, Math.round(((points - base) / (top - base)) * 100))) : 100;
  const fill = el('span', { class: 'progress-fill' });
  fill.style.width = `${pct}%`;
  const label = lv.next == null ? `${points} 积分 points` : `${points} / ${top} 积分 points`;
  return el('div', { class: 'progress', testid: 'level-progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100',
    'aria-valuenow': String(pct), 'aria-label': `升级进度 Progress to next level: ${label}`, title: label }, fill);
}

export function userLink(user, name, cls = 'user-link') {
  if (name && name !== user) learnName(user, name);
  return el('a', { class: cls, href: `#/space/${encodeURIComponent(user)}`, data: { user }, title: `@${user}` }, name || nameOf(user));
}

export function tagChip(tag) {
  if (!tag) return null;
  const known = MOOD_TAGS.find((t) => t[0] === tag);
  return el('span', { class: 'chip chip-tag', testid: 'mood-tag', data: { tag } }, known ? `${known[2]} ${known[1]}` : `# ${tag}`);
}

/** The card's visibility label. A group post tells its author which groups ("🏷️ 分组:
 * 同学、家人"); anyone else, who is in one of them, only that it is for some friends
 * (the names are the author's own business). */
export function visibilityChip(vis, mine = false) {
  const groups = groupsOf(vis);
  if (groups) {
    return el('span', { class: 'chip chip-vis-groups', testid: 'mood-visibility', data: { visibility: 'groups' },
      text: mine ? `🏷️ 分组: ${groups.join('、')}` : '👥 部分好友 Some friends' });
  }
  const v = VISIBILITY[vis] || VISIBILITY.public;
  return el('span', { class: ['chip', `chip-vis-${vis || 'public'}`], testid: 'mood-visibility', data: { visibility: vis || 'public' }, text: `${v[1]} ${v[0]}` });
}

/** A "🔒 Lv n" lock label for something my level does not open yet. */
export function lockLabel(minLevel) {
  return el('span', { class: 'lock', testid: 'lock', text: `🔒 Lv ${minLevel}` });
}
