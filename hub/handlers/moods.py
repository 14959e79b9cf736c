"""Moods (说说): post, delete, and the feed of own and friends' visible moods. A mood is
public, for friends, private, or for some of the author's friend groups (分组)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub import notes, validate
from hub.channels.audience import post_audience
from hub.errors import forbidden, not_found
from hub.handlers.common import award, decorate
from hub.handlers.posts import (
    MOOD_KINDS,
    audience_of,
    chosen_visibility,
    reached_by,
    readable_by,
    told,
)
from hub.models import Visibility
from hub.subjects import Subject, deletion
from hub.together import together

if TYPE_CHECKING:
    from hub.ops import Context, Handler

MAX_TEXT = 2000
MAX_TAG = 20
ON_THIS_DAY = 20


async def feed(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    before = validate.identifier(data, "before", optional=True)
    limit = validate.limit(data)
    store, me = ctx.node.store, ctx.user
    sources: list[tuple[str, Visibility]] = [
        (me, "public"), (me, "friends"), (me, "private"), (me, "groups")]
    friends = sorted(await store.friends(me))
    # a friend whose space is for themselves alone shows nothing, here as there
    settings, memberships = await together(store.settings_of(friends),
                                           store.memberships(me))
    for friend in friends:
        if settings[friend].space != "me":
            sources += [(friend, "public"), (friend, "friends")]
            if friend in memberships:
                sources.append((friend, "groups"))
    items = readable_by(me, await store.timeline(sources, before, limit), memberships)
    await decorate(ctx.node, items, me)
    return {"items": items, "next": items[-1]["id"] if len(items) == limit else None}


async def post(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    text = validate.text(data, "text", MAX_TEXT)
    tag = validate.optional_text(data, "tag", MAX_TAG)
    visibility, stored, names = await chosen_visibility(ctx, data)
    node, store = ctx.node, ctx.node.store
    mood, author, reached = await together(
        store.add_mood(ctx.user, text, stored, tag, node.clock.now_ms(), groups=names),
        store.get_user(ctx.user), reached_by(ctx, visibility, names))
    # A new mood has no likes or comments: the same decoration holds for every viewer.
    mood.update(author_name=author["display_name"] if author else ctx.user,
                author_portrait=author["head_portrait"] if author else "", likes=0,
                liked=False, comments=[], comment_count=0)
    notified = await told(ctx, Subject("mood", mood["id"]), text,
                          mood["visibility"] == "public", reached, mood["ts"])
    await node.publish("mood", {"mood": mood}, post_audience(mood, reached), notes=notified)
    await award(node, ctx.user, "mood.post")
    return {"mood": mood}


async def on_this_day(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """那年今日: my moods of this month and day in earlier years (UTC), newest first."""
    now = ctx.node.clock.now_ms()
    items = await ctx.node.store.on_this_day(ctx.user, now, ON_THIS_DAY)
    await decorate(ctx.node, items, ctx.user)
    return {"items": items}


async def delete(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    mood_id = validate.identifier(data, "mood_id")
    assert mood_id is not None
    node = ctx.node
    mood = await node.store.get_mood(mood_id)
    if mood is None or mood["kind"] not in MOOD_KINDS:
        raise not_found(f"no mood {mood_id}")
    audience = await audience_of(node, mood)
    if mood["author"] != ctx.user:
        if ctx.user not in audience and mood["visibility"] != "public":
            raise not_found(f"no mood {mood_id}")
        raise forbidden("only the author may delete a mood")
    await node.store.delete_mood(mood_id)
    subject = Subject("mood", mood_id)
    await node.publish(*deletion(subject), audience,
                       notes=notes.on_post_deleted(subject, mood["author"]))
    return {}


HANDLERS: dict[str, Handler] = {"feed": feed, "mood.post": post, "mood.delete": delete,
                                "onthisday": on_this_day}
