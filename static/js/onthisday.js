// onthisday.js — 那年今日 On this day: a card at the top of the feed with my moods of
// today's month and day in earlier years, as the hub picks them (`onthisday`, by its
// clock, UTC), grouped by year: "那年今日 · 3 年前的今天". 今天不再显示 hides it for the rest
// of the (UTC) day in this tab's session (sessionStorage), focus going on to the feed's
// heading. No card at all when the hub has nothing. It owns the card only; the feed is
// feed.js's.

import { el, errText } from './dom.js';
import { conn } from './conn.js';
import { me } from './state.js';
import { withMentions } from './mentions.js';

const key = () => `kj:onthisday:${me()}`;
const today = () => new Date().toISOString().slice(0, 10); // the hub's day is UTC
const yearOf = (ts) => new Date(Number(ts)).getUTCFullYear();
const dateOf = (ts) => new Date(Number(ts)).toISOString().slice(0, 10);

function hiddenToday() {
  try { return sessionStorage.getItem(key()) === today(); } catch { return false; }
}

function hideToday() {
  try { sessionStorage.setItem(key(), today()); } catch { /* storage off: hidden until the feed is drawn again */ }
}

const ago = (years) => `${years} 年前的今天`;
const agoEn = (years) => (years === 1 ? 'a year ago today' : `${years} years ago today`);

function item(mood) {
  return el('li', { class: 'otd-item', testid: 'onthisday-item', data: { id: mood.id } },
    el('time', { class: 'time otd-date', datetime: new Date(Number(mood.ts)).toISOString(), text: dateOf(mood.ts) }),
    el('p', { class: 'otd-text', testid: 'onthisday-text' }, ...withMentions(mood.text)),
    el('small', { class: 'muted otd-counts', text: `♥ ${Number(mood.likes) || 0} · 💬 ${Number(mood.comment_count ?? (mood.comments || []).length) || 0}` }));
}

function card(items, slot) {
  const now = new Date().getUTCFullYear();
  const byYears = new Map(); // years ago -> moods, nearest first (the hub's order)
  for (const m of items) {
    const years = Math.max(1, now - yearOf(m.ts));
    if (!byYears.has(years)) byYears.set(years, []);
    byYears.get(years).push(m);
  }
  const one = byYears.size === 1 ? [...byYears.keys()][0] : null;
  const dismiss = el('button', { type: 'button', class: 'btn btn-small btn-ghost', testid: 'onthisday-dismiss',
    'aria-label': '今天不再显示那年今日 Hide On this day for today', text: '今天不再显示 Hide today' });
  const section = el('section', { class: 'card otd-card', testid: 'onthisday', 'aria-labelledby': 'otd-title' },
    el('div', { class: 'card-title-row' },
      el('h2', { class: 'card-title', id: 'otd-title', testid: 'onthisday-title' },
        one ? `📅 那年今日 · ${ago(one)}` : '📅 那年今日', el('small', { class: 'en', text: one ? ` On this day, ${agoEn(one)}` : ' On this day' })),
      dismiss));
  for (const [years, moods] of byYears) {
    if (one === null) section.appendChild(el('h3', { class: 'sub-title', testid: 'onthisday-year', text: `${ago(years)} ${agoEn(years)}` }));
    section.appendChild(el('ul', { class: 'otd-list', testid: 'onthisday-list', data: { years } }, ...moods.map(item)));
  }
  dismiss.addEventListener('click', () => {
    hideToday();
    slot.textContent = '';
    const heading = document.getElementById('feed-title');
    if (heading) heading.focus({ preventScroll: true });
  });
  return section;
}

/** The slot feed.js places on top of its list: empty, or the card once the hub answers. */
export function onThisDayCard() {
  const slot = el('div', { class: 'otd-slot', testid: 'onthisday-slot' });
  if (hiddenToday()) return slot;
  const user = me();
  conn.request('onthisday', {}).then((res) => {
    const items = (res && res.items) || [];
    if (me() !== user || !slot.isConnected || !items.length || hiddenToday()) return;
    slot.textContent = '';
    slot.appendChild(card(items, slot));
  }).catch((err) => console.warn('onthisday', errText(err)));
  return slot;
}
