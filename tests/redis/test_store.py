"""RedisStore against a real redis-server: every Store method, the same answers as the
SQLite store for the same calls, atomicity under concurrent calls, paging, the keys a
deleted mood leaves behind (none), session expiry, and an outage and recovery."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from hub.clock import DAY_MS
from hub.errors import EngineUnavailable
from hub.models import Comment, UserRecord, Visibility
from hub.redis.client import connect
from hub.redis.keys import Keys
from hub.store.base import Store
from hub.store.redis import RedisStore
from hub.store.redis_social import POINTS_DAY_TTL, SCRIPTS
from hub.store.sqlite import SqliteStore
from hub.subjects import mood as on
from tests.redis_server import RedisServer

T0 = 1_700_000_000_000  # a timestamp; stores never read the clock themselves


def record(name: str, points: int = 0) -> UserRecord:
    return UserRecord(username=name, display_name=name.title(), password_hash="h$" + name,
                      created=T0, signature="", head_portrait="cat", skin="classic",
                      music="none", points=points)


@pytest.fixture
async def client(redis_server: RedisServer) -> AsyncIterator[Redis]:
    redis = connect(redis_server.url)
    yield redis
    await redis.aclose()


@pytest.fixture
async def store(client: Redis, key_prefix: str) -> RedisStore:
    made = RedisStore(client, Keys(key_prefix))
    await made.start()
    return made


async def keys_under(client: Redis, prefix: str) -> set[str]:
    return {k.decode() async for k in client.scan_iter(match=f"{prefix}:*", count=1000)}


# -- the same answers as the SQLite store ----------------------------------------------

async def scenario(store: Store) -> list[Any]:
    """A seeded mix of every operation; returns everything the store answered."""
    rnd = random.Random(7)
    out: list[Any] = []
    names = ["ann", "bob", "cat", "dan", "a_b", "axb", "eve"]
    for name in names:
        out.append(await store.create_user(record(name)))
    out.append(await store.create_user(record("ann", points=99)))
    out.append(await store.get_user("ann"))
    out.append(await store.get_user("nobody"))
    out.append(await store.get_users(["ann", "bob", "nobody", "ann"]))
    out.append(await store.get_users([]))
    out.append(await store.update_user("bob", {"signature": "hi", "skin": "sakura"}))
    out.append(await store.update_user("bob", {}))
    out.append(await store.update_user("nobody", {"signature": "x"}))
    for prefix, limit in [("a", 10), ("a_", 10), ("A", 10), ("", 3), ("", -1), ("zz", 5),
                          ("a", 0), ("%", 5)]:
        out.append(await store.search_users(prefix, limit))

    out += [await store.add_request("ann", "bob"), await store.add_request("ann", "bob"),
            await store.add_request("cat", "ann"), await store.add_request("ann", "dan"),
            await store.requests("ann"), await store.requests("bob"),
            await store.remove_request("ann", "dan"), await store.remove_request("ann", "dan"),
            await store.add_friendship("bob", "ann"), await store.add_friendship("ann", "bob"),
            await store.requests("ann"), await store.requests("bob"),
            await store.add_friendship("ann", "cat"), await store.add_friendship("dan", "eve"),
            await store.remove_friendship("dan", "eve"),
            await store.remove_friendship("dan", "eve")]
    for name in names:
        out.append(sorted(await store.friends(name)))

    visibilities: list[Visibility] = ["public", "friends", "private"]
    moods = []
    for i in range(40):
        mood = await store.add_mood(rnd.choice(names[:4]), f"mood {i}",
                                    rnd.choice(visibilities), rnd.choice(["", "sun"]),
                                    T0 + i)
        moods.append(mood["id"])
        out.append(mood)
    out.append(await store.get_mood(moods[3]))
    out.append(await store.get_mood("999999"))
    comments: list[Comment] = []
    for i in range(60):
        mood_id = rnd.choice(moods[:10])
        earlier = [c for c in comments if c["mood_id"] == mood_id]
        reply_to = rnd.choice(earlier)["id"] if earlier and rnd.random() < 0.4 else None
        comment = await store.add_comment(on(mood_id), rnd.choice(names), f"c{i}", reply_to,
                                          T0 + 100 + i)
        comments.append(comment)
        out.append(comment)
    out.append(await store.get_comment(comments[5]["id"]))
    out.append(await store.get_comment("999999"))
    for _ in range(80):
        mood_id, user = rnd.choice(moods[:12]), rnd.choice(names)
        action = store.like if rnd.random() < 0.7 else store.unlike
        out.append(await action(on(mood_id), user))
    out.append(await store.comments(list(map(on, moods[:15])), 3))
    out.append(await store.comments(list(map(on, moods[:3])), 0))
    out.append(await store.comments([on(moods[1]), on(moods[1]), on(str(int(moods[0])))], 2))
    out.append(await store.comments([], 3))
    out.append(await store.likes(list(map(on, moods[:15])), "ann"))
    out.append(await store.likes([], "ann"))

    out.append(await store.delete_mood(moods[2]))
    out.append(await store.delete_mood(moods[2]))
    out.append(await store.get_mood(moods[2]))
    sources: list[list[tuple[str, Visibility]]] = [
        [("ann", "public"), ("ann", "friends"), ("ann", "private"),
         ("bob", "public"), ("bob", "friends")],
        [("cat", "public"), ("cat", "public"), ("dan", "private")],
        [("eve", "public")],
        [],
    ]
    for srcs in sources:
        for limit in (1, 4, 100):
            before: str | None = None
            while True:
                page = await store.timeline(srcs, before, limit)
                out.append(page)
                if len(page) < limit:
                    break
                before = page[-1]["id"]
        out.append(await store.timeline(srcs, "7", 100))
        out.append(await store.timeline(srcs, None, 0))
        out.append(await store.timeline(srcs, "30", -1))  # SQL: a negative LIMIT is none

    for i in range(12):
        frm, to = rnd.sample(names, 2)
        out.append(await store.add_gift(frm, to, "rose", "Rose", "petals", f"m{i}", T0 + i))
        out.append(await store.add_entry(to, frm, f"entry {i}", T0 + i))
    for name in names:
        out += [await store.gifts(name, 3), await store.gifts(name, -1),
                await store.entries(name, 2), await store.entries(name, 0)]

    for i in range(40):
        visitor = rnd.choice(names)
        ts = T0 + rnd.choice([0, 1, 1, 2, DAY_MS, DAY_MS + 5]) + (i // 10) * DAY_MS
        out.append(await store.add_visit("ann", visitor, ts))
    for limit in (1, 2, 3, 5, 100, 0, -1):
        out.append(await store.visitors("ann", limit))

    for i in range(30):
        kind = rnd.choice(["mood.post", "visit.received"])
        out.append(await store.add_points(rnd.choice([*names, "ghost"]), kind,
                                          19_000 + i // 10, rnd.randint(1, 5), 12))
    out.append(await store.get_users(names))
    return out


async def test_answers_like_the_sqlite_store(store: RedisStore) -> None:
    reference = SqliteStore.open(None)
    try:
        expected = await scenario(reference)
    finally:
        await reference.close()
    got = await scenario(store)
    assert len(got) == len(expected)
    for i, (mine, theirs) in enumerate(zip(got, expected, strict=True)):
        assert mine == theirs, f"answer {i} differs"


# -- accounts and sessions ----------------------------------------------------------------

async def test_accounts(store: RedisStore, client: Redis, key_prefix: str) -> None:
    assert await store.create_user(record("ann"))
    assert not await store.create_user(record("ann", points=5))
    assert await store.get_user("ann") == record("ann")
    assert await store.get_user("") is None
    assert await store.get_user("{x}") is None
    assert await store.get_users(["ann", "", "zed"]) == {"ann": record("ann")}
    updated = await store.update_user("ann", {"display_name": "Annie"})
    assert updated is not None and updated["display_name"] == "Annie"
    assert await store.update_user("zed", {"display_name": "Z"}) is None
    assert not await client.exists(Keys(key_prefix).user("zed"))


async def test_one_winner_when_registering_a_name_concurrently(store: RedisStore) -> None:
    attempts = [record("kim", points=i) for i in range(50)]
    created = await asyncio.gather(*(store.create_user(r) for r in attempts))
    assert created.count(True) == 1
    assert await store.get_user("kim") == attempts[created.index(True)]
    assert await store.search_users("kim", 10) == ["kim"]


async def test_sessions_expire(store: RedisStore, client: Redis, key_prefix: str) -> None:
    now = time.time_ns() // 1_000_000
    await store.create_session("tok", "ann", now + 60_000)
    assert await store.session_user("tok", now) == "ann"
    assert await store.session_user("tok", now + 59_999) == "ann"
    assert await store.session_user("tok", now + 60_000) is None
    ttl = await client.pttl(Keys(key_prefix).session("tok"))
    assert 0 < ttl <= 60_000
    await store.create_session("tok", "bob", now + 120_000)  # replaced
    assert await store.session_user("tok", now) == "bob"
    await store.delete_session("tok")
    assert await store.session_user("tok", now) is None
    await store.create_session("old", "ann", now - 1)  # already expired: gone at once
    assert await store.session_user("old", now - 10) is None
    # ann's index of logins still lists "tok", whose session bob's replaced: ending
    # ann's logins drops the entry and leaves bob's (deleted) session alone
    assert await store.delete_user_sessions("ann") == []
    assert await keys_under(client, key_prefix) == set()


# -- friends ------------------------------------------------------------------------------

async def test_friendship_is_made_once(store: RedisStore) -> None:
    assert await store.add_request("ann", "bob")
    assert await store.add_request("bob", "ann")
    made = await asyncio.gather(*(store.add_friendship(*pair)
                                  for pair in [("ann", "bob"), ("bob", "ann")] * 25))
    assert made.count(True) == 1
    assert await store.friends("ann") == {"bob"}
    assert await store.friends("bob") == {"ann"}
    assert await store.requests("ann") == ([], [])
    assert await store.requests("bob") == ([], [])
    removed = await asyncio.gather(*(store.remove_friendship("ann", "bob") for _ in range(20)))
    assert removed.count(True) == 1
    assert await store.friends("ann") == set()


# -- moods, comments, likes ---------------------------------------------------------------

async def test_ids_grow_with_creation(store: RedisStore) -> None:
    moods = await asyncio.gather(*(store.add_mood("ann", f"m{i}", "public", "", T0)
                                   for i in range(30)))
    ids = sorted(int(m["id"]) for m in moods)
    assert ids == list(range(ids[0], ids[0] + 30))
    later = await store.add_mood("ann", "later", "public", "", T0)
    assert int(later["id"]) > ids[-1]
    feed = await store.timeline([("ann", "public")], None, 100)
    assert [m["id"] for m in feed] == [later["id"], *(str(i) for i in reversed(ids))]


async def test_timeline_pages_with_before(store: RedisStore) -> None:
    sources: list[tuple[str, Visibility]] = [("ann", "public"), ("ann", "private"),
                                             ("bob", "friends")]
    expected = []
    for i in range(25):
        author, visibility = [("ann", "public"), ("ann", "private"), ("bob", "friends"),
                              ("bob", "public"), ("cat", "friends")][i % 5]
        mood = await store.add_mood(author, f"m{i}", visibility, "", T0 + i)  # type: ignore[arg-type]
        if (author, visibility) in sources:
            expected.append(mood)
    expected.reverse()
    pages, before = [], None
    while True:
        page = await store.timeline(sources, before, 4)
        pages.append(page)
        if len(page) < 4:
            break
        before = page[-1]["id"]
    assert [m for page in pages for m in page] == expected
    assert [len(p) for p in pages] == [4, 4, 4, 3]
    assert await store.timeline(sources, expected[-1]["id"], 4) == []
    assert await store.timeline([], None, 4) == []
    # ids compare as integers: "9" < "10"
    assert [m["id"] for m in await store.timeline(sources, "10", 100)] == [
        m["id"] for m in expected if int(m["id"]) < 10]


async def test_comments_keep_the_latest_per_mood(store: RedisStore) -> None:
    one = await store.add_mood("ann", "one", "public", "", T0)
    two = await store.add_mood("ann", "two", "public", "", T0)
    made = [await store.add_comment(on(one["id"]), "bob", f"c{i}", None, T0 + i) for i in range(5)]
    reply = await store.add_comment(on(one["id"]), "ann", "re", made[1]["id"], T0 + 9)
    assert reply["reply_to"] == made[1]["id"]
    assert await store.get_comment(reply["id"]) == reply
    got = await store.comments([on(one["id"]), on(two["id"])], 3)
    assert got == {on(one["id"]): ([*made[3:], reply], 6), on(two["id"]): ([], 0)}


async def test_one_like_per_user_under_concurrency(store: RedisStore) -> None:
    mood = await store.add_mood("ann", "m", "public", "", T0)
    results = await asyncio.gather(*(store.like(on(mood["id"]), "bob") for _ in range(50)))
    assert [changed for changed, _ in results].count(True) == 1
    assert {count for _, count in results} == {1}
    results = await asyncio.gather(*(store.like(on(mood["id"]), f"u{i}") for i in range(50)))
    assert all(changed for changed, _ in results)
    assert sorted(count for _, count in results) == list(range(2, 52))
    results = await asyncio.gather(*(store.unlike(on(mood["id"]), "bob") for _ in range(20)))
    assert [changed for changed, _ in results].count(True) == 1
    assert await store.likes([on(mood["id"])], "bob") == {on(mood["id"]): (50, False)}
    assert await store.likes([on(mood["id"])], "u3") == {on(mood["id"]): (50, True)}


async def test_liking_a_missing_mood_stores_nothing(store: RedisStore, client: Redis,
                                                    key_prefix: str) -> None:
    assert await store.like(on("12345"), "bob") == (False, 0)
    assert await store.unlike(on("12345"), "bob") == (False, 0)
    assert await keys_under(client, key_prefix) == set()


async def test_deleting_a_mood_leaves_no_keys(store: RedisStore, client: Redis,
                                              key_prefix: str) -> None:
    keys = Keys(key_prefix)
    keep = await store.add_mood("ann", "keep", "friends", "", T0)
    kept_comment = await store.add_comment(on(keep["id"]), "bob", "stays", None, T0)
    await store.like(on(keep["id"]), "bob")
    before = await keys_under(client, key_prefix)
    mood = await store.add_mood("ann", "gone", "friends", "", T0)
    comments = [await store.add_comment(on(mood["id"]), "bob", f"c{i}", None, T0)
                for i in range(5)]
    for user in ("bob", "cat"):
        await store.like(on(mood["id"]), user)
    assert await store.delete_mood(mood["id"])
    assert not await store.delete_mood(mood["id"])
    assert await store.get_mood(mood["id"]) is None
    assert [await store.get_comment(c["id"]) for c in comments] == [None] * 5
    assert await keys_under(client, key_prefix) == before
    assert await client.zrange(keys.moods("ann", "friends"), 0, -1) == [keep["id"].encode()]
    assert await store.comments([on(keep["id"])], 5) == {on(keep["id"]): ([kept_comment], 1)}
    assert await store.likes([on(keep["id"])], "bob") == {on(keep["id"]): (1, True)}


async def test_deleting_a_mood_while_it_is_commented(store: RedisStore, client: Redis,
                                                     key_prefix: str) -> None:
    mood = await store.add_mood("ann", "busy", "public", "", T0)
    for i in range(10):
        await store.add_comment(on(mood["id"]), "bob", f"early {i}", None, T0)

    async def comment(i: int) -> None:
        await store.add_comment(on(mood["id"]), "bob", f"late {i}", None, T0)

    deleted, *_ = await asyncio.gather(store.delete_mood(mood["id"]),
                                       *(comment(i) for i in range(40)))
    assert deleted
    left = await keys_under(client, key_prefix)
    assert left == {Keys(key_prefix).ids}  # no mood keys, no comment hashes, no timeline


async def test_a_comment_flood_cannot_starve_a_deletion(
        store: RedisStore, client: Redis, key_prefix: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A comment lands before every attempt of the delete script (ops over HTTP are not
    rate-limited, and anyone may comment on a public mood): the deletion still goes
    through, and what arrives once it has begun is refused."""
    mood = await store.add_mood("ann", "spammed", "public", "", T0)
    await store.add_comment(on(mood["id"]), "bob", "before", None, T0)
    script = store.pipe.script
    refused: list[object] = []

    async def flooded(lua: Any, keys: Any, args: Any, **kw: Any) -> Any:
        if lua is SCRIPTS["delete_mood"]:
            refused.append(await store.add_comment(on(mood["id"]), "bob", "spam", None, T0))
        return await script(lua, keys, args, **kw)

    monkeypatch.setattr(store.pipe, "script", flooded)
    assert await store.delete_mood(mood["id"])
    assert refused == [None]  # one attempt was enough, and its comment was refused
    assert await keys_under(client, key_prefix) == {Keys(key_prefix).ids}


# -- gifts, guestbook, visits, points ---------------------------------------------------

async def test_gifts_and_guestbook_newest_first(store: RedisStore) -> None:
    gifts = [await store.add_gift("bob", "ann", "rose", "Rose", "petals", f"m{i}", T0 + i)
             for i in range(4)]
    assert await store.gifts("ann", 3) == gifts[:0:-1]
    assert await store.gifts("ann", 0) == []
    assert await store.gifts("bob", 3) == []
    entries = [await store.add_entry("ann", "bob", f"e{i}", T0 + i) for i in range(3)]
    assert await store.entries("ann", 10) == entries[::-1]


async def test_visits(store: RedisStore) -> None:
    assert await store.add_visit("ann", "bob", T0)
    assert not await store.add_visit("ann", "bob", T0 + 1)
    assert await store.add_visit("ann", "bob", T0 + DAY_MS)
    firsts = await asyncio.gather(*(store.add_visit("ann", "cat", T0 + 5) for _ in range(30)))
    assert firsts.count(True) == 1
    for name in ("zed", "dan", "eve", "amy"):
        await store.add_visit("ann", name, T0 + 7)
    assert await store.visitors("ann", 3) == [
        {"user": "bob", "ts": T0 + DAY_MS}, {"user": "amy", "ts": T0 + 7},
        {"user": "dan", "ts": T0 + 7}]
    assert [v["user"] for v in await store.visitors("ann", 100)] == [
        "bob", "amy", "dan", "eve", "zed", "cat"]


async def test_points_respect_the_daily_cap(store: RedisStore, client: Redis,
                                            key_prefix: str) -> None:
    await store.create_user(record("ann"))
    assert await store.add_points("ann", "mood.post", 100, 5, 12) == (0, 5)
    assert await store.add_points("ann", "mood.post", 100, 5, 12) == (5, 10)
    assert await store.add_points("ann", "mood.post", 100, 5, 12) == (10, 12)
    assert await store.add_points("ann", "mood.post", 100, 5, 12) == (12, 12)
    assert await store.add_points("ann", "gift.received", 100, 5, 12) == (12, 17)
    assert await store.add_points("ann", "mood.post", 101, 5, 12) == (17, 22)
    user = await store.get_user("ann")
    assert user is not None and user["points"] == 22
    ttl = await client.ttl(Keys(key_prefix).points_day("ann", 100))
    assert POINTS_DAY_TTL - 60 < ttl <= POINTS_DAY_TTL
    # no account: the grant is reported, nothing creates a partial account
    assert await store.add_points("ghost", "mood.post", 100, 5, 12) == (0, 5)
    assert await store.get_user("ghost") is None


async def test_concurrent_points_never_pass_the_cap(store: RedisStore) -> None:
    await store.create_user(record("ann"))
    results = await asyncio.gather(*(store.add_points("ann", "visit", 7, 3, 20)
                                     for _ in range(50)))
    grants = [after - before for before, after in results]
    assert sum(grants) == 20 and all(0 <= g <= 3 for g in grants)
    chain = sorted(results)
    assert chain[0][0] == 0 and chain[-1][1] == 20
    user = await store.get_user("ann")
    assert user is not None and user["points"] == 20


# -- lifecycle and outages ----------------------------------------------------------------

async def test_health_and_close(store: RedisStore, client: Redis) -> None:
    assert store.health() == {"engine": "redis", "redis": "up", "error": ""}
    await store.close()
    assert await client.ping()  # the shared client stays open for the broker


async def test_outage_answers_unavailable_then_recovers(
    store: RedisStore, redis_server: RedisServer
) -> None:
    assert await store.create_user(record("ann"))
    redis_server.stop()
    try:
        async with asyncio.timeout(5):
            with pytest.raises(EngineUnavailable):
                await store.get_user("ann")
            with pytest.raises(EngineUnavailable):
                await store.like(on("1"), "ann")
        health = store.health()
        assert health["redis"] == "down" and health["error"]
    finally:
        redis_server.start()
    # Asking for health while down probes Redis, so it recovers without other traffic.
    assert store.health()["redis"] == "down" and store.probe is not None
    async with asyncio.timeout(5):
        await store.probe
    assert store.health() == {"engine": "redis", "redis": "up", "error": ""}
    async with asyncio.timeout(5):
        # The restarted server kept nothing, not even the scripts: they are reloaded.
        assert await store.create_user(record("bob"))
        mood = await store.add_mood("bob", "back", "public", "", T0)
        assert await store.like(on(mood["id"]), "ann") == (True, 1)
        assert await store.add_points("bob", "mood.post", 1, 2, 10) == (0, 2)
        assert await store.timeline([("bob", "public")], None, 5) == [mood]
    assert store.health() == {"engine": "redis", "redis": "up", "error": ""}
