"""A Redis that crashes and comes back with less than it acknowledged (the last second
under `appendfsync everysec`; here, a snapshot older than the last events) hands the
lost events' seqs out again, in the same epoch. A tab that had received the lost events
must not take the new events that reuse their seqs for ones it already has: its catch-up
finds its last frame gone from the inbox, the inbox's history is voided (new epoch), and
the tab resumes with `gap`, so the client refetches instead of silently missing events."""

from __future__ import annotations

import httpx
import redis as redis_sync

from hub.client import Client
from hub.config import Settings
from tests.harness import HubProcess, InProcessHub, Users, befriend, eventually, healthy, until
from tests.redis_server import RedisServer, free_port

# the registration throttle is for real clients: these tests register from one address
NO_THROTTLE = ["--register-per-minute", "0"]


async def _post(url: str, token: str | None, text: str) -> None:
    """Over HTTP: ann's own tab is closed by the rollback too (it had the lost events)."""
    async with httpx.AsyncClient() as http:
        response = await http.post(url + "/api/ops/mood.post", json={"text": text},
                                   headers={"Authorization": f"Bearer {token}"}, timeout=5)
    response.raise_for_status()


async def test_a_tab_that_saw_events_redis_then_lost_resumes_with_a_gap(key_prefix: str
                                                                         ) -> None:
    redis = RedisServer()  # its own server: this test crashes it
    redis.start()
    node = HubProcess(redis_url=redis.url, node_id="node-1",
                      extra=["--key-prefix", key_prefix, *NO_THROTTLE]).start()
    users = Users(node.url)
    try:
        ann = await users.new("ann")
        bob = await users.new("bob")
        await befriend(ann, bob)
        await ann.call("mood.post", {"text": "kept"})
        await bob.next_event("mood", timeout=5)
        with redis_sync.Redis.from_url(redis.url) as admin:
            admin.save()  # what the restarted Redis will have
        for text in ("lost one", "lost two"):
            await ann.call("mood.post", {"text": text})
            await bob.next_event("mood", timeout=5)  # delivered live, then lost
        seen = bob.last_id
        assert seen is not None

        redis.crash()
        redis.start()
        await eventually(lambda: healthy(node.url), timeout=15)
        # New events take the lost seqs (and one beyond): to bob's tab they look like
        # two duplicates and the next event.
        for text in ("new one", "new two", "new three"):
            await _post(node.url, ann.token, text)

        assert await bob.wait_closed(timeout=10) == 1011
        assert [e.data["mood"]["text"] for e in bob.pending_events() if e.event == "mood"] == []
        resumed = await Client.connect(node.url, bob.token, since=seen)
        users.clients.append(resumed)
        assert resumed.hello["gap"] is True
        feed = await resumed.call("feed", {})  # what the client refetches on a gap
        assert {m["text"] for m in feed["items"]} >= {"kept", "new one", "new two",
                                                      "new three"}
        await _post(node.url, ann.token, "after")
        assert (await resumed.next_event("mood", timeout=5)).data["mood"]["text"] == "after"
    finally:
        await users.close()
        node.stop()
        redis.cleanup()


async def test_a_tab_told_a_lost_head_resumes_with_a_gap(key_prefix: str) -> None:
    """A page load after the lost events gets no frame, only the head; it keeps the
    head's frame, so its catch-up can tell the seq was handed out again even when new
    events refilled the lost seqs before it ran (a backlog of catch-ups, here the
    node's 32 slots held)."""
    redis = RedisServer()
    redis.start()
    hub = await InProcessHub(Settings(  # type: ignore[call-arg]
        port=free_port(), data=None, redis_url=redis.url, key_prefix=key_prefix,
        presence_grace=0.05, node_id="n1")).start()
    users = Users(hub.url)
    node = hub.node
    try:
        ann, bob = await users.new("ann"), await users.new("bob")
        await befriend(ann, bob)
        await ann.call("mood.post", {"text": "kept"})
        with redis_sync.Redis.from_url(redis.url) as admin:
            admin.save()
        for text in ("lost one", "lost two"):
            await ann.call("mood.post", {"text": text})
            await bob.next_event("mood", timeout=5)
        await bob.close()
        fresh = await users.tab(bob)  # no since: told the head, given no frame
        told = fresh.hello["last_id"]

        slots = node._catch_up_slots
        for _ in range(32):
            await slots.acquire()
        resyncs = node.metrics.resyncs.value
        redis.crash()
        redis.start()
        await until(lambda: node.metrics.resyncs.value > resyncs, timeout=15)
        for text in ("new one", "new two", "new three"):  # refill the lost seqs, and one
            await _post(hub.url, ann.token, text)
        for _ in range(32):
            slots.release()

        assert await fresh.wait_closed(timeout=10) == 1011
        assert [e.data["mood"]["text"] for e in fresh.pending_events()
                if e.event == "mood"] == []
        resumed = await users.tab(bob, since=told)
        assert resumed.hello["gap"] is True
    finally:
        await users.close()
        await hub.stop()
        redis.cleanup()
