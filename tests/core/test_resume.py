"""DESIGN §2 resume: a client that reconnects with `since` gets every inbox event after
it, in order, then live events — no gap, no duplicate; an unusable `since` is reported
as `gap`; without `since` there is no replay and `hello` names the inbox head."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from hub.client import Client, Event
from hub.protocol import make_event_id, parse_event_id
from hub.redis.client import connect
from hub.redis.keys import Keys
from tests.core.conftest import MakeHub
from tests.core.support import Raw, post_mood
from tests.harness import InProcessHub, Users, befriend, eventually
from tests.redis_server import RedisServer

# producers here post hundreds of moods over HTTP with one login: lift the op rate limit
UNLIMITED = {"ops_per_second": 10_000, "ops_burst": 10_000, "user_ops_per_second": 10_000,
             "user_ops_burst": 10_000}


@pytest.fixture
async def hub(make_hub: MakeHub) -> InProcessHub:
    return await make_hub(**UNLIMITED)


def _contiguous(events: list[Event], first: int, last: int) -> None:
    seqs = [e.seq for e in events]
    assert seqs == list(range(first, last + 1)), f"seqs {seqs[:5]}…{seqs[-5:]} not {first}..{last}"
    assert len({e.id for e in events}) == len(events), "duplicate event ids"


def _mood_texts(events: list[Event]) -> list[str]:
    return [e.data["mood"]["text"] for e in events if e.event == "mood"]


async def _head(url: str, token: str | None) -> dict[str, Any]:
    """The inbox head as a fresh connection's `hello` names it."""
    assert token is not None
    raw, hello = await Raw.hello(url, token)
    await raw.close()
    return hello


async def _post_all(url: str, token: str | None, texts: list[str]) -> None:
    assert token is not None
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        for text in texts:
            await post_mood(http, token, text)


async def test_resume_replays_200_missed_events_in_order_then_live(
        hub: InProcessHub, users: Users) -> None:
    reader, friend = await users.new("rd"), await users.new("fr")
    await befriend(reader, friend)
    since = reader.last_id
    assert since is not None
    since_seq = reader.last_seq
    await reader.close()

    missed = [f"m{n}" for n in range(200)]
    await _post_all(hub.url, friend.token, missed)
    head = await _head(hub.url, reader.token)

    live = [f"m{n}" for n in range(200, 300)]
    producer = asyncio.create_task(_post_all(hub.url, friend.token, live))
    back = await Client.connect(hub.url, reader.token, since=since, name="back")
    users.clients.append(back)
    assert back.hello["gap"] is False
    assert back.hello["epoch"] == head["epoch"]
    assert back.hello["replayed"] == back.hello["seq"] - since_seq
    assert back.hello["replayed"] >= len(missed)
    await producer

    final = await _head(hub.url, reader.token)
    await back.next_event(where=lambda e: e.seq == final["seq"], timeout=20)
    _contiguous(back.events_seen, since_seq + 1, int(final["seq"]))
    assert _mood_texts(back.events_seen) == missed + live
    assert back.inbox_events[-1].id == final["last_id"]
    await back.call("ping")  # a round trip behind everything queued: no late duplicate
    assert len(back.events_seen) == int(final["seq"]) - since_seq


async def test_resume_while_events_keep_coming(hub: InProcessHub, users: Users) -> None:
    """Reconnect in the middle of a stream: the replay and the live tail join exactly."""
    reader, friend = await users.new("rs"), await users.new("fs")
    await befriend(reader, friend)
    since, since_seq = reader.last_id, reader.last_seq
    await reader.close()
    texts = [f"s{n}" for n in range(150)]
    producer = asyncio.create_task(_post_all(hub.url, friend.token, texts))
    watcher = await users.tab(friend)  # a live tab of the producer, for pacing
    await watcher.next_event("mood", where=lambda e: e.data["mood"]["text"] == "s40",
                             timeout=20)
    back = await Client.connect(hub.url, reader.token, since=since, name="back")
    users.clients.append(back)
    assert back.hello["gap"] is False
    await producer
    final = await _head(hub.url, reader.token)
    await back.next_event(where=lambda e: e.seq == final["seq"], timeout=20)
    _contiguous(back.events_seen, since_seq + 1, int(final["seq"]))
    assert _mood_texts(back.events_seen) == texts


async def test_no_since_means_no_replay_and_hello_names_the_head(
        hub: InProcessHub, users: Users) -> None:
    reader, friend = await users.new("nr"), await users.new("nf")
    fresh = await _head(hub.url, reader.token)
    assert fresh["seq"] == 0 and fresh["last_id"] == "" and fresh["gap"] is False
    await befriend(reader, friend)
    for n in range(3):
        await friend.call("mood.post", {"text": f"old{n}"})
    await reader.next_event("mood", where=lambda e: e.data["mood"]["text"] == "old2")
    last = reader.inbox_events[-1]
    tab = await users.tab(reader)
    assert tab.hello["seq"] == last.seq and tab.hello["last_id"] == last.id
    assert tab.hello["gap"] is False and tab.hello["replayed"] == 0
    await friend.call("mood.post", {"text": "new"})
    event = await tab.next_event()
    assert event.seq == last.seq + 1 and event.data["mood"]["text"] == "new"
    # nothing from before the head was replayed (a level.up may follow the mood)
    assert all(e.seq > event.seq for e in tab.pending_events())


async def test_since_at_the_head_replays_nothing(hub: InProcessHub, users: Users) -> None:
    reader, friend = await users.new("hr"), await users.new("hf")
    await befriend(reader, friend)
    head = reader.last_seq
    tab = await users.tab(reader, since=reader.last_id)
    assert tab.hello["gap"] is False and tab.hello["replayed"] == 0
    assert tab.hello["seq"] == head
    await friend.call("mood.post", {"text": "after"})
    event = await tab.next_event("mood")
    assert event.seq == head + 1


async def test_since_from_another_epoch_or_garbage_is_a_gap(hub: InProcessHub,
                                                            users: Users) -> None:
    reader, friend = await users.new("gr"), await users.new("gf")
    await befriend(reader, friend)
    assert reader.last_id is not None
    parsed = parse_event_id(reader.last_id)
    assert parsed is not None
    epoch, seq = parsed
    other = ("1" if epoch[0] == "0" else "0") + epoch[1:]
    token = reader.token
    assert token is not None
    for since in (make_event_id(other, seq), make_event_id(other, 1), "garbage", "abc:xyz",
                  ":5", "5", make_event_id(epoch, seq + 50), make_event_id(epoch, 10**30),
                  f"{epoch}:²", f"{epoch}:-1", "x" * 500):
        raw, hello = await Raw.hello(hub.url, token, since=since)
        assert hello["gap"] is True, since
        assert hello["seq"] == seq and hello["epoch"] == epoch, since
        await raw.ping()  # a gap is not an error: the socket is live
        await raw.close()
    # the gap client then starts live from the head
    tab = await users.tab(reader, since="garbage")
    assert tab.hello["gap"] is True and tab.last_id == tab.hello["last_id"]
    await friend.call("mood.post", {"text": "live"})
    assert (await tab.next_event("mood")).seq == seq + 1


async def test_since_older_than_retention_is_a_gap(make_hub: MakeHub, engine: str) -> None:
    hub = await make_hub(inbox_retention=10, **UNLIMITED)
    users = Users(hub.url)
    try:
        reader, friend = await users.new("or"), await users.new("of")
        await befriend(reader, friend)
        since, since_seq = reader.last_id, reader.last_seq
        await reader.close()
        # redis may trim approximately (whole stream nodes), so overshoot there
        count = 30 if engine == "memory" else 250
        await _post_all(hub.url, friend.token, [f"r{n}" for n in range(count)])
        back = await users.tab(reader, since=since)
        head = int(back.hello["seq"])
        assert back.hello["gap"] is True
        assert 10 <= back.hello["replayed"] < head - since_seq
        # what was replayed is the retained tail, contiguous up to the head
        await back.next_event(where=lambda e: e.seq == head)
        _contiguous(back.events_seen, head - back.hello["replayed"] + 1, head)
        await friend.call("mood.post", {"text": "then live"})
        live = await back.next_event("mood", where=lambda e: e.data["mood"]["text"] == "then live")
        assert live.seq == head + 1
    finally:
        await users.close()


@pytest.mark.parametrize("engine", ["redis"])
async def test_an_inbox_reborn_under_a_new_epoch_makes_a_live_tab_resume_with_a_gap(
        make_hub: MakeHub, redis_server: RedisServer, key_prefix: str) -> None:
    """Redis lost b's inbox keys (eviction, a flush) while b was connected: the next
    event starts a new epoch at seq 1. The tab must not drop it as a duplicate of its
    own seq 1; it is closed and resumes, and the hello says gap."""
    hub = await make_hub()
    users = Users(hub.url)
    try:
        a, b = await users.new("ea"), await users.new("eb")
        await befriend(a, b)
        tab = await Client.connect(hub.url, b.token, reconnect=True, name="tab")
        users.clients.append(tab)
        for _ in range(2):
            await a.call("gift.send", {"to": b.name, "gift": "rose"})
            await tab.next_event("gift")
        old_epoch = tab.hello["epoch"]
        keys, client = Keys(key_prefix), connect(redis_server.url)
        try:
            await client.delete(keys.meta(b.name), keys.inbox(b.name))
        finally:
            await client.aclose()
        await a.call("gift.send", {"to": b.name, "gift": "rose"})  # seq 1 of a new epoch

        async def resumed() -> bool:
            return tab.connections == 2
        await eventually(resumed)
        assert tab.hello["gap"] is True and tab.hello["epoch"] != old_epoch
        await a.call("gift.send", {"to": b.name, "gift": "cake"})
        event = await tab.next_event("gift", where=lambda e: e.data["gift"]["animation"] == "cake")
        assert event.id == f"{tab.hello['epoch']}:2"
    finally:
        await users.close()
