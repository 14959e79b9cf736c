"""Moods (说说): post, delete, and the feed of own and friends' visible moods. A mood is
public, for friends, private, or for some of the author's friend groups (分组)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub import notes, policy, validate
from hub.channels.audience import post_audience
from hub.errors import bad_request, forbidden, not_found
from hub.handlers.common import award, decorate
from hub.handlers.posts import audience_of
from hub.mentions import mentioned
from hub.models import Mood, Visibility
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


def readable_by(viewer: str, moods: list[Mood], memberships: dict[str, set[str]]
                ) -> list[Mood]:
    """Of timeline moods, those a group post's groups let `viewer` read now (the
    timeline selects group posts by author only)."""
    return [m for m in moods if m["author"] == viewer or not (
        groups := policy.groups_of(m["visibility"])) or not groups.isdisjoint(
            memberships.get(m["author"], ()))]


async def post(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    text = validate.text(data, "text", MAX_TEXT)
    visibility = policy.parse_visibility(data.get("visibility"))
    tag = validate.optional_text(data, "tag", MAX_TAG)
    node, store = ctx.node, ctx.node.store
    names: list[str] = []
    if isinstance(visibility, policy.Groups):
        mine = await store.groups(ctx.user)
        unknown = sorted(visibility.names - set(mine))
        if unknown:
            raise bad_request(f"no group named {', '.join(unknown)}; make it with group.set")
        names = sorted(visibility.names)
    stored: Visibility = "groups" if names else visibility  # type: ignore[assignment]
    mood, author, friends, members = await together(
        store.add_mood(ctx.user, text, stored, tag, node.clock.now_ms(), groups=names),
        store.get_user(ctx.user), store.friends(ctx.user),
        store.group_members(ctx.user, names))
    # A new mood has no likes or comments: the same decoration holds for every viewer.
    mood.update(author_name=author["display_name"] if author else ctx.user,
                author_portrait=author["head_portrait"] if author else "", likes=0,
                liked=False, comments=[], comment_count=0)
    reached = policy.audience(ctx.user, visibility, friends, members={n: members for n in names})
    told = await _told(ctx, mood, reached)
    await node.publish("mood", {"mood": mood}, post_audience(mood, reached), notes=told)
    await award(node, ctx.user, "mood.post")
    return {"mood": mood}


async def _told(ctx: Context, mood: Mood, reached: set[str]) -> list[notes.Change]:
    """Who a new mood notifies: those who keep special care for its author, and those
    it @mentions — each only if the mood reaches them (or, public, exists for them)."""
    store, subject, ts = ctx.node.store, Subject("mood", mood["id"]), mood["ts"]
    named = mentioned(mood["text"], author=ctx.user)
    carers, existing = await together(store.carers(ctx.user), store.existing_users(named))
    readers = reached if mood["visibility"] != "public" else reached | existing
    return [*notes.on_care(subject, [u for u in carers if u in reached], ctx.user, ts,
                           mood["text"]),
            *notes.on_mention(subject, [u for u in named if u in readers], ctx.user, ts,
                              mood["text"])]


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
    if mood is None:
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
