"""Two real hub processes sharing one Redis: live events and presence cross nodes, and a
Redis outage is survived without restarting either node."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest

from hub.client import Client, KjError
from tests.freezing_proxy import FreezingProxy
from tests.harness import HubProcess, Users, befriend, eventually, healthy
from tests.redis_server import RedisServer

# the registration throttle is for real clients: these tests register from one address
NO_THROTTLE = ["--register-per-minute", "0"]

ENV = {"KJ_PRESENCE_GRACE": "0.05"}


@pytest.fixture
def nodes(redis_server: RedisServer, key_prefix: str) -> Iterator[tuple[HubProcess, HubProcess]]:
    one = HubProcess(redis_url=redis_server.url, node_id="node-1", env=ENV,
                     extra=["--key-prefix", key_prefix, *NO_THROTTLE])
    two = HubProcess(redis_url=redis_server.url, node_id="node-2", env=ENV,
                     extra=["--key-prefix", key_prefix, *NO_THROTTLE])
    one.start()
    two.start()
    try:
        yield one, two
    finally:
        one.stop()
        two.stop()


@pytest.fixture
async def users(nodes: tuple[HubProcess, HubProcess]) -> AsyncIterator[Users]:
    factory = Users(nodes[0].url)
    yield factory
    await factory.close()


async def test_events_cross_nodes_live(nodes: tuple[HubProcess, HubProcess],
                                       users: Users) -> None:
    one, two = nodes
    ann = await users.new("ann", url=one.url)
    bob = await users.new("bob", url=two.url)
    assert ann.hello["node"] == "node-1" and bob.hello["node"] == "node-2"
    await befriend(ann, bob)
    posted = await ann.call("mood.post", {"text": "来自一号节点", "visibility": "friends"})
    event = await bob.next_event("mood", timeout=5)
    assert event.data["mood"]["id"] == posted["mood"]["id"]
    await bob.call("comment.post", {"mood_id": posted["mood"]["id"], "text": "二号收到"})
    comment = await ann.next_event("comment", timeout=5)
    assert comment.data["comment"]["text"] == "二号收到"
    bob_tab_on_one = await users.tab(bob, url=one.url)  # bob's second tab, other node
    await ann.call("like", {"mood_id": posted["mood"]["id"]})
    for tab in (bob, bob_tab_on_one):
        like = await tab.next_event("like", timeout=5)
        assert like.data["likes"] == 1


async def test_presence_crosses_nodes(nodes: tuple[HubProcess, HubProcess],
                                      users: Users) -> None:
    one, two = nodes
    ann = await users.new("ann", url=one.url)
    bob = await users.new("bob", url=two.url)
    await befriend(ann, bob)
    listed = await ann.call("friends.list", {})
    assert [(f["user"], f["online"]) for f in listed["friends"]] == [(bob.name, True)]
    await bob.close()
    offline = await ann.next_presence(timeout=5)
    assert offline == {"user": bob.name, "online": False}
    bob_again = await users.tab(bob, url=one.url)  # back, on the other node
    online = await ann.next_presence(timeout=5)
    assert online == {"user": bob.name, "online": True}
    await bob_again.close()
    assert (await ann.next_presence(timeout=5))["online"] is False


async def test_redis_outage_unavailable_then_live_again_and_nothing_lost(
        key_prefix: str) -> None:
    redis = RedisServer(durable=True)
    redis.start()
    node = HubProcess(redis_url=redis.url, node_id="node-1", env=ENV,
                      extra=["--key-prefix", key_prefix, *NO_THROTTLE]).start()
    users = Users(node.url)
    try:
        ann = await users.new("ann")
        bob = await users.new("bob")
        await befriend(ann, bob)
        before = await ann.call("mood.post", {"text": "before the outage"})
        await bob.next_event("mood", timeout=5)

        redis.stop()
        async with asyncio.timeout(10):  # answered, not hung
            with pytest.raises(KjError) as refused:
                await ann.call("mood.post", {"text": "during the outage"})
        assert refused.value.code == "unavailable"
        assert (await ann.call("ping", {}))["ts"] > 0  # the connection still works

        redis.start()
        await eventually(lambda: healthy(node.url), timeout=15)
        after = await ann.call("mood.post", {"text": "after the outage"})
        event = await bob.next_event("mood", timeout=10)  # live again, same connection
        assert event.data["mood"]["id"] == after["mood"]["id"]
        feed = await bob.call("feed", {})
        ids = [m["id"] for m in feed["items"]]
        assert before["mood"]["id"] in ids and after["mood"]["id"] in ids
        resumed = await Client.connect(node.url, bob.token, since=bob.last_id)
        users.clients.append(resumed)
        assert resumed.hello["gap"] is False
    finally:
        await users.close()
        node.stop()
        redis.cleanup()


async def test_a_live_feed_gone_silent_is_replaced_and_the_event_still_arrives(
        redis_server: RedisServer, key_prefix: str) -> None:
    """The node's pub/sub socket stays open but goes silent: the event published into
    that silence still reaches bob's open tab, through the replaced feed's catch-up."""
    proxy = await FreezingProxy(redis_server.port).start()
    node = HubProcess(redis_url=proxy.url, node_id="node-1",
                      env={**ENV, "KJ_REDIS_PING_INTERVAL": "0.2"},
                      extra=["--key-prefix", key_prefix, *NO_THROTTLE])
    await asyncio.to_thread(node.start)  # the proxy serves on this loop meanwhile
    users = Users(node.url)
    try:
        ann = await users.new("ann")
        bob = await users.new("bob")
        await befriend(ann, bob)
        assert proxy.freeze(lambda flow: b"SUBSCRIBE" in flow.sent) == 1
        posted = await ann.call("mood.post", {"text": "说给寂静听"})
        event = await bob.next_event("mood", timeout=10)
        assert event.data["mood"]["id"] == posted["mood"]["id"]
        after = await ann.call("mood.post", {"text": "新的连接"})
        assert (await bob.next_event("mood", timeout=5)).data["mood"]["id"] == \
            after["mood"]["id"]
    finally:
        await users.close()
        node.stop()
        await proxy.close()

