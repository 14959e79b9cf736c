"""RedisBroker against a real redis-server: inbox framing, resume, live feed, presence
across nodes, one command per fan-out, and recovery after Redis goes away."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import pytest

from hub.channels.base import Audience, LiveFrame
from hub.channels.redis import RedisBroker
from hub.errors import EngineUnavailable
from hub.protocol import encode_event_body, frame_event, frame_live_only, seq_of
from hub.redis.client import connect
from hub.redis.keys import Keys
from tests.broker_checks import held_frame_is_checked
from tests.freezing_proxy import FreezingProxy
from tests.harness import eventually, until
from tests.redis_server import RedisServer


class Received:
    """A FrameSink that lets a test wait for frames."""

    def __init__(self) -> None:
        self.frames: list[tuple[str, bytes]] = []
        self._changed = asyncio.Event()
        self.resyncs = 0
        self.resynced = asyncio.Event()
        self.holds: list[int] = []  # the resync count at each hold

    def __call__(self, frames: Sequence[LiveFrame]) -> None:
        for user, seq, frame in frames:
            assert seq == seq_of(frame)  # the broker names each frame's seq
            self.frames.append((user, frame))
        self._changed.set()

    def on_resync(self) -> None:
        self.resyncs += 1
        self.resynced.set()

    def on_hold(self) -> None:
        self.holds.append(self.resyncs)

    async def wait_for(self, n: int, timeout: float = 5.0) -> list[tuple[str, bytes]]:
        async with asyncio.timeout(timeout):
            while len(self.frames) < n:
                self._changed.clear()
                await self._changed.wait()
        return self.frames


BrokerFactory = Callable[..., Any]


@pytest.fixture
async def make_broker(redis_server: RedisServer, key_prefix: str
                      ) -> AsyncIterator[BrokerFactory]:
    made: list[RedisBroker] = []

    async def make(node: str = "n1", retention: int = 1000,
                   sink: Received | None = None) -> tuple[RedisBroker, Received]:
        sink = sink or Received()
        broker = RedisBroker(connect(redis_server.url), Keys(key_prefix), node, retention)
        await broker.start(sink, sink.on_resync)
        made.append(broker)
        return broker, sink

    yield make
    for broker in made:
        await broker.close()


def body(n: int) -> bytes:
    return encode_event_body("mood", 1_700_000_000_000 + n, {"mood": {"id": str(n)}})


async def test_frames_are_protocol_frames_with_contiguous_seq(make_broker: BrokerFactory
                                                              ) -> None:
    broker, sink = await make_broker()
    for user in ("ann", "bob"):
        await broker.subscribe(user)
    for n in range(1, 4):
        await broker.deliver(body(n), ["ann", "bob"] if n != 2 else ["bob"])
    frames = await sink.wait_for(5)
    ann = [f for u, f in frames if u == "ann"]
    bob = [f for u, f in frames if u == "bob"]
    ann_head, bob_head = await broker.head("ann"), await broker.head("bob")
    assert ann == [frame_event(f"{ann_head.epoch}:1", 1, body(1)),
                   frame_event(f"{ann_head.epoch}:2", 2, body(3))]
    assert [seq_of(f) for f in bob] == [1, 2, 3]
    assert bob[1] == frame_event(f"{bob_head.epoch}:2", 2, body(2))
    assert (ann_head.seq, ann_head.last_id) == (2, f"{ann_head.epoch}:2")


async def test_empty_inbox_has_a_stable_epoch(make_broker: BrokerFactory) -> None:
    broker, _ = await make_broker()
    first, again = await broker.head("carol"), await broker.head("carol")
    assert first.seq == 0 and first.last_id == "" and first.epoch == again.epoch
    await broker.deliver(body(1), ["carol"])
    assert (await broker.head("carol")).epoch == first.epoch


async def test_replay_after_an_id_and_gaps(make_broker: BrokerFactory) -> None:
    broker, _ = await make_broker(retention=10)
    for n in range(1, 51):
        await broker.deliver(body(n), ["dan"])
    head = await broker.head("dan")
    recent = await broker.replay("dan", f"{head.epoch}:45")
    assert [seq_of(f) for f in recent.frames] == [46, 47, 48, 49, 50] and not recent.gap
    assert (await broker.replay("dan", head.last_id)).frames == []
    old = await broker.replay("dan", f"{head.epoch}:1")
    assert old.gap and old.frames and seq_of(old.frames[-1]) == 50
    assert len(old.frames) >= 10  # at least the retained count survives trimming
    for since in ("otherepoch:3", "garbage", f"{head.epoch}:999"):
        other = await broker.replay("dan", since)
        assert other.gap and other.frames == []


async def test_a_held_frame_the_inbox_no_longer_holds_voids_its_history(
        make_broker: BrokerFactory) -> None:
    broker, _ = await make_broker(retention=10)
    await held_frame_is_checked(broker, retention=10)
    # Voiding is compare-and-delete on the epoch: a late void of an epoch already
    # replaced leaves the new one alone.
    await broker.deliver(body(1), ["lee"])
    current = await broker.head("lee")
    await broker._void("lee", "0ld3p0ch")
    assert await broker.head("lee") == current


async def test_unsubscribed_users_get_nothing(make_broker: BrokerFactory) -> None:
    broker, sink = await make_broker()
    await broker.subscribe("erin")
    await broker.subscribe("fay")
    await broker.unsubscribe("erin")
    await broker.deliver(body(1), ["erin", "fay"])
    frames = await sink.wait_for(1)
    assert [u for u, _ in frames] == ["fay"]
    await broker.deliver(body(2), ["fay"])  # a marker after anything erin could get
    assert [u for u, _ in await sink.wait_for(2)] == ["fay", "fay"]


async def test_one_command_per_fan_out_whatever_the_audience(
        make_broker: BrokerFactory, redis_server: RedisServer) -> None:
    broker, _ = await make_broker()
    audience = [f"user{i}" for i in range(500)]
    await broker.deliver(body(0), audience)  # scripts loaded, inboxes created
    client = connect(redis_server.url)
    try:
        before = await client.info("commandstats")
        for n in range(1, 11):
            await broker.deliver(body(n), audience)
        after = await client.info("commandstats")
    finally:
        await client.aclose()
    assert after["cmdstat_evalsha"]["calls"] - before["cmdstat_evalsha"]["calls"] == 10
    assert (await broker.head("user499")).seq == 11


async def test_a_checked_fan_out_is_still_one_command(
        make_broker: BrokerFactory, redis_server: RedisServer, key_prefix: str) -> None:
    broker, sink = await make_broker()
    audience = [f"reg{i}" for i in range(300)]
    client = connect(redis_server.url)
    try:
        await client.zadd(Keys(key_prefix).usernames, dict.fromkeys(audience, 0))
        await broker.deliver(body(0), audience)  # scripts loaded, inboxes created
        before = await client.info("commandstats")
        unknown = await broker.deliver(body(1), [*audience, "ghost", "reg0", "spook"],
                                       registered_only=True)
        assert unknown == ["ghost", "spook"]
        assert await broker.deliver(body(2), audience, registered_only=True) == []
        after = await client.info("commandstats")
    finally:
        await client.aclose()
    calls = {name: after[name]["calls"] - before.get(name, {"calls": 0})["calls"]
             for name in after if name != "cmdstat_info"}
    # one EVALSHA each; the rest ran inside the scripts (one ZMSCORE per 1,000 names)
    assert {name: n for name, n in calls.items() if n} == {
        "cmdstat_evalsha": 2, "cmdstat_zmscore": 2, "cmdstat_hget": 300,
        "cmdstat_hincrby": 300, "cmdstat_xadd": 300, "cmdstat_publish": 300}
    assert (await broker.head("reg299")).seq == 2  # the refused event used no seq
    await broker.subscribe("reg7")
    await broker.deliver(body(3), ["reg7"])
    (user, frame), = await sink.wait_for(1)
    assert (user, seq_of(frame)) == ("reg7", 3)


async def test_a_friends_only_fan_out_skips_ex_friends_in_its_one_command(
        make_broker: BrokerFactory, redis_server: RedisServer, key_prefix: str) -> None:
    broker, sink = await make_broker()
    keys = Keys(key_prefix)
    fans = [f"fan{i}" for i in range(200)]
    client = connect(redis_server.url)
    try:
        for fan in fans[1:]:  # fan0 was unfriended after the audience was read
            await client.sadd(keys.friends(fan), "star")
        await broker.deliver(body(0), ["star", *fans])  # scripts loaded, inboxes made
        for user in ("star", "fan0", "fan1"):
            await broker.subscribe(user)
        before = await client.info("commandstats")
        assert await broker.deliver(body(1), Audience.of(["star", *fans], members_of="star")) == []
        after = await client.info("commandstats")
        # the owner need not come first in the audience, nor be in it
        await broker.deliver(body(2), Audience.of([*fans[:3], "star"], members_of="star"))
        await broker.deliver(body(3), Audience.of(fans[:2], members_of="star"))
        with pytest.raises(ValueError, match="do not combine"):
            await broker.deliver(body(4), Audience.of(fans, members_of="star"),
                                 registered_only=True)
    finally:
        await client.aclose()
    assert after["cmdstat_evalsha"]["calls"] - before["cmdstat_evalsha"]["calls"] == 1
    assert after["cmdstat_sismember"]["calls"] - before.get(
        "cmdstat_sismember", {"calls": 0})["calls"] == 200  # the owner is not checked
    frames = await sink.wait_for(5)
    assert sorted((user, seq_of(frame)) for user, frame in frames) == [
        ("fan1", 2), ("fan1", 3), ("fan1", 4), ("star", 2), ("star", 3)]
    assert (await broker.head("fan0")).seq == 1  # only the unguarded event
    assert (await broker.head("fan199")).seq == 2


async def test_a_checked_fan_out_of_thousands_finds_every_unknown(
        make_broker: BrokerFactory, redis_server: RedisServer, key_prefix: str) -> None:
    broker, _ = await make_broker()
    known = [f"many{i}" for i in range(2_500)]
    client = connect(redis_server.url)
    try:
        await client.zadd(Keys(key_prefix).usernames, dict.fromkeys(known, 0))
    finally:
        await client.aclose()
    # unknown names in the first, second and last thousand the script looks up
    audience = [*known[:10], "ghost_a", *known[10:1500], "ghost_b", *known[1500:], "ghost_c"]
    unknown = await broker.deliver(body(1), audience, registered_only=True)
    assert unknown == ["ghost_a", "ghost_b", "ghost_c"]
    assert (await broker.head("many0")).seq == 0  # refused: nothing written
    assert await broker.deliver(body(2), known, registered_only=True) == []
    assert (await broker.head("many2499")).seq == 1


async def test_presence_spans_nodes_and_ignores_dead_ones(
        make_broker: BrokerFactory, redis_server: RedisServer, key_prefix: str) -> None:
    one, _ = await make_broker("node-1")
    two, _ = await make_broker("node-2")
    assert await one.connected("gus") is True
    assert await two.connected("gus") is False  # already online through node-1
    assert await one.online(["gus", "hal"]) == {"gus"}
    assert await one.disconnected("gus") is False  # node-2 still holds gus
    assert await two.disconnected("gus") is True
    assert await two.online(["gus"]) == set()
    keys, client = Keys(key_prefix), connect(redis_server.url)
    try:  # a node that crashed long ago still lists gus, but its heartbeat expired
        await client.zadd(keys.nodes, {"crashed": 1})
        await client.hset(keys.conns("gus"), "crashed", 1)
    finally:
        await client.aclose()
    assert await one.online(["gus"]) == set()
    assert await one.connected("gus") is True


async def test_signal_reaches_subscribed_users_without_seq(make_broker: BrokerFactory) -> None:
    broker, sink = await make_broker()
    await broker.subscribe("ida")
    await broker.signal(b'{"type":"presence","data":{}}', ["ida", "nobody"])
    (user, frame), = await sink.wait_for(1)
    assert user == "ida" and seq_of(frame) is None


async def test_signal_to_many_is_one_command_each_user_once(
        make_broker: BrokerFactory, redis_server: RedisServer) -> None:
    broker, sink = await make_broker()
    users = [f"sig{i}" for i in range(300)]
    for user in users:
        await broker.subscribe(user)
    await broker.signal(b'{"type":"presence","data":{}}', ["sig0"])  # script loaded
    await sink.wait_for(1)
    client = connect(redis_server.url)
    try:
        before = await client.info("commandstats")
        await broker.signal(b'{"type":"presence","data":{"user":"x","online":true}}',
                            [*users, *users[:10]])  # a name twice is still one frame
        after = await client.info("commandstats")
    finally:
        await client.aclose()
    frames = await sink.wait_for(301)
    assert sorted(user for user, _ in frames[1:]) == sorted(users)
    calls = {name: after[name]["calls"] - before.get(name, {"calls": 0})["calls"]
             for name in after if name != "cmdstat_info"}
    assert {name: n for name, n in calls.items() if n} == {
        "cmdstat_evalsha": 1, "cmdstat_publish": 300}


async def test_signal_survives_a_flushed_script_cache(make_broker: BrokerFactory,
                                                      redis_server: RedisServer) -> None:
    broker, sink = await make_broker()
    await broker.subscribe("kai")
    client = connect(redis_server.url)
    try:
        await client.script_flush()  # as after a Redis restart: NOSCRIPT, load, resend
    finally:
        await client.aclose()
    await broker.signal(b'{"type":"presence","data":{}}', ["kai"])
    (user, frame), = await sink.wait_for(1)
    assert user == "kai" and seq_of(frame) is None


async def test_outage_answers_unavailable_then_live_feed_recovers(key_prefix: str) -> None:
    server = RedisServer()  # its own server: this test stops it
    server.start()
    sink = Received()
    broker = RedisBroker(connect(server.url), Keys(key_prefix), "n1", 1000)
    try:
        await broker.start(sink, sink.on_resync, on_hold=sink.on_hold)
        await broker.subscribe("jo")
        assert sink.holds == []
        server.stop()
        async with asyncio.timeout(10):
            with pytest.raises(EngineUnavailable):
                await broker.deliver(body(1), ["jo"])
        assert broker.health()["redis"] == "down"
        await eventually(lambda: _async(broker.health()["listener"] == "reconnecting"))
        with pytest.raises(EngineUnavailable):
            await broker.subscribe("kim")
        server.start()
        async with asyncio.timeout(10):
            await sink.resynced.wait()
        # held once, as the feed was lost (not at each failed reconnect), then resynced
        assert sink.holds == [0] and sink.resyncs == 1
        assert broker.health()["listener"] == "up"
        await broker.deliver(body(2), ["jo"])  # scripts reloaded after the restart
        (user, frame), = await sink.wait_for(1)
        assert user == "jo" and seq_of(frame) == 1
        assert broker.health()["redis"] == "up"
    finally:
        await broker.close()
        server.cleanup()


async def test_a_live_feed_gone_silent_is_dropped_and_reestablished(
        redis_server: RedisServer, key_prefix: str) -> None:
    """The socket stays open but nothing arrives (the host vanished, a NAT forgot the
    flow). TCP would not tell for many minutes; the PING does."""
    proxy = await FreezingProxy(redis_server.port).start()
    sink = Received()
    broker = RedisBroker(connect(proxy.url), Keys(key_prefix), "n1", 1000,
                         live_ping_every=0.25)
    try:
        await broker.start(sink, sink.on_resync)
        await broker.subscribe("jo")
        await broker.deliver(body(1), ["jo"])
        await sink.wait_for(1)
        assert proxy.freeze(lambda flow: b"SUBSCRIBE" in flow.sent) == 1
        await broker.deliver(body(2), ["jo"])  # into the inbox; its live frame is lost
        async with asyncio.timeout(5):
            await sink.resynced.wait()  # so every session catches up from its inbox
        assert sink.resyncs == 1 and broker.health()["listener"] == "up"
        await broker.deliver(body(3), ["jo"])
        frames = await sink.wait_for(2)
        assert [seq_of(frame) for _, frame in frames] == [1, 3]  # 3 came on the new feed
    finally:
        await broker.close()
        await proxy.close()


async def test_a_subscribe_that_times_out_is_taken_back(
        make_broker: BrokerFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its SUBSCRIBE may still reach Redis: left alone, the node would receive (and drop)
    that user's frames until the next visit."""
    broker, _ = await make_broker()
    live = broker._live
    assert live is not None
    taken_back: list[list[bytes]] = []
    never: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def stuck(channels: Any) -> None:
        await never

    monkeypatch.setattr("hub.channels.redis.SUBSCRIBE_TIMEOUT", 0.05)
    monkeypatch.setattr(live, "subscribe", stuck)
    monkeypatch.setattr(live, "unsubscribe", lambda channels: taken_back.append(list(channels)))
    with pytest.raises(EngineUnavailable):
        await broker.subscribe("jo")
    assert taken_back == [[broker.keys.live("jo").encode()]]
    assert broker.health()["subscribed"] == 0


async def test_a_quiet_but_live_feed_is_kept(redis_server: RedisServer, key_prefix: str
                                             ) -> None:
    """No events for many intervals: the PINGs are answered, the feed stays."""
    sink = Received()
    broker = RedisBroker(connect(redis_server.url), Keys(key_prefix), "n1", 1000,
                         live_ping_every=0.25)
    try:
        await broker.start(sink, sink.on_resync)
        await broker.subscribe("jo")
        live = broker._live
        assert live is not None
        pinged = live.last_read
        await until(lambda: live.last_read > pinged + 0.2)  # pongs came
        assert broker._live is live and sink.resyncs == 0
        await broker.deliver(body(1), ["jo"])
        await sink.wait_for(1)
    finally:
        await broker.close()


async def _async(value: bool) -> bool:
    return value


async def test_users_of_a_dead_node_are_announced_offline_once(
        make_broker: BrokerFactory, redis_server: RedisServer, key_prefix: str) -> None:
    offline: list[str] = []
    doomed, _ = await make_broker("doomed")
    survivor, _ = await make_broker("survivor")
    survivor._on_offline = offline.append
    await doomed.connected("lee")  # only on the doomed node
    await doomed.connected("max")
    await survivor.connected("max")  # also here: stays online
    keys, client = Keys(key_prefix), connect(redis_server.url)
    try:  # the doomed node stops beating: its heartbeat is long expired
        await client.zadd(keys.nodes, {"doomed": 1})
    finally:
        await client.aclose()
    await survivor._beat()
    assert await survivor.sweep_dead_nodes() == ["lee"]
    assert offline == ["lee"]
    assert await survivor.online(["lee", "max"]) == {"max"}
    assert await survivor.sweep_dead_nodes() == []  # forgotten: announced once
    await doomed._beat()  # it was only stalled: it comes back and re-registers its users
    assert await survivor.online(["lee", "max"]) == {"lee", "max"}


async def test_an_event_from_a_stranger_is_live_only_in_the_same_command(
        make_broker: BrokerFactory, redis_server: RedisServer, key_prefix: str) -> None:
    """Issue #18: a stranger's flood must not push a user's friends' events out of the
    retained inbox. Recipients who are not the actor's friend get the event published
    without id or seq and written to no inbox, checked in the delivery's one script."""
    broker, sink = await make_broker(retention=10)
    keys = Keys(key_prefix)
    client = connect(redis_server.url)
    try:
        await client.sadd(keys.friends("ann"), "bob", "cat")
        await client.sadd(keys.friends("bob"), "ann")
        await client.sadd(keys.friends("cat"), "ann")
        for user in ("ann", "bob", "sam"):
            await broker.subscribe(user)
        await broker.deliver(body(1), Audience.of(["ann", "bob"], actor="bob"))
        spam = encode_event_body("guestbook", 2, {"entry": {"text": "买买买"}})
        before = await client.info("commandstats")
        await broker.deliver(spam, Audience.of(["ann", "sam"], actor="sam"))
        after = await client.info("commandstats")
        for _ in range(24):
            await broker.deliver(spam, Audience.of(["ann", "sam"], actor="sam"))
        # a stranger's comment on ann's public mood: ann's friends get it live only too
        await broker.deliver(body(3), Audience.of(["ann", "bob", "cat", "sam"], actor="sam"))
        # on a friends-only mood of ann's, by her friend bob: cat is no friend of bob's
        await broker.deliver(body(4), Audience.of(["ann", "bob", "cat"], members_of="ann",
                                                  actor="bob"))
    finally:
        await client.aclose()
    assert after["cmdstat_evalsha"]["calls"] - before["cmdstat_evalsha"]["calls"] == 1
    ann = await broker.head("ann")
    assert ann.seq == 2  # the friend's mood and bob's comment; no spam
    assert [seq_of(f) for f in (await broker.replay("ann", f"{ann.epoch}:0")).frames] == [1, 2]
    assert (await broker.head("sam")).seq == 26
    assert (await broker.head("cat")).seq == 0  # only ever got events live
    frames = await sink.wait_for(2 + 2 * 25 + 3 + 2)
    to_ann = [f for user, f in frames if user == "ann"]
    assert seq_of(to_ann[0]) == 1 and to_ann[1:26] == [frame_live_only(spam)] * 25
    assert seq_of(to_ann[-1]) == 2
    assert [seq_of(f) for user, f in frames if user == "bob"] == [1, None, 2]


async def test_an_audience_for_groups_is_checked_in_the_same_command(
        make_broker: BrokerFactory, redis_server: RedisServer, key_prefix: str) -> None:
    broker, sink = await make_broker()
    keys = Keys(key_prefix)
    client = connect(redis_server.url)
    try:
        for friend in ("bob", "cat", "dan"):
            await client.sadd(keys.friends(friend), "ann")
        await client.sadd(keys.memberships("bob"), "ann\x00同学")
        await client.sadd(keys.memberships("eve"), "ann\x00同学")  # in it, but no friend
        await client.sadd(keys.memberships("dan"), "ann\x00别的组")
        for user in ("ann", "bob", "cat", "dan", "eve"):
            await broker.subscribe(user)
        before = await client.info("commandstats")
        await broker.deliver(body(1), Audience.of(["ann", "bob", "cat", "dan", "eve"],
                                                  members_of="ann", groups={"同学", "家人"}))
        after = await client.info("commandstats")
    finally:
        await client.aclose()
    assert after["cmdstat_evalsha"]["calls"] - before["cmdstat_evalsha"]["calls"] == 1
    frames = await sink.wait_for(2)
    assert sorted(user for user, _ in frames) == ["ann", "bob"]
    assert (await broker.head("dan")).seq == 0 and (await broker.head("eve")).seq == 0
