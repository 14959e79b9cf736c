"""The bounds a store checks as it writes (issue #18), the same on both stores: the cap
on writes into another user's space (`SpaceQuota`), pending friend requests and the
cooldown of a declined one (`RequestRules`). A refused write stores nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from hub.redis.client import connect
from hub.redis.keys import Keys
from hub.store.base import Refused, RequestRules, SpaceQuota, Store
from hub.store.redis import RedisStore
from hub.store.sqlite import SqliteStore
from hub.subjects import mood as on
from tests.redis_server import RedisServer

T0 = 1_700_000_400_000  # twenty minutes into an hour (UTC)
HOUR = 3_600_000


@pytest.fixture(params=["sqlite", "redis"])
async def store(request: pytest.FixtureRequest, key_prefix: str) -> AsyncIterator[Store]:
    if request.param == "sqlite":
        made: Store = SqliteStore.open(None)
    else:
        server: RedisServer = request.getfixturevalue("redis_server")
        made = RedisStore(connect(server.url), Keys(key_prefix))
    await made.start()
    yield made
    await made.close()
    if isinstance(made, RedisStore):
        await made.client.aclose()


def quota(now: int = T0, author: str = "pest", limit: int = 3) -> SpaceQuota:
    return SpaceQuota(owner="ann", author=author, limit=limit, now_ms=now)


async def test_space_writes_are_counted_together_and_refused_past_the_cap(store: Store
                                                                          ) -> None:
    mood = await store.add_mood("ann", "公开", "public", "", T0)
    await store.add_entry("ann", "pest", "一", T0, quota=quota())
    await store.add_gift("pest", "ann", "rose", "Rose", "rose", "", T0, quota=quota())
    assert await store.add_comment(on(mood["id"]), "pest", "三", None, T0, quota=quota())
    refusals = []
    for write in (
        store.add_entry("ann", "pest", "四", T0, quota=quota()),
        store.add_gift("pest", "ann", "cake", "Cake", "cake", "", T0, quota=quota()),
        store.add_comment(on(mood["id"]), "pest", "四", None, T0, quota=quota()),
        store.add_request("pest", "ann", quota=quota()),
    ):
        with pytest.raises(Refused) as refused:
            await write
        refusals.append((refused.value.reason, refused.value.retry_after_ms))
    assert refusals == [("space_writes", HOUR - T0 % HOUR)] * 4  # until the next hour
    # nothing refused was stored
    assert [e["text"] for e in await store.entries("ann", 10)] == ["一"]
    assert [g["gift"] for g in await store.gifts("ann", 10)] == ["rose"]
    assert (await store.comments([on(mood["id"])], 10))[on(mood["id"])][1] == 1
    assert await store.requests("ann") == ([], [])
    # another author, and the next window, are not affected
    await store.add_entry("ann", "bob", "我", T0, quota=quota(author="bob"))
    await store.add_entry("ann", "pest", "下一小时", T0 + HOUR, quota=quota(T0 + HOUR))
    assert len(await store.entries("ann", 10)) == 3


async def test_a_comment_on_a_missing_mood_spends_nothing(store: Store) -> None:
    missing = on("424242")
    assert await store.add_comment(missing, "pest", "?", None, T0, quota=quota(limit=1)) is None
    await store.add_entry("ann", "pest", "still allowed", T0, quota=quota(limit=1))


async def test_pending_requests_are_bounded_both_ways(store: Store) -> None:
    rules = RequestRules(now_ms=T0, max_outgoing=2, max_incoming=3)
    assert await store.add_request("ann", "bob", rules=rules)
    assert await store.add_request("ann", "cat", rules=rules)
    assert not await store.add_request("ann", "cat", rules=rules)  # already pending: no error
    with pytest.raises(Refused) as refused:
        await store.add_request("ann", "dan", rules=rules)
    assert (refused.value.reason, refused.value.retry_after_ms) == ("pending_out", None)
    for name in ("cat", "dan", "eve"):
        assert await store.add_request(name, "zoe", rules=rules)
    with pytest.raises(Refused) as refused:
        await store.add_request("fay", "zoe", rules=rules)
    assert refused.value.reason == "pending_in"
    assert await store.requests("ann") == ([], ["bob", "cat"])
    assert (await store.requests("zoe"))[0] == ["cat", "dan", "eve"]
    assert await store.remove_request("ann", "cat")  # an answer frees a place
    assert await store.add_request("ann", "dan", rules=rules)


async def test_a_declined_request_cannot_be_sent_again_for_a_day(store: Store) -> None:
    rules = RequestRules(now_ms=T0)
    assert await store.add_request("ann", "bob", rules=rules)
    assert await store.decline_request("ann", "bob", T0)
    assert not await store.decline_request("ann", "bob", T0)  # nothing pending any more
    assert await store.requests("bob") == ([], [])
    later = RequestRules(now_ms=T0 + 1_000)
    with pytest.raises(Refused) as refused:
        await store.add_request("ann", "bob", rules=later)
    assert (refused.value.reason, refused.value.retry_after_ms) == (
        "declined", later.cooldown_ms - 1_000)
    assert await store.add_request("bob", "ann", rules=later)  # the other way is free
    assert await store.remove_request("bob", "ann")
    assert await store.add_request("ann", "bob", rules=RequestRules(now_ms=T0 + 86_400_000))
