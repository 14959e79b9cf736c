// mood.js — one mood (说说) card: text (@mentions linked: mentions.js), tag,
// visibility (a group post's groups shown to its author), the ★ of a friend I keep
// special care for (care.js), likes (and who liked: likers.js), comments and replies
// (each deletable by its author and the mood's owner: commentdel.js), delete; plus the live updaters that patch every card on screen when a
// `like`, `comment` or `mood.deleted` event arrives. Used by the feed and by space pages.

import { el, $, $$, attr, timeEl, busy, toast, blankHint, limitHint, reducedMotion } from './dom.js';
import { conn } from './conn.js';
import { state, me, rememberMood } from './state.js';
import { portrait, learnPortrait, userLink, tagChip, visibilityChip, groupsOf } from './widgets.js';
import { sendOnCtrlEnter, tellDraftLost } from './drafts.js';
import { commentDeleteButton, isCommentDeleted } from './commentdel.js';
import { likersLine, likesChanged } from './likers.js';
import { withMentions } from './mentions.js';
import { careMark } from './care.js';

const cards = (moodId) => $$(`[data-testid=mood][data-id="${attr(moodId)}"]`);

/** Said when a comment being typed goes with its card (a redraw no longer has it). */
export const GONE_FROM_VIEW = '你在评论的说说已不可见 The mood you were commenting on is no longer visible';
const DELETED = '你在评论的说说已被删除 The mood you were commenting on was deleted';

export function renderMood(mood) {
  rememberMood(mood);
  learnPortrait(mood.author, mood.author_portrait); // when the hub sends it
  const mine = mood.author === me();
  const likeCount = el('span', { class: 'like-count', testid: 'like-count', text: String(mood.likes || 0) });
  const likeBtn = el('button', {
    type: 'button', class: 'btn-act like-btn', testid: 'like-btn', 'aria-pressed': mood.liked ? 'true' : 'false',
  }, el('span', { class: 'heart', 'aria-hidden': 'true', text: '♥' }), el('span', { class: 'like-label', text: mood.liked ? '已赞 Liked' : '赞 Like' }), ' ', likeCount);
  likeBtn.addEventListener('click', () => toggleLike(mood.id, likeBtn));

  const commentCount = el('span', { class: 'comment-count', testid: 'comment-count', text: String(mood.comment_count ?? (mood.comments || []).length) });
  const list = el('ul', { class: 'comments', testid: 'comment-list' });
  const visibility = groupsOf(mood.visibility) ? 'groups' : mood.visibility || 'public';
  const card = el('article', { class: ['mood', 'card', mine && 'mood-mine'], testid: 'mood', data: { id: mood.id, author: mood.author, visibility } });
  // The list is not in the card yet: hand it over, so a reply finds its parent.
  for (const c of mood.comments || []) if (!isCommentDeleted(c.id)) list.appendChild(renderComment(c, card, list));

  const form = commentForm(mood, card);
  const commentBtn = el('button', { type: 'button', class: 'btn-act', testid: 'comment-btn', on: { click: () => { form.reply(null); $('input', form).focus(); } } },
    '💬 评论 Comment ', commentCount);

  const actions = el('div', { class: 'mood-actions' }, likeBtn, commentBtn);
  if (mine) actions.appendChild(deleteButton(mood.id));

  const text = el('p', { class: 'mood-text', testid: 'mood-text', id: `mood-text-${++textN}` }, ...withMentions(mood.text));
  card.append(
    el('header', { class: 'mood-head' },
      el('a', { href: `#/space/${encodeURIComponent(mood.author)}`, class: 'portrait-link', tabindex: '-1', 'aria-hidden': 'true' }, portrait(mood.author_portrait, mood.author, 'md')),
      el('div', { class: 'mood-meta' },
        el('div', { class: 'mood-by' }, userLink(mood.author, mood.author_name, 'user-link mood-author'), careMark(mood.author)),
        el('div', { class: 'mood-sub' }, timeEl(mood.ts), visibilityChip(mood.visibility, mine), tagChip(mood.tag)))),
    text, foldToggle(text),
    actions, likersLine(card, mood), list, form);
  return card;
}

// ---- long moods: folded to a few lines (.mood-text.folded, a CSS line clamp) ----

let textN = 0;
const MORE = '展开 Show more';
const LESS = '收起 Show less';

/** Whether `text` has more lines than its folded height shows (measured folded). */
function overflowsFolded(text) {
  const folded = text.classList.contains('folded');
  if (!folded) text.classList.add('folded');
  const over = text.scrollHeight > text.clientHeight + 1;
  if (!folded) text.classList.remove('folded');
  return over;
}

// One observer for every mood text: a card is measured once it is laid out (cards are
// built off-screen) and again whenever its width changes (a rotated phone, a resized
// window). The toggle shows only while there is something folded away.
const foldObserver = new ResizeObserver((entries) => {
  for (const { target } of entries) {
    const toggle = target.foldToggle;
    if (!target.isConnected) { // not on the page yet, or gone: once gone, let it go
      if (target.measured) foldObserver.unobserve(target);
      continue;
    }
    if (!toggle) continue;
    target.measured = true;
    const over = overflowsFolded(target);
    toggle.hidden = !over;
    if (!over) setFolded(target, toggle, true);
  }
});

function setFolded(text, toggle, folded) {
  text.classList.toggle('folded', folded);
  toggle.setAttribute('aria-expanded', folded ? 'false' : 'true');
  toggle.textContent = folded ? MORE : LESS;
}

function foldToggle(text) {
  text.classList.add('folded');
  const toggle = el('button', { type: 'button', class: 'btn-link mood-more', testid: 'mood-more', 'aria-expanded': 'false',
    'aria-controls': text.id, hidden: true, text: MORE });
  toggle.addEventListener('click', () => {
    const fold = toggle.getAttribute('aria-expanded') === 'true';
    setFolded(text, toggle, fold);
    // Folding a long text pulls the button up the page: keep it where the eye is.
    if (fold) toggle.scrollIntoView({ block: 'nearest' });
  });
  text.foldToggle = toggle;
  foldObserver.observe(text);
  return toggle;
}

async function toggleLike(moodId, btn) {
  const liked = btn.getAttribute('aria-pressed') === 'true';
  await busy(btn, async () => {
    const res = await conn.request(liked ? 'unlike' : 'like', { mood_id: moodId });
    applyLike({ mood_id: moodId, user: me(), likes: res.likes, liked: !liked });
  });
}

function deleteButton(moodId) {
  const btn = el('button', { type: 'button', class: 'btn-act btn-danger-text', testid: 'delete-mood', text: '🗑 删除 Delete' });
  let armed = null;
  btn.addEventListener('click', async () => {
    if (!armed) {
      btn.textContent = '确定删除? Confirm';
      btn.dataset.testid = 'delete-confirm';
      armed = setTimeout(() => { armed = null; btn.textContent = '🗑 删除 Delete'; btn.dataset.testid = 'delete-mood'; }, 5000);
      return;
    }
    clearTimeout(armed);
    await busy(btn, async () => {
      await conn.request('mood.delete', { mood_id: moodId });
      removeMood(moodId, { mine: true });
      toast('已删除 Deleted');
    });
  });
  return btn;
}

function commentForm(mood, card) {
  const input = el('input', { type: 'text', class: 'input', testid: 'comment-input', maxlength: '1000', placeholder: '写评论… Write a comment', 'aria-label': '评论 Comment' });
  const replyChip = el('span', { class: 'reply-chip', testid: 'reply-target', hidden: true });
  const submit = el('button', { type: 'submit', class: 'btn btn-small', testid: 'comment-submit', text: '发表 Post' });
  const hint = blankHint(input, 'comment-hint');
  const limit = limitHint(input, 'comment-limit-hint');
  const form = el('form', { class: 'comment-form', testid: 'comment-form' }, replyChip, input, submit, hint, limit);
  let replyTo = null;
  sendOnCtrlEnter(input, form);
  form.replyTarget = null; // the comment being replied to (not `target`: a form has one)
  form.reply = (comment) => {
    replyTo = comment ? comment.id : null;
    form.replyTarget = comment || null;
    replyChip.textContent = '';
    replyChip.hidden = !comment;
    if (comment) {
      replyChip.append(`回复 Reply @${comment.author_name || comment.author} `,
        el('button', { type: 'button', class: 'chip-x', 'aria-label': '取消回复 Cancel reply', text: '×', on: { click: () => { form.reply(null); input.focus(); } } }));
      input.placeholder = `回复 @${comment.author_name || comment.author}`;
    } else input.placeholder = '写评论… Write a comment';
  };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) { hint.show(); return; }
    const data = { mood_id: mood.id, text };
    if (replyTo !== null) data.reply_to = replyTo;
    await busy(submit, async () => {
      const res = await conn.request('comment.post', data);
      input.value = '';
      limit.reset();
      form.reply(null);
      if (res.comment) applyComment(res.comment);
    });
  });
  card.commentForm = form;
  return form;
}

export function renderComment(c, card, list = card && $('[data-testid=comment-list]', card)) {
  const target = c.reply_to !== null && c.reply_to !== undefined && list ? $(`[data-testid=comment][data-id="${attr(c.reply_to)}"]`, list) : null;
  const replyBtn = el('button', { type: 'button', class: 'btn-link', testid: 'reply-btn', text: '回复 Reply' });
  replyBtn.addEventListener('click', () => {
    const form = card.commentForm;
    form.reply(c);
    $('input', form).focus();
  });
  return el('li', { class: ['comment', c.reply_to ? 'comment-reply' : null], testid: 'comment', data: { id: c.id, author: c.author, replyTo: c.reply_to ?? undefined } },
    userLink(c.author, c.author_name, 'user-link comment-author'),
    target ? el('span', { class: 'reply-to', testid: 'comment-reply-to' }, ' 回复 ', userLink(target.dataset.author, $('.comment-author', target).textContent)) : null,
    el('span', { class: 'sep', text: '：' }),
    el('span', { class: 'comment-text', testid: 'comment-text' }, ...withMentions(c.text)),
    ' ', timeEl(c.ts), ' ', replyBtn, commentDeleteButton(c, card));
}

// ---- live updaters (events + replies) ----

export function applyLike({ mood_id: moodId, user, likes, liked }) {
  for (const card of cards(moodId)) {
    const count = $('[data-testid=like-count]', card);
    if (typeof likes === 'number' && count.textContent !== String(likes)) {
      count.textContent = String(likes);
      bump(count);
    }
    if (user === me()) {
      const btn = $('[data-testid=like-btn]', card);
      btn.setAttribute('aria-pressed', liked ? 'true' : 'false');
      $('.like-label', btn).textContent = liked ? '已赞 Liked' : '赞 Like';
    }
  }
  likesChanged(moodId);
}

export function applyComment(comment) {
  if (isCommentDeleted(comment.id)) return;
  for (const card of cards(comment.mood_id)) {
    const list = $('[data-testid=comment-list]', card);
    if ($(`[data-testid=comment][data-id="${attr(comment.id)}"]`, list)) continue;
    const li = renderComment(comment, card);
    if (!reducedMotion()) li.classList.add('slide-in');
    list.appendChild(li);
    const count = $('[data-testid=comment-count]', card);
    count.textContent = String(Number(count.textContent || 0) + 1);
    bump(count);
  }
}

const deleted = new Set(); // ids deleted this session: never render them again

export const isDeleted = (moodId) => deleted.has(String(moodId));

/**
 * Take a deleted mood off the page. A comment half-typed on it goes with the card: say
 * so, unless I deleted it myself right here (`{ mine: true }`, from its own button).
 */
export function removeMood(moodId, { mine = false } = {}) {
  deleted.add(String(moodId));
  state.moodAuthors.delete(String(moodId));
  let draft = false;
  for (const card of cards(moodId)) {
    if (card.dataset.removing) continue; // already on its way out
    const input = $('[data-testid=comment-input]', card);
    if (input && input.value.trim()) draft = true;
    if (reducedMotion()) { card.remove(); continue; }
    card.classList.add('fade-out');
    card.dataset.removing = 'true';
    setTimeout(() => card.remove(), 300);
  }
  if (draft && !mine) tellDraftLost(DELETED);
}

/** Insert a mood at the top of `list` unless it is already there. Returns the card or null. */
export function prependMood(list, mood, animate = true) {
  if (isDeleted(mood.id) || $(`[data-testid=mood][data-id="${attr(mood.id)}"]`, list)) return null;
  const card = renderMood(mood);
  if (animate && !reducedMotion()) card.classList.add('slide-in');
  list.prepend(card);
  return card;
}

function bump(node) {
  if (reducedMotion()) return;
  node.classList.remove('bump');
  void node.offsetWidth;
  node.classList.add('bump');
}

