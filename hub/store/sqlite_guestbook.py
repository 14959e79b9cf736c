"""The guestbook (留言板) of the memory engine's store: entries, private ones (悄悄话),
the owner's replies (主人回复) and deletion. `store.sqlite.SqliteStore` inherits it.

What the owner adds to an entry (its privacy, a reply) sits in `entry_notes` beside the
`entries` row, so entries written before there were replies need no migration.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from hub.models import Entry, Reply
from hub.store.base import SpaceQuota

_SELECT = ("SELECT e.id, e.owner, e.author, e.text, e.ts, n.private, n.reply, n.reply_ts"
           " FROM entries AS e LEFT JOIN entry_notes AS n ON n.entry_id = e.id")


class SqliteGuestbook:
    db: sqlite3.Connection

    if TYPE_CHECKING:  # SqliteStore's
        def _spend(self, quota: SpaceQuota | None) -> None: ...

    async def add_entry(self, owner: str, author: str, text: str, ts: int, *,
                        private: bool = False, quota: SpaceQuota | None = None) -> Entry:
        with self.db:
            self._spend(quota)
            cur = self.db.execute(
                "INSERT INTO entries (owner, author, text, ts) VALUES (?, ?, ?, ?)",
                (owner, author, text, ts))
            if private:
                self.db.execute("INSERT INTO entry_notes (entry_id, private) VALUES (?, 1)",
                                (cur.lastrowid,))
        return _shaped(str(cur.lastrowid), owner, author, text, ts, private, None)

    async def entries(self, owner: str, limit: int) -> list[Entry]:
        rows = self.db.execute(f"{_SELECT} WHERE e.owner = ? ORDER BY e.id DESC LIMIT ?",
                               (owner, limit)).fetchall()
        return [_entry(row) for row in rows]

    async def entry(self, entry_id: str, owner: str | None = None) -> Entry | None:
        row = self.db.execute(f"{_SELECT} WHERE e.id = ?", (int(entry_id),)).fetchone()
        return None if row is None else _entry(row)

    async def delete_entry(self, entry: Entry) -> bool:
        with self.db:
            cur = self.db.execute("DELETE FROM entries WHERE id = ?", (int(entry["id"]),))
            self.db.execute("DELETE FROM entry_notes WHERE entry_id = ?", (int(entry["id"]),))
        return cur.rowcount == 1

    async def reply_entry(self, entry: Entry, text: str, ts: int) -> Entry | None:
        eid = int(entry["id"])
        with self.db:
            if self.db.execute("SELECT 1 FROM entries WHERE id = ?", (eid,)).fetchone() is None:
                return None
            self.db.execute(
                "INSERT INTO entry_notes (entry_id, private, reply, reply_ts) VALUES (?, 0, ?, ?)"
                " ON CONFLICT (entry_id) DO UPDATE SET reply = excluded.reply,"
                " reply_ts = excluded.reply_ts", (eid, text, ts))
        return await self.entry(entry["id"])


def _shaped(eid: str, owner: str, author: str, text: str, ts: int, private: bool,
            reply: Reply | None) -> Entry:
    return Entry(id=eid, owner=owner, author=author, text=text, ts=ts, private=private,
                 reply=reply)


def _entry(row: sqlite3.Row) -> Entry:
    reply = None if row["reply"] is None else Reply(text=row["reply"], ts=row["reply_ts"])
    return _shaped(str(row["id"]), row["owner"], row["author"], row["text"], row["ts"],
                   bool(row["private"]), reply)
