"""Comments on any post (a subject: hub.subjects), with `reply_to` threading."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub import notes, policy, subjects, validate
from hub.channels.audience import post_audience
from hub.errors import bad_request, forbidden, not_found
from hub.handlers.common import awards, people, person, refusals, space_quota
from hub.handlers.posts import Post, audience_of, load, owner_fields, visible_post
from hub.mentions import mentioned
from hub.together import all_of, together

if TYPE_CHECKING:
    from hub.models import Comment
    from hub.node import Node
    from hub.ops import Context, Handler

MAX_TEXT = 1000


async def post(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    subject = subjects.from_op(data)
    text = validate.text(data, "text", MAX_TEXT)
    reply_to = validate.identifier(data, "reply_to", optional=True)
    node = ctx.node
    (target, audience), parent = await together(
        visible_post(ctx, subject), _maybe_comment(node, reply_to))
    if reply_to is not None and (parent is None or subjects.from_fields(parent) != subject):
        raise bad_request(f"reply_to {reply_to} is not a comment on {subject}")
    owner = target["author"]
    with refusals(owner):
        comment, found = await together(
            node.store.add_comment(subject, ctx.user, text, reply_to, node.clock.now_ms(),
                                   quota=space_quota(ctx, owner)),
            people(node, [ctx.user]))
    if comment is None:  # deleted since it was read: nothing stored, nothing to announce
        raise not_found(f"no {subject}")
    who = person(found, ctx.user)
    comment["author_name"], comment["author_portrait"] = (
        who["display_name"], who["head_portrait"])
    # Beside the comment, who it concerns, so a client can tell "replied to you" without
    # the parent comment on its screen.
    replied = parent["author"] if parent is not None else None
    named = await _readers(ctx, target, mentioned(text, author=ctx.user))
    await node.publish("comment", {
        "comment": comment, **owner_fields(subject, target), "reply_to_author": replied,
    }, post_audience(target, audience, actor=ctx.user),
        notes=[*notes.on_comment(subject, owner, comment, replied),
               *notes.on_mention(subject, [u for u in named if u not in (owner, replied)],
                                 ctx.user, comment["ts"], text, comment_id=comment["id"])])
    if owner != ctx.user:
        await awards(node, (ctx.user, "comment.post"), (owner, "comment.received"))
    return {"comment": comment}


async def delete(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """By the comment's author or the post's owner; the comment goes from every open
    view (`comment.deleted`), and from replays of it."""
    comment_id = validate.identifier(data, "comment_id")
    assert comment_id is not None
    node = ctx.node
    comment = await node.store.get_comment(comment_id)
    subject = subjects.from_fields(comment) if comment is not None else None
    target = await load(node, subject) if subject is not None else None
    if comment is None or subject is None or target is None:
        raise not_found(f"no comment {comment_id}")
    owner = target["author"]
    if ctx.user not in (comment["author"], owner):
        if not policy.may_see(target["visibility"], await node.store.ties(owner, ctx.user)):
            raise not_found(f"no comment {comment_id}")
        raise forbidden("only the comment's author or the post's owner may delete it")
    if await node.store.delete_comment(comment_id) is None:
        raise not_found(f"no comment {comment_id}")  # deleted meanwhile
    audience = await audience_of(node, target) | {comment["author"], ctx.user}
    parent = await _maybe_comment(node, comment["reply_to"])
    await node.publish("comment.deleted", {"comment_id": comment_id, **subject.fields(),
                                           "owner": owner}, audience,
                       notes=[*notes.on_comment_deleted(subject, owner, comment_id,
                                                        parent["author"] if parent else None),
                              *notes.on_mention_withdrawn(
                                  subject, mentioned(comment["text"], author=comment["author"]),
                                  comment_id)])
    return {}


async def _readers(ctx: Context, post: Post, users: list[str]) -> list[str]:
    """Of `users`, those who may read `post` now (a mention tells no one else)."""
    store, author = ctx.node.store, post["author"]
    settings, existing = await together(store.settings(author), store.existing_users(users))
    ties = await all_of(store.ties(author, user) for user in users if user in existing)
    return [t.viewer for t in ties if policy.may_read(settings, post["visibility"], t)]


async def _maybe_comment(node: Node, comment_id: str | None) -> Comment | None:
    return None if comment_id is None else await node.store.get_comment(comment_id)


HANDLERS: dict[str, Handler] = {"comment.post": post, "comment.delete": delete}
