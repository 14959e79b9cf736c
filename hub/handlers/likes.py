"""Like and unlike any post (a subject: hub.subjects): idempotent, counted; an event
only when something changed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub import subjects
from hub.channels.audience import actor_of, friends_only_owner
from hub.handlers.posts import owner_fields, visible_post

if TYPE_CHECKING:
    from hub.ops import Context, Handler


async def _toggle(ctx: Context, data: dict[str, Any], liked: bool) -> dict[str, Any]:
    subject = subjects.from_op(data)
    post, audience = await visible_post(ctx, subject)
    store = ctx.node.store
    changed, count = await (store.like if liked else store.unlike)(subject, ctx.user)
    if changed:
        await ctx.node.publish(
            "like", {**subject.fields(), **owner_fields(subject, post), "user": ctx.user,
                     "likes": count, "liked": liked},
            audience, friends_of=friends_only_owner(post),
            actor=actor_of(ctx.user, post["author"]))
    return {"likes": count}


async def like(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    return await _toggle(ctx, data, True)


async def unlike(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    return await _toggle(ctx, data, False)


HANDLERS: dict[str, Handler] = {"like": like, "unlike": unlike}
