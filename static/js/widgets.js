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
  private: ['仅自己 Private', '🔒'],
};

/** Round head portrait; falls back to the user's initial on a coloured disc. */
export function portrait(id, user = '', size = 'md') {
  const known = PORTRAITS[id];
  const node = el('span', { class: ['portrait', `portrait-${size}`, known ? `portrait-${id}` : 'portrait-initial'], data: { portrait: id || '' }, 'aria-hidden': 'true' },
    known ? known[0] : (user || '?').slice(0, 1).toUpperCase());
  if (!known) node.style.setProperty('--hue', String(hue(user)));
  return node;
}

export function hue(text) {
  let h = 0;
  for (const ch of String(text)) h = (h * 31 + ch.codePointAt(0)) % 360;
  return h;
}

/** Level badge: ♛ crowns, ☀ suns, ☾ moons, ★ stars, and "Lv n". */
export function levelBadge(level, testid = 'level-badge') {
  const lv = level || { level: 1, points: 0, icons: { stars: 1 } };
  const icons = lv.icons || {};
  const parts = [['crowns', '♛', 'crown'], ['suns', '☀', 'sun'], ['moons', '☾', 'moon'], ['stars', '★', 'star']];
  const iconBox = el('span', { class: 'level-icons', 'aria-hidden': 'true' });
  for (const [key, glyph, cls] of parts) {
    for (let i = 0; i < Math.min(Number(icons[key]) || 0, 4); i += 1) iconBox.appendChild(el('span', { class: `lv-${cls}`, text: glyph }));
  }
  const title = `等级 Level ${lv.level} · ${lv.points ?? 0}${lv.next ? ` / ${lv.next}` : ''} 积分 points`;
  return el('span', { class: 'level-badge', testid, data: { level: lv.level }, title, 'aria-label': title },
    el('span', { class: 'level-num', text: `Lv ${lv.level}` }), iconBox);
}

export function userLink(user, name, cls = 'user-link') {
  return el('a', { class: cls, href: `#/space/${encodeURIComponent(user)}`, data: { user }, title: `@${user}` }, name || user);
}

export function tagChip(tag) {
  if (!tag) return null;
  const known = MOOD_TAGS.find((t) => t[0] === tag);
  return el('span', { class: 'chip chip-tag', testid: 'mood-tag', data: { tag } }, known ? `${known[2]} ${known[1]}` : `# ${tag}`);
}

export function visibilityChip(vis) {
  const v = VISIBILITY[vis] || VISIBILITY.public;
  return el('span', { class: ['chip', `chip-vis-${vis || 'public'}`], testid: 'mood-visibility', data: { visibility: vis || 'public' }, text: `${v[1]} ${v[0]}` });
}

/** A "🔒 Lv n" lock label for something my level does not open yet. */
export function lockLabel(minLevel) {
  return el('span', { class: 'lock', testid: 'lock', text: `🔒 Lv ${minLevel}` });
}
