"""The Redis ingress stream with two real nodes: each entry reaches its recipients once,
also when the consumer that read it dies before acking; bad entries are set aside."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator, Iterator

import orjson
import pytest
from redis.asyncio import Redis

from hub.client import Client
from hub.redis.client import connect
from hub.redis.keys import INGRESS_GROUP, Keys
from tests.harness import HubProcess, Users, befriend, eventually
from tests.redis_server import RedisServer

# the registration throttle is for real clients: these tests register from one address
NO_THROTTLE = ["--register-per-minute", "0"]

ENV = {"KJ_INGRESS_CLAIM_IDLE": "0.5"}


@pytest.fixture
def nodes(redis_server: RedisServer, key_prefix: str) -> Iterator[tuple[HubProcess, HubProcess]]:
    made = [HubProcess(redis_url=redis_server.url, node_id=f"node-{i}", env=ENV,
                       extra=["--key-prefix", key_prefix, *NO_THROTTLE]) for i in (1, 2)]
    for node in made:
        node.start()
    try:
        yield made[0], made[1]
    finally:
        for node in made:
            node.stop()


@pytest.fixture
async def redis(redis_server: RedisServer) -> AsyncIterator[Redis]:
    client = connect(redis_server.url)
    yield client
    await client.aclose()


@pytest.fixture
async def users(nodes: tuple[HubProcess, HubProcess]) -> AsyncIterator[Users]:
    factory = Users(nodes[0].url)
    yield factory
    await factory.close()


async def produce(redis: Redis, keys: Keys, **fields: object) -> str:
    encoded = {k: v if isinstance(v, str) else orjson.dumps(v) for k, v in fields.items()}
    entry = await redis.xadd(keys.ingress, encoded)  # type: ignore[arg-type]
    return entry.decode()


async def only_once(client: Client, event: str) -> None:
    """`event` arrived, and nothing of that type before the marker that follows it."""
    await client.next_event(event, timeout=10)
    await client.next_event("x.marker", timeout=10)
    await client.expect_no_event(event, within=0)


async def test_entry_reaches_recipients_once(nodes: tuple[HubProcess, HubProcess],
                                             users: Users, redis: Redis, key_prefix: str
                                             ) -> None:
    keys = Keys(key_prefix)
    ann, bob, cat = [await users.new(n) for n in ("ann", "bob", "cat")]
    await befriend(ann, bob)
    await produce(redis, keys, event="notice", friends_of=ann.name, data={"n": 1})
    await produce(redis, keys, event="marker", to=[ann.name, bob.name, cat.name])
    await only_once(bob, "x.notice")
    await ann.next_event("x.marker", timeout=10)
    await cat.next_event("x.marker", timeout=10)
    await ann.expect_no_event("x.notice", within=0)
    await cat.expect_no_event("x.notice", within=0)


async def test_entry_read_by_a_crashed_node_is_delivered_once(
        nodes: tuple[HubProcess, HubProcess], users: Users, redis: Redis,
        key_prefix: str) -> None:
    keys = Keys(key_prefix)
    ann = await users.new("ann")
    start = f"{ann.hello['epoch']}:{ann.hello['seq']}"
    await ann.close()
    by_id = {f"node-{i}": node for i, node in enumerate(nodes, 1)}
    for node in nodes:  # frozen, so nobody acks what it reads
        assert node.proc is not None
        node.proc.send_signal(signal.SIGSTOP)
    await produce(redis, keys, event="notice", to=[ann.name], data={"n": 2})
    pending = await redis.xpending_range(keys.ingress, INGRESS_GROUP, "-", "+", 10)
    if pending:  # a node's blocked XREADGROUP took it: that node now crashes
        reader = pending[0]["consumer"].decode()
        crashed = by_id.pop(reader)
        assert crashed.proc is not None
        crashed.proc.kill()
        crashed.proc.wait(10)
    else:  # nobody was blocked at that instant: a consumer that dies reads it
        read = await redis.xreadgroup(INGRESS_GROUP, "crashed-node", {keys.ingress: ">"})
        assert len(read[0][1]) == 1
    for node in by_id.values():
        assert node.proc is not None
        node.proc.send_signal(signal.SIGCONT)
    survivor = next(iter(by_id.values()))
    resumed = await users.tab(ann, url=survivor.url, since=start)
    event = await resumed.next_event("x.notice", timeout=15)  # claimed by a live node
    assert event.data == {"n": 2}
    await produce(redis, keys, event="marker", to=[ann.name])
    await resumed.next_event("x.marker", timeout=10)
    await resumed.expect_no_event("x.notice", within=0)
    assert (await redis.xpending(keys.ingress, INGRESS_GROUP))["pending"] == 0


async def test_malformed_entries_are_dead_lettered_without_blocking(
        nodes: tuple[HubProcess, HubProcess], users: Users, redis: Redis,
        key_prefix: str) -> None:
    keys = Keys(key_prefix)
    ann = await users.new("ann")
    bad_json = await produce(redis, keys, event="notice", to="[not json")
    no_event = await produce(redis, keys, to=[ann.name])
    unknown = await produce(redis, keys, event="notice", to=["nobody_at_all"])
    not_text = (await redis.xadd(keys.ingress, {"event": b"\xff\xfe", "to": "[]"})).decode()
    await produce(redis, keys, event="after", to=[ann.name], data={"ok": True})
    event = await ann.next_event("x.after", timeout=10)
    assert event.data == {"ok": True}

    async def all_dead_lettered() -> bool:  # the other node may still be on one of them
        return await redis.xlen(keys.ingress_dead) >= 4

    await eventually(all_dead_lettered, timeout=10)
    dead = await redis.xrange(keys.ingress_dead)
    reasons = {f[b"entry"].decode(): f[b"reason"].decode() for _, f in dead}
    assert set(reasons) == {bad_json, no_event, unknown, not_text}
    assert "UTF-8" in reasons[not_text]
    assert "JSON" in reasons[bad_json] and "event" in reasons[no_event]
    assert "nobody_at_all" in reasons[unknown]
    assert (await redis.xpending(keys.ingress, INGRESS_GROUP))["pending"] == 0
