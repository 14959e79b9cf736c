"""A user's sessions as a whole, in both stores: listing the live ones, ending all but
one, the Redis per-user index (kept by create/delete, pruned, expiring with the last
login), and the memory engine's purge of expired rows (on start, bounded per pass)."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from hub.clock import ManualClock
from hub.redis.keys import Keys
from hub.sessions import SessionPurge
from tests.core.conftest import MakeHub
from tests.core.support import unique_name
from tests.harness import InProcessHub, until

DAY = 86_400_000


def token() -> str:
    return secrets.token_hex(32)


async def test_list_and_end_a_users_sessions(hub: InProcessHub) -> None:
    store, now = hub.node.store, hub.node.clock.now_ms()
    ann, bob = unique_name("sa"), unique_name("sb")
    live = [token() for _ in range(3)]
    for i, hashed in enumerate(live):
        await store.create_session(hashed, ann, now + DAY + i)
    gone = token()
    await store.create_session(gone, ann, now - 1)  # already expired
    theirs = token()
    await store.create_session(theirs, bob, now + DAY)
    assert sorted(await store.user_sessions(ann, now)) == sorted(live)
    await store.delete_session(live[0])
    assert sorted(await store.user_sessions(ann, now)) == sorted(live[1:])
    ended = await store.delete_user_sessions(ann, keep=live[1])
    assert live[2] in ended and live[1] not in ended and theirs not in ended
    assert await store.user_sessions(ann, now) == [live[1]]
    assert await store.session_user(live[1], now) == ann
    assert await store.session_user(live[2], now) is None
    assert await store.user_sessions(bob, now) == [theirs]
    assert await store.delete_user_sessions(ann) == [live[1]]
    assert await store.session_user(live[1], now) is None
    assert await store.delete_user_sessions(ann) == []


@pytest.mark.parametrize("engine", ["redis"])
async def test_the_redis_index_is_pruned_and_expires_with_the_last_login(
        hub: InProcessHub) -> None:
    store, now = hub.node.store, hub.node.clock.now_ms()
    client, keys = store.client, Keys(hub.settings.key_prefix)
    ann = unique_name("ri")
    await store.create_session(token(), ann, now + 3_000)  # expires by Redis's clock
    longer = token()
    await store.create_session(longer, ann, now + DAY)
    index = keys.sessions(ann)
    assert await client.zcard(index) == 2
    ttl = await client.pttl(index)
    assert DAY - 60_000 < ttl <= DAY  # the last login's expiry
    await store.delete_session(longer)
    assert await client.zscore(index, longer) is None
    await store.delete_user_sessions(ann)
    assert not await client.exists(index)


@pytest.mark.parametrize("engine", ["memory"])  # Redis expires sessions itself
async def test_expired_sessions_are_purged_a_bounded_batch_at_a_time(
        hub: InProcessHub) -> None:
    store = hub.node.store
    clock = ManualClock(now_ms=hub.node.clock.now_ms())
    now = clock.now_ms()
    with store.db:
        store.db.executemany("INSERT INTO sessions VALUES (?, ?, ?)",
                             [(token(), "old", now - i) for i in range(1200)])
    kept = token()
    await store.create_session(kept, "new", now + DAY)
    purge = SessionPurge(store, clock, batch=500, batches=2)
    assert await purge.purge() == 1000  # the pass's bound
    assert await purge.purge() == 200
    assert await purge.purge() == 0
    assert await store.session_user(kept, now) == "new"
    assert await store.purge_sessions(now + DAY, 10) == 1


@pytest.mark.parametrize("engine", ["memory"])
async def test_a_node_purges_expired_sessions_when_it_starts(make_hub: MakeHub,
                                                             tmp_path: Path) -> None:
    first = await make_hub(data=tmp_path)
    store, now = first.node.store, first.node.clock.now_ms()
    for _ in range(5):
        await store.create_session(token(), "ann", now - 1)
    live = token()
    await store.create_session(live, "ann", now + DAY)
    await first.stop()
    second = await make_hub(data=tmp_path)
    db = second.node.store.db

    def expired() -> int:
        return int(db.execute("SELECT count(*) FROM sessions WHERE expires <= ?",
                              (now,)).fetchone()[0])

    await until(lambda: expired() == 0)
    assert await second.node.store.session_user(live, now) == "ann"
