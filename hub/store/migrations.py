"""Moving a data file written by an older Kongjian to the schema of this one
(`schema.SCHEMA_VERSION`), in place, one version at a time, each step in one
transaction: a file is at one version or the next, never in between.

* 1 → 2: comments and likes are on a *subject* (hub.subjects), not only a mood:
  `comments.mood_id` becomes `subject_id` with `kind` beside it ('mood' for every row
  there is), and `likes` gets the same two columns in its key.
* 2 → 3: the inbox journal is one row per event (`journal`: the body and its recipients
  with their seqs, `[[users…], [seqs…]]`, as `channels/journal.py` writes them) instead
  of one `inbox` row per recipient beside `inbox_bodies`; every body that an inbox row
  still names becomes the journal row of the same id, in the same order, and
  `inbox_epochs` gets `start`, where a voided inbox's current epoch begins (0: none).
* 3 → 4: a mood may be for the author's friend groups (分组): `moods.groups` holds
  their names as JSON (`''` for every other mood), and `visibility` is `groups`.
* 4 → 5: a feed entry has a `kind` (`models.PostKind`; 'mood' for every row there is)
  and `extra`, the kind's own fields as JSON (`''`: none); blogs keep their body in
  `blogs`, which the schema creates.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

log = logging.getLogger("hub.store.migrations")

STEPS: dict[int, str] = {
    1: """
        ALTER TABLE comments RENAME COLUMN mood_id TO subject_id;
        ALTER TABLE comments ADD COLUMN kind TEXT NOT NULL DEFAULT 'mood';
        DROP INDEX IF EXISTS comments_mood;
        CREATE TABLE likes_v2 (kind TEXT NOT NULL, subject_id INTEGER NOT NULL,
            user TEXT NOT NULL, PRIMARY KEY (kind, subject_id, user));
        INSERT INTO likes_v2 SELECT 'mood', mood_id, user FROM likes;
        DROP TABLE likes;
        ALTER TABLE likes_v2 RENAME TO likes;
    """,
    2: """
        ALTER TABLE inbox_epochs ADD COLUMN start INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE journal (id INTEGER PRIMARY KEY AUTOINCREMENT,
            body BLOB NOT NULL, recipients BLOB NOT NULL);
        INSERT INTO journal (id, body, recipients)
            SELECT b.id, b.body, CAST(json_array(json_group_array(i.user),
                                                 json_group_array(i.seq)) AS BLOB)
            FROM inbox_bodies AS b JOIN inbox AS i ON i.body_id = b.id
            GROUP BY b.id ORDER BY b.id;
        DROP TABLE inbox;
        DROP TABLE inbox_bodies;
    """,
    3: """
        ALTER TABLE moods ADD COLUMN groups TEXT NOT NULL DEFAULT '';
    """,
    4: """
        ALTER TABLE moods ADD COLUMN kind TEXT NOT NULL DEFAULT 'mood';
        ALTER TABLE moods ADD COLUMN extra TEXT NOT NULL DEFAULT '';
    """,
}


def migrate(conn: sqlite3.Connection, version: int, path: Path | None) -> None:
    """Run every step from `version` up; the caller then checks the result."""
    while version in STEPS:
        log.warning("data file %s: moving from schema %d to %d", path, version, version + 1)
        # executescript would commit between statements: run them inside one transaction
        conn.execute("BEGIN")
        try:
            for statement in filter(str.strip, STEPS[version].split(";")):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        version += 1
