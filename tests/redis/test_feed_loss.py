"""The node's live feed drops while Redis stays up (a restarted link, a dropped
connection): what is published once it resubscribes must not pass to a tab before the
catch-up has checked the tab's inbox (after a crash the new frames may take seqs the
tab already has), and the catch-up replays withdrawn moods as `mood.deleted`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import redis as redis_sync

from hub.config import Settings
from tests.harness import InProcessHub, Users, befriend
from tests.redis_server import RedisServer, free_port


@pytest.fixture
async def own_redis() -> AsyncIterator[RedisServer]:
    server = RedisServer()  # its own server: this test kills connections on it
    server.start()
    yield server
    server.cleanup()


async def test_frames_after_a_feed_loss_wait_for_the_checked_catch_up(
        own_redis: RedisServer, key_prefix: str) -> None:
    settings = Settings(port=free_port(), data=None, key_prefix=key_prefix,  # type: ignore[call-arg]
                        redis_url=own_redis.url, presence_grace=0.05, node_id="n1")
    hub = await InProcessHub(settings).start()
    users = Users(hub.url)
    try:
        ann, bob = await users.new("ann"), await users.new("bob")
        await befriend(ann, bob)
        broker = hub.node.broker
        resubscribed, release = asyncio.Event(), asyncio.Event()
        serving = broker._until_serving

        async def until_released() -> None:  # the feed is back, the resync not yet run
            resubscribed.set()
            await release.wait()
            await serving()

        broker._until_serving = until_released
        with redis_sync.Redis.from_url(own_redis.url) as admin:
            assert admin.client_kill_filter(_type="pubsub") >= 1
        async with asyncio.timeout(10):
            await resubscribed.wait()

        gone = (await ann.call("mood.post", {"text": "撤回的说说"}))["mood"]
        await ann.call("mood.delete", {"mood_id": gone["id"]})
        kept = (await ann.call("mood.post", {"text": "留着的"}))["mood"]
        await bob.expect_no_event("mood", within=0.3)  # published live, held
        await bob.expect_no_event("mood.deleted", within=0)

        release.set()
        about_moods = [await bob.next_event(timeout=5, where=lambda e: e.event in (
            "mood", "mood.deleted")) for _ in range(3)]
        assert [(e.event, e.data.get("mood_id") or e.data["mood"]["id"])
                for e in about_moods] == [("mood.deleted", gone["id"]),
                                          ("mood.deleted", gone["id"]), ("mood", kept["id"])]
        assert not any("撤回的说说" in str(e.raw) for e in about_moods)
        assert bob.close_code is None  # checked and live again, not closed
    finally:
        await users.close()
        await hub.stop()
