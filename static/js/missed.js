// missed.js — the "已补上 N 条离线消息 Caught up on N missed" notice after a resume. It
// counts only what is news to me: not the events I caused myself (a mood I posted from
// my phone, my own comment), nor those another tab of mine in this browser already
// showed (the highest inbox seq any tab processed, per user and epoch, in localStorage).

import { toast } from './dom.js';
import { state, me } from './state.js';

const EVENT_NAMES = {
  mood: '说说 mood', 'mood.deleted': '删除 deleted', comment: '评论 comment', like: '赞 like', gift: '礼物 gift',
  guestbook: '留言 guestbook', visit: '访客 visit', 'level.up': '升级 level-up', 'friend.request': '好友请求 request',
  'friend.added': '新好友 friend', 'friend.removed': '删除好友 unfriend', 'friend.declined': '拒绝 declined',
  profile: '资料 profile', 'guestbook.reply': '主人回复 reply', 'guestbook.deleted': '删除留言 message deleted',
  'comment.deleted': '删除评论 comment deleted',
};

const key = (user) => `kj:seen:${user}`;
let before = null; // {epoch, seq}: what this browser had seen when this socket's hello came

function load(user) {
  try { return JSON.parse(localStorage.getItem(key(user)) || 'null'); } catch { return null; }
}

/** A hello for `user` (maybe not signed in here yet): note what this browser had seen
 * of their inbox before the replay that follows it. */
export function noteHello(user) { before = user ? load(user) : null; }

/** Who did what `frame` reports (null when the event does not say). */
function actorOf(frame) {
  const d = frame.data || {};
  switch (frame.event) {
    case 'mood': return d.mood && d.mood.author;
    case 'comment': return d.comment && d.comment.author;
    case 'like': case 'profile': return d.user;
    case 'gift': return d.gift && d.gift.from;
    case 'guestbook': return d.entry && d.entry.author;
    case 'guestbook.reply': return d.entry && d.entry.owner;
    case 'visit': return d.visitor;
    case 'friend.request': return d.from;
    case 'mood.deleted': return state.moodAuthors.get(String(d.mood_id)) ?? null; // read before it goes
    default: return null;
  }
}

/** Every inbox event, before the views handle it: mark whether it is news (for the
 * notice) and remember that this browser has now seen up to its seq. */
export function noteEvent(frame, epoch) {
  const seq = typeof frame.seq === 'number' ? frame.seq : null;
  const seenElsewhere = seq !== null && before && before.epoch === epoch && seq <= Number(before.seq);
  frame.news = !seenElsewhere && actorOf(frame) !== me();
  if (seq === null || !me()) return;
  const now = load(me());
  if (now && now.epoch === epoch && Number(now.seq) >= seq) return;
  try { localStorage.setItem(key(me()), JSON.stringify({ epoch, seq })); } catch { /* quota: count everything */ }
}

/** A resume's replay is over: say what was missed, if anything was. */
export function onSynced({ gap, frames }) {
  if (gap) return; // the hello handler says "resynced" instead
  const news = (frames || []).filter((f) => f.news);
  if (!news.length) return;
  const kinds = {};
  for (const f of news) kinds[f.event] = (kinds[f.event] || 0) + 1;
  const parts = Object.entries(kinds).map(([k, n]) => `${n} ${EVENT_NAMES[k] || k}`);
  toast(`已补上 ${news.length} 条离线消息 Caught up on ${news.length} missed: ${parts.join(', ')}`, { kind: 'sync', ms: 6000, testid: 'sync-toast' });
}
