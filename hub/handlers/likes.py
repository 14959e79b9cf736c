"""Like and unlike any post (a subject: hub.subjects): idempotent, counted; an event
only when something changed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub import notes, subjects, validate
from hub.channels.audience import post_audience
from hub.handlers.common import people, person
from hub.handlers.posts import owner_fields, visible_post
from hub.together import together

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
            post_audience(post, audience, actor=ctx.user),
            notes=notes.on_like(subject, post["author"], ctx.user, liked,
                                ctx.node.clock.now_ms()))
    return {"likes": count}


async def list_likes(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Who likes a post (for a card's "小美、王经理 觉得很赞"), for whoever may read it."""
    subject = subjects.from_op(data)
    await visible_post(ctx, subject, acting=False)
    limit = validate.limit(data, default=20, maximum=100)
    store = ctx.node.store
    users, (count, _) = await together(store.likers(subject, limit),
                                       _count(ctx, subject))
    found = await people(ctx.node, users)
    return {"users": [{"user": u, **person(found, u)} for u in users], "likes": count}


async def _count(ctx: Context, subject: subjects.Subject) -> tuple[int, bool]:
    return (await ctx.node.store.likes([subject], ctx.user))[subject]


async def like(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    return await _toggle(ctx, data, True)


async def unlike(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    return await _toggle(ctx, data, False)


HANDLERS: dict[str, Handler] = {"like": like, "unlike": unlike, "likes.list": list_likes}
