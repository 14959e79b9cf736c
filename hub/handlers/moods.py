"""Moods (说说): post, delete, and the feed of own and friends' visible moods."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub import notes, validate
from hub.channels.audience import mood_audience, post_audience
from hub.errors import forbidden, not_found
from hub.handlers.common import award, decorate, mood_audience_of
from hub.models import VISIBILITIES, Visibility
from hub.subjects import Subject, deletion
from hub.together import together

if TYPE_CHECKING:
    from hub.ops import Context, Handler

MAX_TEXT = 2000
MAX_TAG = 20


async def feed(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    before = validate.identifier(data, "before", optional=True)
    limit = validate.limit(data)
    store, me = ctx.node.store, ctx.user
    sources: list[tuple[str, Visibility]] = [(me, "public"), (me, "friends"), (me, "private")]
    friends = sorted(await store.friends(me))
    # a friend whose space is for themselves alone shows nothing, here as there
    settings = await store.settings_of(friends)
    for friend in friends:
        if settings[friend].space != "me":
            sources += [(friend, "public"), (friend, "friends")]
    items = await store.timeline(sources, before, limit)
    await decorate(ctx.node, items, me)
    return {"items": items, "next": items[-1]["id"] if len(items) == limit else None}


async def post(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    text = validate.text(data, "text", MAX_TEXT)
    visibility: Visibility = validate.choice(  # type: ignore[assignment]
        data, "visibility", VISIBILITIES, default="friends")
    tag = validate.optional_text(data, "tag", MAX_TAG)
    node, store = ctx.node, ctx.node.store
    mood, author, friends = await together(
        store.add_mood(ctx.user, text, visibility, tag, node.clock.now_ms()),
        store.get_user(ctx.user), store.friends(ctx.user))
    # A new mood has no likes or comments: the same decoration holds for every viewer.
    mood.update(author_name=author["display_name"] if author else ctx.user,
                author_portrait=author["head_portrait"] if author else "", likes=0,
                liked=False, comments=[], comment_count=0)
    await node.publish("mood", {"mood": mood},
                       post_audience(mood, mood_audience(ctx.user, visibility, friends)))
    await award(node, ctx.user, "mood.post")
    return {"mood": mood}


async def delete(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    mood_id = validate.identifier(data, "mood_id")
    assert mood_id is not None
    node = ctx.node
    mood = await node.store.get_mood(mood_id)
    if mood is None:
        raise not_found(f"no mood {mood_id}")
    if mood["author"] != ctx.user:
        audience = await mood_audience_of(node, mood)
        if ctx.user not in audience and mood["visibility"] != "public":
            raise not_found(f"no mood {mood_id}")
        raise forbidden("only the author may delete a mood")
    audience = await mood_audience_of(node, mood)
    await node.store.delete_mood(mood_id)
    subject = Subject("mood", mood_id)
    await node.publish(*deletion(subject), audience,
                       notes=notes.on_post_deleted(subject, mood["author"]))
    return {}


HANDLERS: dict[str, Handler] = {"feed": feed, "mood.post": post, "mood.delete": delete}
