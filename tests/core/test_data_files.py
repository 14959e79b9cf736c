"""The memory engine's data at rest: the data directory is created `0700` and
`kongjian.db` with its `-wal` and `-shm` files are `0600` — new ones, and existing
ones tightened when the node opens them (they hold password hashes and sessions)."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

from tests.harness import HubProcess


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def data_files(directory: Path) -> list[Path]:
    files = [directory / name for name in ("kongjian.db", "kongjian.db-wal", "kongjian.db-shm")]
    return [f for f in files if f.exists()]


def test_a_new_data_directory_and_its_files_are_private(tmp_path: Path) -> None:
    data = tmp_path / "fresh" / "kongjian"
    hub = HubProcess(data=data).start()
    try:
        assert mode(data) == 0o700
        files = data_files(data)
        assert data / "kongjian.db" in files
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    finally:
        hub.stop()
    assert mode(data / "kongjian.db") == 0o600


def test_existing_world_readable_files_are_tightened(tmp_path: Path) -> None:
    data = tmp_path / "old"
    data.mkdir(mode=0o755)
    db = data / "kongjian.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    wal = data / "kongjian.db-wal"
    wal.touch()  # left behind, empty, by an earlier run
    for f in (db, wal):
        f.chmod(0o644)
    hub = HubProcess(data=data).start()
    try:
        files = data_files(data)
        assert db in files
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    finally:
        hub.stop()
