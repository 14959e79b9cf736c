// mentions.js — @mentions (提到) in what people typed: `@username` in a mood's or a
// comment's text shown as a link to that user's space. It owns the matching (the hub's
// rule, hub/mentions.py: a username right after "@", not inside a word or an address)
// and the building of the pieces — text nodes and <a> links made with dom.el, never
// HTML. Who is told of a mention is the hub's (a `mention` notification); offering
// friends' names while typing "@" is mentionpick.js.

import { el } from './dom.js';

// Same as hub/mentions.py: lowercase usernames of 3..20, not after a letter, digit, "_"
// or "." (an e-mail address), and not followed by more username characters.
const MENTION = /(?<![A-Za-z0-9_.])@([a-z0-9_]{3,20})(?![a-z0-9_])/g;

/** A link to `user`'s space reading "@user". */
export function mentionLink(user) {
  return el('a', { class: 'mention', testid: 'mention', href: `#/space/${encodeURIComponent(user)}`, data: { user },
    title: `@${user} 的空间 ${user}'s space`, text: `@${user}` });
}

/** `text` as a list of strings (text) and mention links, for el(…, ...withMentions(t)). */
export function withMentions(text) {
  const s = String(text ?? '');
  const parts = [];
  let at = 0;
  for (const m of s.matchAll(MENTION)) {
    if (m.index > at) parts.push(s.slice(at, m.index));
    parts.push(mentionLink(m[1]));
    at = m.index + m[0].length;
  }
  if (at < s.length || !parts.length) parts.push(s.slice(at));
  return parts;
}

/** The partial "@name" that ends right at `caret` in `text`: {start, query} or null. */
export function mentionAt(text, caret) {
  const before = String(text).slice(0, caret);
  const m = /(?<![A-Za-z0-9_.])@([a-z0-9_]{0,20})$/.exec(before);
  return m ? { start: m.index, query: m[1] } : null;
}
