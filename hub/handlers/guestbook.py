"""The guestbook (留言板) of a space: anyone may sign it; owner and author see it live."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub import validate
from hub.channels.audience import actor_of, pair
from hub.handlers import guards
from hub.handlers.common import (
    award,
    existing_user,
    people,
    person,
    refusals,
    space_quota,
)

if TYPE_CHECKING:
    from hub.ops import Context, Handler

MAX_TEXT = 500


async def post(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    owner = validate.username(data, "to")
    text = validate.text(data, "text", MAX_TEXT)
    await existing_user(ctx, owner)
    if owner != ctx.user:
        await guards.may_write_guestbook(ctx, owner)
    node = ctx.node
    with refusals(owner):
        entry = await node.store.add_entry(owner, ctx.user, text, node.clock.now_ms(),
                                           quota=space_quota(ctx, owner))
    who = person(await people(node, [ctx.user]), ctx.user)
    entry["author_name"], entry["author_portrait"] = who["display_name"], who["head_portrait"]
    await node.publish("guestbook", {"entry": entry}, pair(owner, ctx.user),
                       actor=actor_of(ctx.user, owner))
    if owner != ctx.user:
        await award(node, ctx.user, "guestbook.post")
    return {"entry": entry}


HANDLERS: dict[str, Handler] = {"guestbook.post": post}
