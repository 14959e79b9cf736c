"""Helpers the domain handlers share: looking users up, awarding points, and the
per-viewer decoration of moods (names, like counts, comments)."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, TypedDict

from hub import levels, notes
from hub.channels.audience import level_audience
from hub.clock import day_of
from hub.errors import ErrorCode, RetryLater, conflict, not_found
from hub.handlers.posts import subject_of_entry
from hub.models import Mood, UserRecord
from hub.store.base import Refused, SpaceQuota
from hub.together import all_of, together

if TYPE_CHECKING:
    from hub.node import Node
    from hub.ops import Context

COMMENTS_PER_MOOD = 20

async def existing_user(ctx: Context, username: str) -> UserRecord:
    user = await ctx.node.store.get_user(username)
    if user is None:
        raise not_found(f"no user '{username}'")
    return user


def space_quota(ctx: Context, owner: str) -> SpaceQuota | None:
    """The cap on `ctx.user`'s writes into `owner`'s space (none into one's own)."""
    limit = ctx.node.settings.space_writes_per_hour
    if owner == ctx.user or limit == 0:
        return None
    return SpaceQuota(owner=owner, author=ctx.user, limit=limit, now_ms=ctx.node.clock.now_ms())


@contextlib.contextmanager
def refusals(owner: str) -> Iterator[None]:
    """Turn a store's `Refused` into the answer that says which bound, and until when."""
    try:
        yield
    except Refused as exc:
        wait = None if exc.retry_after_ms is None else max(1, math.ceil(exc.retry_after_ms / 1000))
        if exc.reason == "space_writes":
            raise RetryLater(ErrorCode.RATE_LIMITED,
                             f"you have written in {owner}'s space as often as an hour allows;"
                             f" try again in {_minutes(wait)}", wait or 1) from None
        if exc.reason == "declined":
            raise RetryLater(ErrorCode.RATE_LIMITED,
                             f"{owner} declined your request; you can ask again in"
                             f" {_minutes(wait)}", wait or 1) from None
        if exc.reason == "pending_out":
            raise conflict("too many of your friend requests are waiting for an answer;"
                           " wait until some are answered") from None
        raise conflict(f"{owner} has too many friend requests waiting; try later") from None


def _minutes(seconds: int | None) -> str:
    if seconds is None or seconds < 60:
        return f"{seconds or 1} s"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} min" if minutes < 120 else f"{math.ceil(minutes / 60)} h"


async def award(node: Node, user: str, action: str) -> None:
    """Grant `action`'s points (within today's cap); announce a level crossed."""
    rule = levels.POINTS[action]
    before, after = await node.store.add_points(
        user, action, day_of(node.clock.now_ms()), rule.points, rule.daily_cap)
    if levels.level_for(after) > levels.level_for(before):
        friends = await node.store.friends(user)
        level = levels.level_for(after)
        await node.publish("level.up", {"user": user, "level": levels.info(after)},
                           level_audience(user, friends),
                           notes=notes.on_level_up(user, level, node.clock.now_ms()))


async def awards(node: Node, *grants: tuple[str, str]) -> None:
    """`award` for each (user, action), together."""
    await all_of(award(node, user, action) for user, action in grants)


class Person(TypedDict):
    display_name: str
    head_portrait: str


async def people(node: Node, usernames: Iterable[str]) -> dict[str, Person]:
    """Display name and head portrait of each user, so a client can draw anyone."""
    users = await node.store.get_users(set(usernames))
    return {name: Person(display_name=u["display_name"], head_portrait=u["head_portrait"])
            for name, u in users.items()}


def person(found: dict[str, Person], username: str) -> Person:
    return found.get(username) or Person(display_name=username, head_portrait="")


async def decorate(node: Node, moods: list[Mood], viewer: str) -> list[Mood]:
    """Add author names and, on every entry that is a subject (not an upload of photos:
    its photos each are), like counts, the viewer's like and recent comments."""
    if not moods:
        return moods
    subjects = {m["id"]: s for m in moods if (s := subject_of_entry(m)) is not None}
    likes, comments = await together(node.store.likes(subjects.values(), viewer),
                                     node.store.comments(subjects.values(), COMMENTS_PER_MOOD))
    authors = {m["author"] for m in moods}
    for items, _ in comments.values():
        authors.update(c["author"] for c in items)
    found = await people(node, authors)
    for mood in moods:
        who = person(found, mood["author"])
        mood["author_name"], mood["author_portrait"] = who["display_name"], who["head_portrait"]
        subject = subjects.get(mood["id"])
        if subject is None:
            continue
        count, liked = likes[subject]
        items, total = comments[subject]
        for comment in items:
            who = person(found, comment["author"])
            comment["author_name"] = who["display_name"]
            comment["author_portrait"] = who["head_portrait"]
        mood["likes"], mood["liked"] = count, liked
        mood["comments"], mood["comment_count"] = items, total
    return moods
