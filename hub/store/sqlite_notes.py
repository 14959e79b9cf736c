"""与我相关 in the memory engine's store: each user's notifications (hub.notes) in one
table, at most `MAX_NOTES` per user, with what is unread. `store.sqlite.SqliteStore`
inherits it.

`apply_notes` writes a batch of changes in one transaction and returns the `notify`
frames that tell each user's tabs their new unread count: this engine's broker is a
direct call, so the node hands them to it (on Redis the script publishes them itself).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import orjson

from hub.notes import MAX_NOTES, Add, Change, Note, Withdraw
from hub.protocol import encode_notify


class SqliteNotes:
    db: sqlite3.Connection

    async def apply_notes(self, changes: Sequence[Change], ts: int
                          ) -> list[tuple[str, bytes]]:
        frames: list[tuple[str, bytes]] = []
        with self.db:
            for change in changes:
                if isinstance(change, Add):
                    frames.append((change.user, self._add(change, ts)))
                else:
                    frame = self._withdraw(change, ts)
                    if frame is not None:
                        frames.append((change.user, frame))
        return frames

    def _add(self, change: Add, ts: int) -> bytes:
        note, user = change.note, change.user
        self.db.execute("DELETE FROM notes WHERE user = ? AND cause = ?", (user, note["cause"]))
        cur = self.db.execute(
            "INSERT INTO notes (user, cause, type, actor, ts, data, read)"
            " VALUES (?, ?, ?, ?, ?, ?, 0)",
            (user, note["cause"], note["type"], note["actor"], note["ts"],
             orjson.dumps(note["data"]).decode()))
        self.db.execute(
            "DELETE FROM notes WHERE user = ? AND id <= (SELECT id FROM notes WHERE user = ?"
            " ORDER BY id DESC LIMIT 1 OFFSET ?)", (user, user, MAX_NOTES))
        stored = Note(id=str(cur.lastrowid), type=note["type"], cause=note["cause"],
                      actor=note["actor"], ts=note["ts"], data=note["data"])
        return encode_notify(ts, self._unread(user), note=stored)

    def _withdraw(self, change: Withdraw, ts: int) -> bytes | None:
        user = change.user
        if change.cause:
            rows = self.db.execute("SELECT cause FROM notes WHERE user = ? AND cause = ?",
                                   (user, change.cause)).fetchall()
        else:
            prefix = change.about + "|"
            rows = self.db.execute(
                "SELECT cause FROM notes WHERE user = ? AND substr(cause, 1, ?) = ?",
                (user, len(prefix), prefix)).fetchall()
        causes = [row[0] for row in rows]
        if not causes:
            return None
        self.db.executemany("DELETE FROM notes WHERE user = ? AND cause = ?",
                            [(user, c) for c in causes])
        return encode_notify(ts, self._unread(user), withdrawn=causes)

    def _unread(self, user: str) -> int:
        return int(self.db.execute("SELECT count(*) FROM notes WHERE user = ? AND read = 0",
                                   (user,)).fetchone()[0])

    async def notes(self, user: str, before: str | None, limit: int
                    ) -> list[tuple[Note, bool]]:
        """Newest first, ids below `before`."""
        bound, args = ("AND id < ?", [int(before)]) if before is not None else ("", [])
        rows = self.db.execute(
            f"SELECT * FROM notes WHERE user = ? {bound} ORDER BY id DESC LIMIT ?",
            [user, *args, limit]).fetchall()
        return [(Note(id=str(r["id"]), type=r["type"], cause=r["cause"], actor=r["actor"],
                      ts=r["ts"], data=orjson.loads(r["data"])), bool(r["read"]))
                for r in rows]

    async def unread_notes(self, user: str) -> int:
        return self._unread(user)

    async def read_notes(self, user: str, ids: Sequence[str] | None, ts: int
                         ) -> tuple[int, bytes]:
        """Mark `ids` (None: all) read; the unread count after, and its `notify`."""
        with self.db:
            if ids is None:
                self.db.execute("UPDATE notes SET read = 1 WHERE user = ? AND read = 0", (user,))
            else:
                self.db.executemany("UPDATE notes SET read = 1 WHERE user = ? AND id = ?",
                                    [(user, int(i)) for i in ids])
        unread = self._unread(user)
        return unread, encode_notify(ts, unread)
