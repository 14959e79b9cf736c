// commentdel.js — deleting a comment: the 删除 Delete control a comment shows to its
// author and to the post's owner (asked through confirm.js), and `comment.deleted`,
// which takes the comment off every card of its post on this page (feed and space
// alike) and counts it out once, however often the deletion arrives (a resume may
// repeat it, or bring one for a comment this tab never drew). Its replies stay.
// The comment cards themselves are mood.js's.

import { el, $, $$, attr, busy, toast, reducedMotion } from './dom.js';
import { conn } from './conn.js';
import { me } from './state.js';
import { confirmAction, focusAfter } from './confirm.js';

const deleted = new Set(); // comment ids withdrawn this session: never drawn again
const DELETED_TARGET = '你回复的评论已被删除 The comment you were replying to was deleted';

export const isCommentDeleted = (commentId) => deleted.has(String(commentId));

/** The delete control for comment `c` on `card` (a mood card), or null when I am
 * neither the comment's author nor the post's owner. */
export function commentDeleteButton(c, card) {
  if (!me() || (c.author !== me() && card.dataset.author !== me())) return null;
  const btn = el('button', { type: 'button', class: 'btn-link btn-danger-text comment-delete', testid: 'comment-delete',
    text: '删除 Delete', 'aria-label': `删除评论 Delete comment: ${String(c.text || '').slice(0, 40)}` });
  btn.addEventListener('click', async () => {
    const yes = await confirmAction({
      title: '删除这条评论？ Delete this comment?',
      text: `“${String(c.text || '').slice(0, 80)}”${c.author === me() ? '' : ` — ${c.author_name || c.author}`}`,
      confirmLabel: '🗑 删除 Delete',
    });
    if (!yes) return;
    await busy(btn, async () => {
      await conn.request('comment.delete', { comment_id: c.id });
      removeComment({ comment_id: c.id, mood_id: c.mood_id });
      toast('评论已删除 Comment deleted');
    });
    focusAfter($('[data-testid=comment-btn]', card), btn.closest('[data-testid=comment]'));
  });
  return btn;
}

/** `comment.deleted` (or my own delete's reply): off every card of its post. */
export function removeComment({ comment_id: commentId, mood_id: moodId }) {
  if (commentId === undefined || commentId === null) return;
  const id = String(commentId);
  const first = !deleted.has(id);
  deleted.add(id);
  const cards = moodId !== undefined && moodId !== null
    ? $$(`[data-testid=mood][data-id="${attr(moodId)}"]`)
    : $$(`[data-testid=comment][data-id="${attr(id)}"]`).map((li) => li.closest('[data-testid=mood]')).filter(Boolean);
  for (const card of new Set(cards)) {
    const li = $(`[data-testid=comment][data-id="${attr(id)}"]`, card);
    if (li && !li.dataset.removing) {
      li.dataset.removing = 'true';
      if (reducedMotion()) li.remove();
      else { li.classList.add('fade-out'); setTimeout(() => li.remove(), 300); }
    }
    // The count is of all its comments, shown or not: one less, the first time only.
    const count = $('[data-testid=comment-count]', card);
    if (first && count) count.textContent = String(Math.max(0, Number(count.textContent || 0) - 1));
    const form = card.commentForm;
    if (form && form.replyTarget && String(form.replyTarget.id) === id) {
      form.reply(null);
      toast(DELETED_TARGET, { ms: 6000 });
    }
  }
}

export const events = { 'comment.deleted': (d) => removeComment(d) };
