"""Comments on moods, with `reply_to` threading."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub import validate
from hub.channels.audience import actor_of, friends_only_owner
from hub.errors import bad_request, not_found
from hub.handlers.common import awards, people, person, refusals, space_quota, visible_mood
from hub.together import together

if TYPE_CHECKING:
    from hub.models import Comment
    from hub.node import Node
    from hub.ops import Context, Handler

MAX_TEXT = 1000


async def post(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    mood_id = validate.identifier(data, "mood_id")
    assert mood_id is not None
    text = validate.text(data, "text", MAX_TEXT)
    reply_to = validate.identifier(data, "reply_to", optional=True)
    node = ctx.node
    (mood, audience), parent = await together(
        visible_mood(ctx, mood_id), _maybe_comment(node, reply_to))
    if reply_to is not None and (parent is None or parent["mood_id"] != mood_id):
        raise bad_request(f"reply_to {reply_to} is not a comment on mood {mood_id}")
    with refusals(mood["author"]):
        comment, found = await together(
            node.store.add_comment(mood_id, ctx.user, text, reply_to, node.clock.now_ms(),
                                   quota=space_quota(ctx, mood["author"])),
            people(node, [ctx.user]))
    if comment is None:  # deleted since it was read: nothing stored, nothing to announce
        raise not_found(f"no mood {mood_id}")
    who = person(found, ctx.user)
    comment["author_name"], comment["author_portrait"] = (
        who["display_name"], who["head_portrait"])
    # Beside the comment, who it concerns, so a client can tell "replied to you" without
    # the parent comment on its screen.
    await node.publish("comment", {
        "comment": comment, "mood_author": mood["author"],
        "reply_to_author": parent["author"] if parent is not None else None,
    }, audience, friends_of=friends_only_owner(mood), actor=actor_of(ctx.user, mood["author"]))
    if mood["author"] != ctx.user:
        await awards(node, (ctx.user, "comment.post"), (mood["author"], "comment.received"))
    return {"comment": comment}


async def _maybe_comment(node: Node, comment_id: str | None) -> Comment | None:
    return None if comment_id is None else await node.store.get_comment(comment_id)


HANDLERS: dict[str, Handler] = {"comment.post": post}
