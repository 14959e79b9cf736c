"""The SQLite schema of the memory engine, and opening a data file safely.

A damaged or foreign file is refused with a message that names the file and says
what to do, instead of a traceback from deep inside a query. The file holds password
hashes and sessions, so its directory is made private (0700) and the file with its
`-wal` and `-shm` companions readable by this user only (0600), new or not.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

DB_NAME = "kongjian.db"
SCHEMA_VERSION = 5  # PRAGMA user_version of a file this code wrote (migrations.py)
PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600
COMPANIONS = ("-wal", "-shm")  # SQLite gives them the main file's mode when it makes them

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY, display_name TEXT NOT NULL, password_hash TEXT NOT NULL,
    created INTEGER NOT NULL, signature TEXT NOT NULL, head_portrait TEXT NOT NULL,
    skin TEXT NOT NULL, music TEXT NOT NULL, points INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY, username TEXT NOT NULL, expires INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS users_display_name ON users (lower(display_name));
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (username);
CREATE INDEX IF NOT EXISTS sessions_expires ON sessions (expires);
CREATE TABLE IF NOT EXISTS friends (a TEXT NOT NULL, b TEXT NOT NULL, PRIMARY KEY (a, b));
CREATE TABLE IF NOT EXISTS requests (frm TEXT NOT NULL, dst TEXT NOT NULL,
    PRIMARY KEY (frm, dst));
CREATE INDEX IF NOT EXISTS requests_dst ON requests (dst);
CREATE TABLE IF NOT EXISTS friend_groups (owner TEXT NOT NULL, name TEXT NOT NULL,
    PRIMARY KEY (owner, name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS group_members (owner TEXT NOT NULL, name TEXT NOT NULL,
    member TEXT NOT NULL, PRIMARY KEY (owner, name, member)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS group_members_member ON group_members (member);
CREATE TABLE IF NOT EXISTS care (user TEXT NOT NULL, target TEXT NOT NULL,
    PRIMARY KEY (user, target)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS care_target ON care (target);
CREATE TABLE IF NOT EXISTS space_settings (user TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (owner TEXT NOT NULL, user TEXT NOT NULL,
    PRIMARY KEY (owner, user)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS blocks_user ON blocks (user);
CREATE TABLE IF NOT EXISTS declined (frm TEXT NOT NULL, dst TEXT NOT NULL,
    ts INTEGER NOT NULL, PRIMARY KEY (frm, dst)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS space_writes (owner TEXT NOT NULL, author TEXT NOT NULL,
    window INTEGER NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (owner, author, window)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS moods (
    id INTEGER PRIMARY KEY AUTOINCREMENT, author TEXT NOT NULL, text TEXT NOT NULL,
    visibility TEXT NOT NULL, tag TEXT NOT NULL, ts INTEGER NOT NULL,
    groups TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL DEFAULT 'mood',
    extra TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS moods_source ON moods (author, visibility, id);
CREATE TABLE IF NOT EXISTS blogs (id INTEGER PRIMARY KEY, body TEXT NOT NULL,
    reads INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT, subject_id INTEGER NOT NULL, author TEXT NOT NULL,
    text TEXT NOT NULL, reply_to INTEGER, ts INTEGER NOT NULL,
    kind TEXT NOT NULL DEFAULT 'mood');
CREATE INDEX IF NOT EXISTS comments_subject ON comments (kind, subject_id, id);
CREATE TABLE IF NOT EXISTS likes (kind TEXT NOT NULL, subject_id INTEGER NOT NULL,
    user TEXT NOT NULL, PRIMARY KEY (kind, subject_id, user));
CREATE TABLE IF NOT EXISTS gifts (
    id INTEGER PRIMARY KEY AUTOINCREMENT, frm TEXT NOT NULL, dst TEXT NOT NULL,
    gift TEXT NOT NULL, name TEXT NOT NULL, animation TEXT NOT NULL, message TEXT NOT NULL,
    ts INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS gifts_dst ON gifts (dst, id);
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT, owner TEXT NOT NULL, author TEXT NOT NULL,
    text TEXT NOT NULL, ts INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS entries_owner ON entries (owner, id);
CREATE TABLE IF NOT EXISTS entry_notes (entry_id INTEGER PRIMARY KEY,
    private INTEGER NOT NULL DEFAULT 0, reply TEXT, reply_ts INTEGER);
CREATE TABLE IF NOT EXISTS visits (owner TEXT NOT NULL, visitor TEXT NOT NULL,
    ts INTEGER NOT NULL, PRIMARY KEY (owner, visitor));
CREATE TABLE IF NOT EXISTS visit_counts (owner TEXT NOT NULL, day INTEGER NOT NULL,
    count INTEGER NOT NULL, PRIMARY KEY (owner, day)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS notes (user TEXT NOT NULL, id INTEGER PRIMARY KEY AUTOINCREMENT,
    cause TEXT NOT NULL, type TEXT NOT NULL, actor TEXT NOT NULL, ts INTEGER NOT NULL,
    data TEXT NOT NULL, read INTEGER NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX IF NOT EXISTS notes_cause ON notes (user, cause);
CREATE INDEX IF NOT EXISTS notes_user ON notes (user, id);
CREATE TABLE IF NOT EXISTS points_daily (user TEXT NOT NULL, action TEXT NOT NULL,
    day INTEGER NOT NULL, earned INTEGER NOT NULL, PRIMARY KEY (user, action, day));
CREATE TABLE IF NOT EXISTS inbox_epochs (user TEXT PRIMARY KEY, epoch TEXT NOT NULL,
    start INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS journal (id INTEGER PRIMARY KEY AUTOINCREMENT,
    body BLOB NOT NULL, recipients BLOB NOT NULL);
"""


class CorruptData(Exception):
    """The data file cannot be used; the message says which file and what to do."""


def make_data_dir(directory: Path) -> None:
    """Create the data directory (and its parents) if it is missing: private, 0700.
    One that exists keeps its mode — it may be shared with other things."""
    if not directory.exists():
        directory.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        os.chmod(directory, PRIVATE_DIR)


def make_private(path: Path) -> None:
    """Create the data file 0600 if it is missing (SQLite would make it 0644, and its
    companions after it), and take group and other access off it and its companions."""
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE))
    for file in (path, *(path.with_name(path.name + end) for end in COMPANIONS)):
        try:
            if stat.S_IMODE(file.stat().st_mode) & 0o077:
                os.chmod(file, PRIVATE_FILE)
        except FileNotFoundError:
            continue
        except PermissionError as exc:
            raise CorruptData(f"data file {file} is open to other users and cannot be "
                              f"made private ({exc.strerror}); fix its owner or mode") from None


def check_database(path: Path | None) -> sqlite3.Connection:
    """Open the database at `path` (None: in memory) and prove it is a sound SQLite
    file before anything else touches it."""
    target = ":memory:" if path is None else str(path)
    if path is not None:
        make_private(path)
    try:
        conn = sqlite3.connect(target, isolation_level="DEFERRED",
                               check_same_thread=False)
        conn.row_factory = sqlite3.Row
        if path is not None:
            conn.execute("PRAGMA journal_mode=WAL")
            make_private(path)  # the companions WAL mode just made
            conn.execute("PRAGMA synchronous=NORMAL")
            verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
            if verdict != "ok":
                raise CorruptData(
                    f"data file {path} failed its integrity check ({verdict}); move it aside "
                    "to start with empty data, or restore a backup"
                )
        conn.execute("PRAGMA foreign_keys=OFF")
        return conn
    except sqlite3.DatabaseError as exc:
        raise CorruptData(
            f"data file {path} is not a usable Kongjian database ({exc}); move it aside to "
            "start with empty data, or restore a backup"
        ) from None


def _columns(conn: sqlite3.Connection) -> dict[str, list[str]]:
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    return {t: [r[1] for r in conn.execute(f"PRAGMA table_info('{t}')")] for t in tables}


def apply_schema(conn: sqlite3.Connection, path: Path | None) -> None:
    """Create what is missing, after proving that what exists is ours: a file from
    another program, or from a newer Kongjian, is refused instead of failing later in
    every query."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise CorruptData(f"data file {path} was written by a newer Kongjian (schema "
                          f"{version}, this one knows {SCHEMA_VERSION}); upgrade Kongjian")
    if 0 < version < SCHEMA_VERSION:
        from hub.store.migrations import migrate

        migrate(conn, version, path)
    expected = sqlite3.connect(":memory:")
    expected.executescript(SCHEMA)
    wanted = _columns(expected)
    expected.close()
    for table, columns in _columns(conn).items():
        if table in wanted and columns != wanted[table]:
            raise CorruptData(
                f"data file {path} has a table '{table}' that is not Kongjian's (columns "
                f"{', '.join(columns)}); move the file aside or choose another --data")
    conn.executescript(SCHEMA)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

