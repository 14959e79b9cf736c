// notewords.js — what one 与我相关 item says and which notifications it stands for. It
// owns the wording of every item type `notifications.list` answers (the grouped likes
// "小美、王经理 等 3 人赞了你的说说", a comment with its excerpt, a reply, a gift, a
// guestbook entry and the owner's reply, a visit, a friend request, a new friend, a
// level-up, an @mention, a 特别关心 friend's new mood), and the matching of the causes a `notify` event withdraws
// ("mood:1|like:wang") to the items on screen. No network, no state: notify.js draws the
// page, reveal.js opens what an item is about.
//
// A cause is "<about>|<what>" (hub/notes.py): what the notification is about (a post
// "mood:5", an entry "entry:7", a gift "gift:3", a person "user:bob", a visitor
// "visit:bob", a level "level:4") and what happened ("comment:12", "reply:12",
// "like:bob", "reply", "request", "added", or nothing). Items do not carry their causes;
// they carry what they are about, which names the same thing.

import { el } from './dom.js';
import { nameOf } from './widgets.js';

const NAMES = 2; // names spelled out in a grouped item; beyond them "等 N 人"

const POST_WORD = { mood: '说说 mood', blog: '日志 blog post', photo: '照片 photo' };

export const kindOf = (item) => item.kind || 'mood';
export const postId = (item) => item[`${kindOf(item)}_id`];
const firstActor = (item) => ((item.actors || [])[0] || {}).user || '';

/** The thing an item is about, as its causes begin. */
export function aboutOf(item) {
  switch (item.type) {
    case 'comment': case 'reply': case 'like': case 'mention': case 'care': return `${kindOf(item)}:${postId(item)}`;
    case 'gift': return `gift:${item.gift_id}`;
    case 'guestbook': case 'guestbook.reply': return `entry:${item.entry_id}`;
    case 'visit': return `visit:${firstActor(item)}`;
    case 'friend.request': case 'friend.added': return `user:${item.user}`;
    case 'level.up': return `level:${item.level}`;
    default: return '';
  }
}

/** What happened, as a single item's cause ends (null: any, for a visit's day). */
function whatOf(item) {
  switch (item.type) {
    case 'comment': return `comment:${item.comment_id}`;
    case 'reply': return `reply:${item.comment_id}`;
    case 'mention': return item.comment_id ? `mention:${item.comment_id}` : 'mention';
    case 'care': return 'care';
    case 'guestbook.reply': return 'reply';
    case 'friend.request': return 'request';
    case 'friend.added': return 'added';
    case 'visit': return null;
    default: return '';
  }
}

/** Items with the same key are one line: the hub groups the likes of one post; any
 * other notification stands alone (a repeated cause replaces the older one). */
export function keyOf(item) {
  if (item.type === 'like') return `like|${aboutOf(item)}`;
  if (item.type === 'visit' || !aboutOf(item)) return `id|${item.id}`;
  return `${aboutOf(item)}|${whatOf(item)}`;
}

/**
 * Apply the `withdrawn` causes of a `notify` event to `items`: a single item goes, a
 * grouped like item loses one liker (and goes with the last). Returns the items left,
 * whether a grouped item only shrank (its names may now be out of date), and whether a
 * cause matched nothing on screen.
 */
export function withdrawFrom(items, causes) {
  let left = items.slice();
  let shrank = false;
  let missed = false;
  for (const cause of causes || []) {
    const bar = String(cause).indexOf('|');
    const about = bar < 0 ? String(cause) : String(cause).slice(0, bar);
    const what = bar < 0 ? '' : String(cause).slice(bar + 1);
    const i = left.findIndex((item) => aboutOf(item) === about
      && (item.type === 'like' ? what.startsWith('like:') : (whatOf(item) === null || whatOf(item) === what)));
    if (i < 0) { missed = true; continue; }
    const item = left[i];
    if (item.type === 'like' && Number(item.count) > 1) {
      const liker = what.slice('like:'.length);
      left[i] = { ...item, count: Number(item.count) - 1, actors: (item.actors || []).filter((a) => a.user !== liker) };
      shrank = true;
    } else left.splice(i, 1);
  }
  return { items: left, shrank, missed };
}

const nameNode = (actor) => el('strong', { class: 'notify-name', text: actor.display_name || nameOf(actor.user) || actor.user });

/** "小美、王经理" (and " 等 N 人" when there were more than the names shown). */
function who(item) {
  const actors = (item.actors || []).slice(0, NAMES);
  const nodes = [];
  actors.forEach((a, i) => { if (i) nodes.push('、'); nodes.push(nameNode(a)); });
  if (!nodes.length) nodes.push(el('strong', { class: 'notify-name', text: '有人 Someone' }));
  const count = Math.max(Number(item.count) || 1, actors.length);
  if (count > actors.length) nodes.push(` 等 ${count} 人`);
  return { nodes, count };
}

const quote = (text) => (text ? el('span', { class: 'notify-quote', testid: 'notify-quote', text: `“${text}”` }) : null);

/** The line an item reads as: a list of nodes, user text only as text. */
export function describe(item) {
  const { nodes, count } = who(item);
  const post = POST_WORD[kindOf(item)] || POST_WORD.mood;
  const [zh, en] = post.split(' ');
  const actor = (item.actors || [])[0] || { user: '' };
  const handle = actor.user ? ` (@${actor.user})` : '';
  switch (item.type) {
    case 'like':
      // "小美、王经理 等 3 人赞了你的说说": no space after 人
      return [...nodes, `${typeof nodes[nodes.length - 1] === 'string' ? '' : ' '}赞了你的${zh} ${
        count > 1 ? `— ${count} people liked your ${en}` : `liked your ${en}`} ♥`];
    case 'comment':
      return [...nodes, ` 评论了你的${zh} commented on your ${en}: `, quote(item.text)];
    case 'reply':
      return [...nodes, ' 回复了你的评论 replied to your comment: ', quote(item.text)];
    case 'gift':
      return [...nodes, ` 送你 ${item.name || item.gift || '礼物'} sent you a gift 🎁`];
    case 'guestbook':
      return [...nodes, item.private ? ' 给你留了悄悄话 left you a private message 🔒: ' : ' 在你的留言板留言 wrote on your guestbook: ', quote(item.text)];
    case 'guestbook.reply':
      return [...nodes, ' 回复了你的留言 replied to your message: ', quote(item.text)];
    case 'visit':
      return [...nodes, `${handle} 访问了你的空间 visited your space 👣`];
    case 'friend.request':
      return [...nodes, `${handle} 想加你为好友 sent you a friend request`];
    case 'friend.added':
      return [...nodes, `${handle} 接受了你的好友请求 accepted your friend request — 你们成为了好友 you are now friends 🤝`];
    case 'mention':
      return [...nodes, item.comment_id ? ' 在评论中提到了你 mentioned you in a comment: ' : ` 在${zh}中提到了你 mentioned you in a ${en}: `, quote(item.text)];
    case 'care':
      return [el('span', { text: '💗 特别关心 ' }), ...nodes, ` 发表了新${zh} posted a new ${en}: `, quote(item.text)];
    case 'level.up':
      return [`升级啦！你现在是 Lv ${item.level} — Level up!`];
    default:
      return [...nodes, ' ', quote(item.text) || '与你有关 something for you'];
  }
}
