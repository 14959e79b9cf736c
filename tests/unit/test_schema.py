"""The memory engine's data file: foreign or newer files are refused clearly."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from hub.store.schema import SCHEMA_VERSION, CorruptData
from hub.store.sqlite import SqliteStore
from hub.subjects import Subject


def test_a_new_file_gets_the_schema_and_its_version(tmp_path: Path) -> None:
    store = SqliteStore.open(tmp_path / "k.db")
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    store.db.close()
    SqliteStore.open(tmp_path / "k.db").db.close()  # and opens again


def test_a_foreign_table_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "k.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE users (id INTEGER, name TEXT)")
    with pytest.raises(CorruptData, match="table 'users' that is not Kongjian's"):
        SqliteStore.open(path)


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "k.db"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(CorruptData, match="newer Kongjian"):
        SqliteStore.open(path)


def test_a_schema_1_file_moves_to_subjects_keeping_its_comments_and_likes(
        tmp_path: Path) -> None:
    """Schema 1 (every Kongjian before comments and likes had subjects) is migrated in
    place: its moods' comments and likes read the same through the new store."""
    path = tmp_path / "k.db"
    with sqlite3.connect(path) as conn:
        conn.executescript((Path(__file__).parent / "data" / "schema_v1.sql").read_text())
        conn.execute("INSERT INTO moods VALUES (7, 'ann', '旧的', 'public', '', 1)")
        conn.execute("INSERT INTO comments VALUES (1, 7, 'bob', '还在', NULL, 2)")
        conn.execute("INSERT INTO comments VALUES (2, 7, 'ann', '回复', 1, 3)")
        conn.executemany("INSERT INTO likes VALUES (7, ?)", [("bob",), ("cat",)])
        conn.execute("PRAGMA user_version = 1")
    store = SqliteStore.open(path)
    on = Subject("mood", "7")
    comments = asyncio.run(store.comments([on], 10))[on]
    assert comments[1] == 2 and [c["text"] for c in comments[0]] == ["还在", "回复"]
    assert comments[0][1] == {"id": "2", "kind": "mood", "mood_id": "7", "author": "ann",
                              "text": "回复", "reply_to": "1", "ts": 3}
    assert asyncio.run(store.likes([on], "cat")) == {on: (2, True)}
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    store.db.close()
    SqliteStore.open(path).db.close()  # and opens again, as a file of this version


async def test_a_schema_2_file_moves_its_inboxes_into_the_journal(tmp_path: Path) -> None:
    """Schema 2 journaled one `inbox` row per recipient beside `inbox_bodies`; schema 3
    has one `journal` row per event. The inboxes read the same after the move: epochs,
    seqs and frames, and they go on from their heads."""
    from hub.channels.memory import MemoryBroker
    from hub.protocol import encode_event_body, frame_event, seq_of

    bodies = [encode_event_body("mood", n, {"mood": {"text": f"旧{n}"}}) for n in range(5)]
    path = tmp_path / "k.db"
    with sqlite3.connect(path) as conn:
        conn.executescript((Path(__file__).parent / "data" / "schema_v2.sql").read_text())
        conn.executemany("INSERT INTO inbox_epochs VALUES (?, ?)",
                         [("ann", "e0a0"), ("bob", "e0b0"), ("cat", "e0c0")])
        conn.executemany("INSERT INTO inbox_bodies VALUES (?, ?)", enumerate(bodies, 1))
        # ann got four (one past a retention of 3, not yet trimmed), bob two;
        # body 5 is an orphan that a trim left behind; cat has an epoch and no event
        conn.executemany("INSERT INTO inbox VALUES (?, ?, ?)",
                         [("ann", n, n) for n in range(1, 5)]
                         + [("bob", 1, 2), ("bob", 2, 4)])
        conn.execute("PRAGMA user_version = 2")
    store = SqliteStore.open(path)
    db = store.db
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "journal" in tables and not {"inbox", "inbox_bodies"} & tables
    assert [r[0] for r in db.execute("SELECT id FROM journal ORDER BY id")] == [1, 2, 3, 4]
    broker = MemoryBroker(retention=3, journal=db)
    ann = await broker.head("ann")
    assert (ann.epoch, ann.seq) == ("e0a0", 4)
    ann_frames = (await broker.replay("ann", "e0a0:0")).frames
    assert ann_frames == [frame_event(f"e0a0:{n}", n, bodies[n - 1]) for n in (2, 3, 4)]
    bob_frames = (await broker.replay("bob", "e0b0:0")).frames
    assert bob_frames == [frame_event("e0b0:1", 1, bodies[1]), frame_event("e0b0:2", 2, bodies[3])]
    assert (await broker.head("cat")).epoch == "e0c0"
    got: list[tuple[str, int | None]] = []
    await broker.start(lambda frames: got.extend((u, s) for u, s, _ in frames), lambda: None)
    await broker.deliver(bodies[0], ["ann", "bob", "cat"])
    assert got == [("ann", 5), ("bob", 3), ("cat", 1)]
    assert seq_of((await broker.head("cat")).frame or b"") == 1
    await broker.close()
    db.close()
    SqliteStore.open(path).db.close()  # and opens again, as a file of this version


async def test_a_schema_4_file_moves_to_feed_entries_of_every_kind(tmp_path: Path) -> None:
    """Schema 4 (before blogs, photos and reposts) is migrated in place: its moods read
    as entries of kind `mood`, group moods keep their groups, and blogs can follow."""
    path = tmp_path / "k.db"
    with sqlite3.connect(path) as conn:
        conn.executescript((Path(__file__).parent / "data" / "schema_v4.sql").read_text())
        conn.execute("INSERT INTO moods VALUES (3, 'ann', '旧说说', 'public', '心情', 1, '')")
        conn.execute("""INSERT INTO moods VALUES (4, 'ann', '同学们', 'groups', '', 2,
                     '["同学"]')""")
        conn.execute("PRAGMA user_version = 4")
    store = SqliteStore.open(path)
    assert await store.get_mood("3") == {"id": "3", "kind": "mood", "author": "ann",
                                         "text": "旧说说", "visibility": "public",
                                         "tag": "心情", "ts": 1}
    assert (await store.get_mood("4"))["visibility"] == {"groups": ["同学"]}  # type: ignore[index]
    blog = await store.add_mood("ann", "摘要", "friends", "", 5, kind="blog",
                                extra={"title": "题"}, body="正文")
    assert blog["id"] == "5" and await store.blog_body("5") == ("正文", 0)
    found = await store.timeline([("ann", "public"), ("ann", "friends")], None, 10)
    assert [(m["id"], m["kind"]) for m in found] == [("5", "blog"), ("3", "mood")]
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    store.db.close()
    SqliteStore.open(path).db.close()
