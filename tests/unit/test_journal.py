"""The memory broker's journal (`channels/journal.py`) and its group commit: the deliveries
of one event-loop turn are one transaction, nobody sees an event before it is written,
a batch that cannot be written is not delivered, a restart rebuilds exactly the retained
inboxes, and compaction keeps the journal about the size of what they retain."""

from __future__ import annotations

import asyncio
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from hub.channels.base import Audience, LiveFrame
from hub.channels.journal import JournalFailed
from hub.channels.memory import MemoryBroker
from hub.protocol import encode_event_body, frame_event, seq_of
from hub.store.schema import SCHEMA

WAIT = 10.0  # seconds; a failure bound only


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(tmp_path / "journal.db")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(SCHEMA)
    yield conn
    conn.close()


def body(n: int) -> bytes:
    return encode_event_body("mood", 1_700_000_000_000 + n, {"mood": {"id": str(n)}})


async def inbox_of(broker: MemoryBroker, user: str) -> list[bytes]:
    head = await broker.head(user)
    return (await broker.replay(user, f"{head.epoch}:0")).frames


async def test_one_turn_of_deliveries_is_one_transaction(db: sqlite3.Connection) -> None:
    got: list[LiveFrame] = []
    rows_seen_by_sink: list[int] = []

    def sink(frames: object) -> None:
        # Deliver only after commit: every event handed out is in the journal already.
        rows_seen_by_sink.append(db.execute("SELECT count(*) FROM journal").fetchone()[0])
        got.extend(frames)  # type: ignore[arg-type]

    broker = MemoryBroker(retention=100, journal=db)
    await broker.start(sink, lambda: None)
    statements: list[str] = []
    db.set_trace_callback(statements.append)
    tasks = [asyncio.create_task(broker.deliver(body(n), ["ann", "bob"] if n % 2 else ["ann"]))
             for n in range(40)]  # all queued in this turn, before any of them runs
    done = await asyncio.wait_for(asyncio.gather(*tasks), WAIT)
    db.set_trace_callback(None)
    assert done == [[]] * 40  # every waiter answered
    assert sum(s.startswith("BEGIN") for s in statements) == 1
    assert sum(s == "COMMIT" for s in statements) == 1
    assert db.execute("SELECT count(*) FROM journal").fetchone()[0] == 40
    assert rows_seen_by_sink == [40] * 40
    # In the order they were delivered, seqs contiguous per user.
    assert [s for u, s, _ in got if u == "ann"] == list(range(1, 41))
    assert [s for u, s, _ in got if u == "bob"] == list(range(1, 21))
    ann = (await broker.head("ann")).epoch
    assert await inbox_of(broker, "ann") == [
        frame_event(f"{ann}:{n + 1}", n + 1, body(n)) for n in range(40)]
    # One row per event, its recipients and their seqs beside the body.
    last = db.execute("SELECT body, recipients FROM journal ORDER BY id DESC LIMIT 1").fetchone()
    assert last[0] == body(39) and orjson.loads(last[1]) == [["ann", "bob"], [40, 20]]


async def test_the_checks_of_a_batch_read_the_friend_sets_when_it_is_written(
        db: sqlite3.Connection) -> None:
    friends = {"ann": frozenset({"bob"})}
    got: list[tuple[str, int | None]] = []
    broker = MemoryBroker(retention=10, journal=db,
                          friends=lambda u: friends.get(u, frozenset()))
    await broker.start(lambda frames: got.extend((u, s) for u, s, _ in frames), lambda: None)
    task = asyncio.create_task(
        broker.deliver(body(1), Audience.of(["ann", "bob"], members_of="ann")))
    friends["ann"] = frozenset()  # the unfriend lands after the call, before the commit
    assert await asyncio.wait_for(task, WAIT) == []
    assert got == [("ann", 1)]
    assert (await broker.head("bob")).seq == 0


async def test_a_batch_that_cannot_be_written_is_not_delivered(db: sqlite3.Connection) -> None:
    got: list[LiveFrame] = []
    broker = MemoryBroker(retention=10, journal=db)
    await broker.start(got.extend, lambda: None)
    await broker.deliver(body(0), ["ann"])
    before = await broker.head("ann")
    got.clear()
    # As a full disk would: the journal's INSERT fails inside the batch's transaction.
    db.execute("CREATE TEMP TRIGGER full BEFORE INSERT ON journal"
               " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    tasks = [asyncio.create_task(broker.deliver(body(n), ["ann", "cat"])) for n in range(1, 6)]
    results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), WAIT)
    assert all(isinstance(r, JournalFailed) and "disk is full" in str(r) for r in results)
    assert len({id(r) for r in results}) == 5  # one exception per waiter
    assert got == []  # nobody saw anything
    assert await broker.head("ann") == before and (await broker.head("cat")).seq == 0
    assert len(await inbox_of(broker, "ann")) == 1
    assert db.execute("SELECT count(*) FROM journal").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM inbox_epochs WHERE user = 'cat'").fetchone()[0] == 0
    # The seqs the failed batch took were given back: the next event is the next seq.
    db.execute("DROP TRIGGER full")
    await broker.deliver(body(6), ["ann", "cat"])
    assert [(u, s) for u, s, _ in got] == [("ann", 2), ("cat", 1)]
    reopened = MemoryBroker(retention=10, journal=db)
    assert await reopened.head("cat") == await broker.head("cat")  # its epoch was kept


async def test_a_restart_replays_exactly_the_retained_frames(db: sqlite3.Connection) -> None:
    broker = MemoryBroker(retention=5, journal=db)
    await broker.start(lambda frames: None, lambda: None)
    for n in range(12):
        audience = ["ann", "bob"] if n < 3 else ["ann", "cat"] if n % 2 else ["ann"]
        await broker.deliver(body(n), audience)
    await broker.deliver(body(20), ["dan"])
    dan = await broker.head("dan")
    await broker.replay("dan", dan.last_id, holding=b"another frame")  # voids dan's inbox
    await broker.deliver(body(21), ["dan", "eve"])
    await broker.head("fay")  # an inbox with no event yet
    users = ["ann", "bob", "cat", "dan", "eve", "fay"]
    expected = {u: (await broker.head(u), await inbox_of(broker, u)) for u in users}
    await broker.close()

    reopened = MemoryBroker(retention=5, journal=db)
    for user in users:
        head, frames = expected[user]
        assert await reopened.head(user) == head, user  # fay's empty inbox: its epoch too
        assert await inbox_of(reopened, user) == frames, user
    assert [seq_of(f) for f in expected["ann"][1]] == [8, 9, 10, 11, 12]
    assert [seq_of(f) for f in expected["bob"][1]] == [1, 2, 3]
    assert [seq_of(f) for f in expected["dan"][1]] == [1]  # the new epoch's one event
    got: list[tuple[str, int | None]] = []
    await reopened.start(lambda frames: got.extend((u, s) for u, s, _ in frames), lambda: None)
    await reopened.deliver(body(30), ["ann", "bob", "dan"])
    assert got == [("ann", 13), ("bob", 4), ("dan", 2)]  # each inbox goes on from its head


async def test_compaction_keeps_what_is_retained_and_drops_the_rest(
        db: sqlite3.Connection) -> None:
    broker = MemoryBroker(retention=3, journal=db)
    await broker.start(lambda frames: None, lambda: None)
    crowd = [f"u{i}" for i in range(20)]
    await broker.deliver(body(0), ["quiet", *crowd])  # the quiet user's only event
    for n in range(1, 30):
        await broker.deliver(body(n), crowd if n % 3 else crowd[:10])
    await broker.deliver(body(40), ["gone"])
    gone = await broker.head("gone")
    await broker.replay("gone", gone.last_id, holding=b"another frame")  # voided
    users = ["quiet", "gone", *crowd]
    expected = {u: (await broker.head(u), await inbox_of(broker, u)) for u in users}
    while not broker.compact(budget=50):  # bounded passes until nothing is left to do
        pass
    retained = {(u, seq_of(f)) for u in users for f in expected[u][1]}
    rows = [list(zip(*orjson.loads(blob), strict=True))
            for blob, in db.execute("SELECT recipients FROM journal")]
    entries = [entry for row in rows for entry in row]
    assert retained <= set(entries) and len(entries) == broker.journal.entries  # type: ignore[union-attr]
    # No row is kept for nothing, and none is more than half made of released entries.
    assert all(2 * sum(entry in retained for entry in row) > len(row) for row in rows)
    assert len(entries) < 2 * len(retained)
    # The first row keeps the quiet user's entry alone, not its whole audience.
    first = db.execute("SELECT id, recipients FROM journal ORDER BY id LIMIT 1").fetchone()
    assert first[0] == 1 and orjson.loads(first[1]) == [["quiet"], [1]]
    reopened = MemoryBroker(retention=3, journal=db)
    for user in users:
        assert await reopened.head(user) == expected[user][0], user
        assert await inbox_of(reopened, user) == expected[user][1], user


async def test_the_journal_stays_about_as_large_as_the_inboxes(db: sqlite3.Connection) -> None:
    """Compaction runs by itself, a bounded pass after the batches that call for it."""
    broker = MemoryBroker(retention=3, journal=db)
    await broker.start(lambda frames: None, lambda: None)
    crowd = [f"u{i}" for i in range(10)]
    await broker.deliver(body(0), ["quiet", *crowd])
    for n in range(1, 400):
        await broker.deliver(body(n), crowd)
    journal = broker.journal
    assert journal is not None
    retained = 1 + 3 * len(crowd)
    assert journal.entries < 2 * retained  # of the 4,000 entries written
    rows = db.execute("SELECT count(*) FROM journal").fetchone()[0]
    assert rows == journal.rows and rows <= 3 + 1 + 1  # the crowd's 3, quiet's, one dying
    assert orjson.loads(db.execute("SELECT recipients FROM journal WHERE id = 1"
                                   ).fetchone()[0]) == [["quiet"], [1]]


async def test_close_commits_what_is_queued(tmp_path: Path, db: sqlite3.Connection) -> None:
    broker = MemoryBroker(retention=10, journal=db)
    await broker.start(lambda frames: None, lambda: None)
    delivering = asyncio.create_task(broker.deliver(body(1), ["ann"]))
    closing = asyncio.create_task(broker.close())  # runs right after the delivery queued
    await asyncio.wait_for(closing, WAIT)
    db.close()  # as the node closes the store next: a commit left for later would fail
    assert await asyncio.wait_for(delivering, WAIT) == []
    again = sqlite3.connect(tmp_path / "journal.db")
    assert (await MemoryBroker(retention=10, journal=again).head("ann")).seq == 1
    again.close()


@pytest.mark.parametrize("seed", range(4))
async def test_random_deliveries_voids_compactions_and_restarts_agree(
        tmp_path: Path, seed: int) -> None:
    """Whatever mix of deliveries, voided inboxes and compaction passes came before, a
    restart finds every inbox as it was (the journal's row counts never let a row go
    that an inbox still holds)."""
    rng = random.Random(seed)
    users = [f"u{i}" for i in range(8)]
    path = tmp_path / "journal.db"
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)
    broker = MemoryBroker(retention=4, journal=conn)
    await broker.start(lambda frames: None, lambda: None)
    for step in range(400):
        roll = rng.random()
        if roll < 0.8:
            await broker.deliver(body(step), rng.sample(users, rng.randint(1, len(users))))
        elif roll < 0.85:
            user = rng.choice(users)
            head = await broker.head(user)
            if head.seq:
                await broker.replay(user, head.last_id, holding=b"another frame")
        elif roll < 0.95:
            broker.compact(budget=rng.randint(1, 20))
        else:
            expected = {u: (await broker.head(u), await inbox_of(broker, u)) for u in users}
            await broker.close()
            conn.close()
            conn = sqlite3.connect(path)
            broker = MemoryBroker(retention=4, journal=conn)
            await broker.start(lambda frames: None, lambda: None)
            for user in users:
                if expected[user][0].seq:
                    assert await broker.head(user) == expected[user][0], (step, user)
                assert await inbox_of(broker, user) == expected[user][1], (step, user)
    conn.close()
