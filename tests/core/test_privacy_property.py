"""Privacy, property-based (issue #19): over random friend graphs, groups, space
settings and blocks, for a post, a comment on it and a like of it, exactly the users the
rules allow (hub.policy, restated here from DESIGN §3 and §7) got each live, see the
post in their feed and in the author's space, and were notified.

Each example registers fresh users on one in-process hub per engine, so examples share
nothing; the example count is small because each one is a real hub round of ops.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.client import Client
from tests.core.conftest import MakeHub
from tests.core.support import account
from tests.harness import InProcessHub, befriend

N = 5  # users per world: 0 posts; 1..4 look, comment and like
OPEN = {"ops_per_second": 1000, "ops_burst": 1000, "user_ops_per_second": 1000,
        "user_ops_burst": 1000, "space_writes_per_hour": 0}


@dataclass
class World:
    friends: set[int]  # who of 1..4 is the author's friend
    group: set[int]  # the author's one group (friends only)
    blocked: set[int]  # blocked by the author (never friends)
    visibility: str  # "public", "friends", "private", "group"
    space: str  # the author's space setting
    comments: str  # the author's comments setting
    commenter: int  # who comments and likes (if allowed)
    names: list[str] = field(default_factory=list)


@st.composite
def worlds(draw: st.DrawFn) -> World:
    others = st.sets(st.integers(1, N - 1))
    friends = draw(others)
    blocked = draw(others) - friends
    return World(friends=friends, group=draw(others) & friends, blocked=blocked,
                 visibility=draw(st.sampled_from(["public", "friends", "private", "group"])),
                 space=draw(st.sampled_from(["everyone", "friends", "me"])),
                 comments=draw(st.sampled_from(["everyone", "friends"])),
                 commenter=draw(st.integers(1, N - 1)))


def may_read(w: World, viewer: int) -> bool:
    """DESIGN §7 for this world, by hand: the author always; nobody blocked; then the
    space must admit them and the post's visibility too."""
    if viewer == 0:
        return True
    if viewer in w.blocked:
        return False
    friend = viewer in w.friends
    if w.space == "me" or (w.space == "friends" and not friend):
        return False
    return {"public": True, "friends": friend, "private": False,
            "group": friend and viewer in w.group}[w.visibility]


def reached(w: World) -> set[int]:
    """Who the post is delivered to live: the author and the friends it is for."""
    if w.visibility == "private":
        return {0}
    if w.visibility == "group":
        return {0, *w.group}
    return {0, *w.friends}


def may_comment(w: World, viewer: int) -> bool:
    return viewer == 0 or (may_read(w, viewer) and (
        w.comments == "everyone" or viewer in w.friends))


@pytest.fixture
async def world_hub(make_hub: MakeHub) -> AsyncIterator[InProcessHub]:
    yield await make_hub(**OPEN)  # once per engine (make_hub's `engine`)


async def _build(hub: InProcessHub, w: World) -> list[Client]:
    clients = []
    for i in range(N):
        name, token = await account(hub.url, f"pv{i}")
        client = await Client.connect(hub.url, token, name=name)
        client.name = name
        clients.append(client)
    w.names = [c.name or "" for c in clients]
    author = clients[0]
    for i in w.friends:
        await befriend(author, clients[i])
    for i in w.blocked:
        await author.call("block.set", {"user": w.names[i], "on": True})
    if w.visibility == "group":
        await author.call("group.set", {"name": "组", "members": [w.names[i] for i in w.group]})
    await author.call("settings.update", {"space": w.space, "comments": w.comments})
    return clients


async def _sync(clients: list[Client]) -> None:
    """Everything sent before now has reached every client: each posts a private
    marker and waits for it (a user's own events come in order on their channel)."""
    for client in clients:
        marker = (await client.call("mood.post", {"text": "marker", "visibility": "private"}
                                    ))["mood"]
        await client.next_event("mood", where=lambda e, m=marker: e.data["mood"]["id"] == m["id"])


def _got(client: Client, event: str, key: Any) -> bool:
    return any(e.event == event and key(e.data) for e in client.events_seen)


@settings(max_examples=12, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(w=worlds())
async def test_who_gets_sees_and_is_told_is_exactly_whom_the_rules_allow(
        world_hub: InProcessHub, w: World) -> None:
    clients = await _build(world_hub, w)
    try:
        author, commenter = clients[0], clients[w.commenter]
        visibility: Any = {"groups": ["组"]} if w.visibility == "group" else w.visibility
        mood = (await author.call("mood.post", {"text": "世界", "visibility": visibility}
                                  ))["mood"]
        allowed = may_comment(w, w.commenter)
        reply = await commenter.request("comment.post", {"mood_id": mood["id"], "text": "评"})
        like = await commenter.request("like", {"mood_id": mood["id"]})
        assert reply["ok"] is allowed and like["ok"] is allowed, (w, reply, like)
        await _sync(clients)
        for i, client in enumerate(clients):
            live = _got(client, "mood", lambda d: d["mood"]["id"] == mood["id"])
            assert live is (i in reached(w)), ("live mood", i, w)
            feed = [m["id"] for m in (await client.call("feed"))["items"]]
            in_feed = i == 0 or (i in w.friends and may_read(w, i))
            assert (mood["id"] in feed) is in_feed, ("feed", i, w)
            space = await client.request("space.get", {"user": w.names[0]})
            shown = space["ok"] and mood["id"] in [m["id"] for m in space["data"]["moods"]]
            assert shown is may_read(w, i), ("space", i, w)
            if allowed:  # the comment's and the like's events reach the post's audience
                # (+ the commenter); from a stranger to them, live only — still received
                want = i in reached(w) or i == w.commenter
                for event in ("comment", "like"):
                    got = _got(client, event, lambda d: str(
                        d.get("mood_id") or d.get("comment", {}).get("mood_id")) == mood["id"])
                    assert got is want, (event, i, w)
        told = await author.call("notifications.list")
        types = {item["type"] for item in told["items"]
                 if item.get("mood_id") == mood["id"]}
        expected = {"comment", "like"} if allowed and w.commenter != 0 else set()
        assert types == expected, (types, w)
    finally:
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
