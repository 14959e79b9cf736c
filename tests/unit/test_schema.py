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
