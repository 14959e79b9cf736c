"""Like and unlike: idempotent, counted; an event only when something changed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub import validate
from hub.channels.audience import actor_of, friends_only_owner
from hub.handlers.common import visible_mood

if TYPE_CHECKING:
    from hub.ops import Context, Handler


async def _toggle(ctx: Context, data: dict[str, Any], liked: bool) -> dict[str, Any]:
    mood_id = validate.identifier(data, "mood_id")
    assert mood_id is not None
    mood, audience = await visible_mood(ctx, mood_id)
    store = ctx.node.store
    changed, count = await (store.like if liked else store.unlike)(mood_id, ctx.user)
    if changed:
        await ctx.node.publish(
            "like", {"mood_id": mood_id, "mood_author": mood["author"], "user": ctx.user,
                     "likes": count, "liked": liked},
            audience, friends_of=friends_only_owner(mood),
            actor=actor_of(ctx.user, mood["author"]))
    return {"likes": count}


async def like(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    return await _toggle(ctx, data, True)


async def unlike(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    return await _toggle(ctx, data, False)


HANDLERS: dict[str, Handler] = {"like": like, "unlike": unlike}
