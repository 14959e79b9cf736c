"""The memory engine's data file: foreign or newer files are refused clearly."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from hub.store.schema import SCHEMA_VERSION, CorruptData
from hub.store.sqlite import SqliteStore


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
