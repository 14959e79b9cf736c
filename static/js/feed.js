// feed.js — 好友动态 Feed: the mood composer (who it is for: visibility.js; "@" offers
// friends: mentionpick.js; the hub's refusal shown under it), my + friends' moods newest
// first with "load more" (feed op, before=next), live insertion of new moods, and the
// 那年今日 card on top (onthisday.js). It owns the feed view only; cards themselves
// come from mood.js.

import { el, busy, toast, blankHint, limitHint, errText } from './dom.js';
import { conn } from './conn.js';
import { prependMood, renderMood, isDeleted, GONE_FROM_VIEW } from './mood.js';
import { MOOD_TAGS } from './widgets.js';
import { keepDrafts, keepMoodDraft, sendOnCtrlEnter } from './drafts.js';
import { visibilityPicker } from './visibility.js';
import { loadGroups } from './groups.js';
import { mentionPicker } from './mentionpick.js';
import { onThisDayCard } from './onthisday.js';

const PAGE = 20;
let view = null; // {list, more, empty, next}

export function composer(onPosted) {
  const text = el('textarea', { class: 'input composer-text', testid: 'mood-input', maxlength: '2000', rows: '3', required: true,
    placeholder: '说点什么吧… @好友 提到TA What\'s on your mind? @friend to mention', 'aria-label': '说说 Mood' });
  const counter = el('span', { class: 'counter', testid: 'mood-counter', text: '0/2000' });
  text.addEventListener('input', () => { counter.textContent = `${text.value.length}/2000`; });
  const picker = visibilityPicker();
  const vis = picker.select;
  const tag = el('select', { class: 'input select', testid: 'mood-tag-select', 'aria-label': '心情 Mood tag' },
    ...MOOD_TAGS.map(([id, label, icon]) => el('option', { value: id, text: `${icon} ${label}`.trim() })));
  const submit = el('button', { type: 'submit', class: 'btn btn-primary', testid: 'mood-submit', text: '发表 Post' });
  const hint = blankHint(text, 'mood-hint');
  const limit = limitHint(text, 'mood-limit-hint', { counter });
  // What the hub refused (a group deleted meanwhile, …), in its words, until the next edit.
  const error = el('p', { class: 'form-error', testid: 'mood-error', role: 'alert', hidden: true });
  const say = (msg) => { error.textContent = msg || ''; error.hidden = !msg; };
  const form = el('form', { class: 'composer card', testid: 'mood-form', novalidate: true },
    el('h2', { class: 'card-title', text: '✏️ 发表说说 Post a mood' }),
    text,
    mentionPicker(text),
    hint,
    limit,
    el('div', { class: 'composer-bar' }, vis, tag, counter, submit),
    picker.choice,
    error);
  const draft = keepMoodDraft(text, vis, tag, () => { counter.textContent = `${text.value.length}/2000`; });
  sendOnCtrlEnter(text, form);
  form.addEventListener('input', () => say(null));
  form.addEventListener('change', () => say(null));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = text.value.trim();
    if (!body) { hint.show(); return; }
    const visibility = picker.value();
    if (visibility === null) { say('选一个或几个分组 Pick at least one group'); vis.focus(); return; }
    const data = { text: body, visibility };
    if (tag.value) data.tag = tag.value;
    say(null);
    submit.disabled = true;
    let res;
    try {
      res = await conn.request('mood.post', data);
    } catch (err) {
      say(`没有发表 Not posted: ${errText(err)}`);
      if (typeof visibility === 'object') loadGroups(); // a group may be gone: offer the ones left
      return;
    } finally {
      submit.disabled = false;
    }
    // Back to a fresh composer: a 私密 or group choice must not stick to the next mood.
    text.value = '';
    counter.textContent = '0/2000';
    limit.reset();
    tag.value = '';
    picker.reset();
    draft.clear();
    toast('发表成功 Posted ✓');
    if (res.mood && onPosted) onPosted(res.mood);
  });
  return form;
}

export function mountFeed(root) {
  const list = el('div', { class: 'mood-list', testid: 'feed-list', 'aria-live': 'polite' });
  const more = el('button', { type: 'button', class: 'btn btn-ghost', testid: 'feed-more', text: '加载更多 Load more', hidden: true });
  const empty = el('p', { class: 'empty', testid: 'feed-empty', hidden: true, text: '还没有动态，发一条说说或加几个好友吧！ Nothing here yet — post a mood or add friends.' });
  const status = el('p', { class: 'loading', testid: 'feed-loading', text: '加载中… Loading' });
  view = { list, more, empty, status, next: null };
  more.addEventListener('click', () => busy(more, () => loadPage(true)));
  root.append(
    composer((mood) => onMood(mood)),
    el('section', { class: 'feed', 'aria-labelledby': 'feed-title' },
      el('h2', { class: 'section-title', id: 'feed-title', tabindex: '-1', text: '好友动态 Feed' }),
      onThisDayCard(), status, empty, list, more));
  loadPage(false);
  return () => { if (view && view.list === list) view = null; };
}

async function loadPage(append) {
  const v = view;
  if (!v) return;
  const token = (v.loadToken = (v.loadToken || 0) + 1);
  if (!append) v.live = new Map(); // moods that arrive live while this page is in flight
  v.status.hidden = false;
  if (!append) v.list.dataset.loaded = 'false';
  try {
    const data = { limit: PAGE };
    if (append && v.next !== null) data.before = v.next;
    const res = await conn.request('feed', data);
    if (view !== v || token !== v.loadToken) return;
    const kept = append ? null : keepDrafts(v.list); // comments being typed on the old cards
    if (!append) v.list.textContent = '';
    for (const mood of res.items || []) {
      if (isDeleted(mood.id) || v.list.querySelector(`[data-testid=mood][data-id="${CSS.escape(String(mood.id))}"]`)) continue;
      v.list.appendChild(renderMood(mood));
    }
    if (!append) {
      // A mood event may have raced the page (published after the query ran): keep it.
      for (const mood of [...v.live.values()].sort((a, b) => Number(a.ts) - Number(b.ts))) prependMood(v.list, mood, false);
      kept.restore(GONE_FROM_VIEW);
    }
    v.next = res.next ?? null;
    v.more.hidden = v.next === null;
  } catch (err) {
    if (view === v) toast(`动态加载失败 Feed failed: ${err.message}`, { kind: 'error' });
  } finally {
    if (token === v.loadToken) {
      v.status.hidden = true;
      v.empty.hidden = v.list.children.length > 0;
      v.list.dataset.loaded = 'true';
    }
  }
}

/** Refetch from the top (after a gap, or when the friend graph changed). */
export function refetchFeed() {
  if (view) { view.next = null; loadPage(false); }
}

/** A mood from an event or my own post: slide it in at the top. */
export function onMood(mood) {
  if (!view) return;
  if (view.live) view.live.set(String(mood.id), mood);
  if (prependMood(view.list, mood, true)) view.empty.hidden = true;
}

export function feedMounted() { return view !== null; }
