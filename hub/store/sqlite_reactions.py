"""Comments and likes of the memory engine's store, on any subject (hub.subjects): a
mood today, a blog or a photo as they come. `store.sqlite.SqliteStore` inherits it; each
method is one short transaction on the event loop's thread, as there.

A comment is stored only while its subject exists, in the same statement, so a comment
racing the subject's deletion leaves no orphan row.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

import orjson

from hub.models import Comment
from hub.store.base import SpaceQuota
from hub.subjects import Subject

# Where each kind of subject is, for "only while it exists" (a blog's feed entry is in
# `moods` too, hence the kind there).
EXISTS: dict[str, str] = {
    "mood": "SELECT 1 FROM moods WHERE id = ? AND kind IN ('mood', 'repost')",
    "blog": "SELECT 1 FROM blogs WHERE id = ?",
    "photo": "SELECT 1 FROM photos WHERE id = ?",
}


class SqliteReactions:
    db: sqlite3.Connection

    if TYPE_CHECKING:  # SqliteStore's
        def _one(self, sql: str, *args: Any) -> Any: ...

        def _spend(self, quota: SpaceQuota | None) -> None: ...

    def _drop_reactions(self, subject: Subject) -> None:
        """Delete the subject's comments and likes, in the caller's transaction."""
        key = (subject.kind, int(subject.id))
        self.db.execute("DELETE FROM comments WHERE kind = ? AND subject_id = ?", key)
        self.db.execute("DELETE FROM likes WHERE kind = ? AND subject_id = ?", key)

    async def add_comment(
        self, subject: Subject, author: str, text: str, reply_to: str | None, ts: int, *,
        quota: SpaceQuota | None = None,
    ) -> Comment | None:
        sid = int(subject.id)
        with self.db:  # only while the subject exists: no orphan of a concurrent delete
            cur = self.db.execute(
                "INSERT INTO comments (kind, subject_id, author, text, reply_to, ts)"
                f" SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS ({EXISTS[subject.kind]})",
                (subject.kind, sid, author, text, None if reply_to is None else int(reply_to),
                 ts, sid),
            )
            if cur.rowcount == 1:
                self._spend(quota)
        if cur.rowcount != 1:
            return None
        return comment(str(cur.lastrowid), subject, author, text, reply_to, ts)

    async def get_comment(self, comment_id: str) -> Comment | None:
        row = self.db.execute(
            "SELECT * FROM comments WHERE id = ?", (int(comment_id),)).fetchone()
        return None if row is None else _comment(row)

    async def delete_comment(self, comment_id: str) -> Comment | None:
        with self.db:
            row = self.db.execute("SELECT * FROM comments WHERE id = ?",
                                  (int(comment_id),)).fetchone()
            if row is not None:
                self.db.execute("DELETE FROM comments WHERE id = ?", (int(comment_id),))
        return None if row is None else _comment(row)

    async def comments(
        self, subjects: Collection[Subject], per_subject: int
    ) -> dict[Subject, tuple[list[Comment], int]]:
        result: dict[Subject, tuple[list[Comment], int]] = {s: ([], 0) for s in subjects}
        if not result:
            return result
        rows = self.db.execute(
            "SELECT * FROM (SELECT c.*, ROW_NUMBER() OVER (PARTITION BY c.kind, c.subject_id"
            " ORDER BY c.id DESC) AS rn, COUNT(*) OVER (PARTITION BY c.kind, c.subject_id)"
            " AS total FROM json_each(?) AS s JOIN comments AS c"
            " ON c.kind = json_extract(s.value, '$[0]')"
            " AND c.subject_id = json_extract(s.value, '$[1]'))"
            " WHERE rn <= ? ORDER BY id",
            (_pairs(result), per_subject),
        ).fetchall()
        for row in rows:
            key = Subject(row["kind"], str(row["subject_id"]))
            items, _ = result[key]
            items.append(_comment(row))
            result[key] = (items, row["total"])
        return result

    async def like(self, subject: Subject, user: str) -> tuple[bool, int]:
        with self.db:
            cur = self.db.execute("INSERT OR IGNORE INTO likes VALUES (?, ?, ?)",
                                  (subject.kind, int(subject.id), user))
        return cur.rowcount == 1, self._like_count(subject)

    async def unlike(self, subject: Subject, user: str) -> tuple[bool, int]:
        with self.db:
            cur = self.db.execute(
                "DELETE FROM likes WHERE kind = ? AND subject_id = ? AND user = ?",
                (subject.kind, int(subject.id), user))
        return cur.rowcount == 1, self._like_count(subject)

    async def likers(self, subject: Subject, limit: int) -> list[str]:
        rows = self.db.execute(
            "SELECT user FROM likes WHERE kind = ? AND subject_id = ? ORDER BY user LIMIT ?",
            (subject.kind, int(subject.id), limit)).fetchall()
        return [row[0] for row in rows]

    def _like_count(self, subject: Subject) -> int:
        return int(self._one("SELECT COUNT(*) FROM likes WHERE kind = ? AND subject_id = ?",
                             subject.kind, int(subject.id)))

    async def likes(self, subjects: Collection[Subject], viewer: str
                    ) -> dict[Subject, tuple[int, bool]]:
        result = {s: (0, False) for s in subjects}
        if not result:
            return result
        rows = self.db.execute(
            "SELECT l.kind, l.subject_id, COUNT(*), MAX(l.user = ?) FROM json_each(?) AS s"
            " JOIN likes AS l ON l.kind = json_extract(s.value, '$[0]')"
            " AND l.subject_id = json_extract(s.value, '$[1]')"
            " GROUP BY l.kind, l.subject_id",
            (viewer, _pairs(result)),
        ).fetchall()
        for kind, subject_id, count, liked in rows:
            result[Subject(kind, str(subject_id))] = (int(count), bool(liked))
        return result


def _pairs(subjects: Collection[Subject]) -> str:
    """The subjects as one JSON parameter (a term per subject would pass SQLite's
    expression-depth limit with a long feed)."""
    return orjson.dumps([[s.kind, int(s.id)] for s in subjects]).decode()


def comment(comment_id: str, subject: Subject, author: str, text: str,
            reply_to: str | None, ts: int) -> Comment:
    return {"id": comment_id, **subject.fields(), "author": author,  # type: ignore[typeddict-item]
            "text": text, "reply_to": reply_to, "ts": ts}


def _comment(row: sqlite3.Row) -> Comment:
    reply_to = row["reply_to"]
    return comment(str(row["id"]), Subject(row["kind"], str(row["subject_id"])),
                   row["author"], row["text"], None if reply_to is None else str(reply_to),
                   row["ts"])
