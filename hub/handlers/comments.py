"""Comments on moods, with `reply_to` threading."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub import validate
from hub.errors import bad_request
from hub.handlers.common import award, people, person, visible_mood

if TYPE_CHECKING:
    from hub.ops import Context, Handler

MAX_TEXT = 1000


async def post(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    mood_id = validate.identifier(data, "mood_id")
    assert mood_id is not None
    text = validate.text(data, "text", MAX_TEXT)
    reply_to = validate.identifier(data, "reply_to", optional=True)
    node = ctx.node
    mood, audience = await visible_mood(ctx, mood_id)
    if reply_to is not None:
        parent = await node.store.get_comment(reply_to)
        if parent is None or parent["mood_id"] != mood_id:
            raise bad_request(f"reply_to {reply_to} is not a comment on mood {mood_id}")
    comment = await node.store.add_comment(mood_id, ctx.user, text, reply_to,
                                           node.clock.now_ms())
    who = person(await people(node, [ctx.user]), ctx.user)
    comment["author_name"], comment["author_portrait"] = (
        who["display_name"], who["head_portrait"])
    await node.publish("comment", {"comment": comment, "mood_author": mood["author"]}, audience)
    if mood["author"] != ctx.user:
        await award(node, ctx.user, "comment.post")
        await award(node, mood["author"], "comment.received")
    return {"comment": comment}


HANDLERS: dict[str, Handler] = {"comment.post": post}
