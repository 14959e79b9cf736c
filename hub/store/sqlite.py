"""The memory engine's store: SQLite, in memory (`--data none`) or in one file in WAL
mode (`--data DIR`), so a restarted single-process hub keeps what it acknowledged.

Every method is one short transaction on the event loop's thread: SQLite answers in
microseconds for these indexed lookups, and one writer in one process needs no pool.
`synchronous=NORMAL` with WAL survives a killed process (the OS holds the log); only a
power cut may lose the last commits.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hub.models import Gift, Visit
from hub.store.base import Refused, RequestRules, SpaceQuota
from hub.store.schema import apply_schema, check_database
from hub.store.sqlite_accounts import SqliteAccounts
from hub.store.sqlite_groups import SqliteGroups
from hub.store.sqlite_guestbook import SqliteGuestbook
from hub.store.sqlite_notes import SqliteNotes
from hub.store.sqlite_posts import SqlitePosts
from hub.store.sqlite_reactions import SqliteReactions
from hub.store.sqlite_space import SqliteSpace

FRIENDS_CACHED = 20_000  # users whose friend sets are kept in memory (LRU)


class SqliteStore(SqlitePosts, SqliteAccounts, SqliteReactions, SqliteSpace, SqliteGuestbook,
                  SqliteNotes, SqliteGroups):
    def __init__(self, conn: sqlite3.Connection, path: Path | None) -> None:
        self.db = conn
        self.path = path
        self._friends: OrderedDict[str, frozenset[str]] = OrderedDict()
        self._space_writes = 0  # counted, to sweep old windows now and then

    @classmethod
    def open(cls, path: Path | None) -> SqliteStore:
        """Open (creating if new) the database; `path=None` keeps it in memory.
        Raises `schema.CorruptData` with a clear message for a damaged file."""
        conn = check_database(path)
        apply_schema(conn, path)
        return cls(conn, path)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        self.db.close()

    def health(self) -> dict[str, Any]:
        return {"engine": "memory", "data": str(self.path) if self.path else None}

    def _one(self, sql: str, *args: Any) -> Any:
        row = self.db.execute(sql, args).fetchone()
        return None if row is None else row[0]

    # friends
    async def friends(self, user: str) -> set[str]:
        return set(self.friend_set(user))

    def friend_set(self, user: str) -> frozenset[str]:
        """Synchronous, for the memory broker's delivery-time check."""
        # Every event's audience starts here, so recent users' sets stay in memory
        # (this process is the database's only writer; friendship changes evict).
        cached = self._friends.get(user)
        if cached is None:
            rows = self.db.execute("SELECT b FROM friends WHERE a = ?", (user,)).fetchall()
            cached = self._friends[user] = frozenset(row[0] for row in rows)
            if len(self._friends) > FRIENDS_CACHED:
                del self._friends[next(iter(self._friends))]  # the least recently used
        else:
            self._friends.move_to_end(user)
        return cached

    async def add_request(self, frm: str, to: str, *, rules: RequestRules | None = None,
                          quota: SpaceQuota | None = None) -> bool:
        with self.db:
            if self._one("SELECT 1 FROM requests WHERE frm = ? AND dst = ?", frm, to):
                return False
            if rules is not None:
                self._check_request(frm, to, rules)
            self._spend(quota)
            self.db.execute("INSERT INTO requests VALUES (?, ?)", (frm, to))
        return True

    def _check_request(self, frm: str, to: str, rules: RequestRules) -> None:
        declined = self._one("SELECT ts FROM declined WHERE frm = ? AND dst = ?", frm, to)
        if declined is not None and rules.now_ms - declined < rules.cooldown_ms:
            raise Refused("declined", declined + rules.cooldown_ms - rules.now_ms)
        if self._one("SELECT count(*) FROM requests WHERE frm = ?", frm) >= rules.max_outgoing:
            raise Refused("pending_out")
        if self._one("SELECT count(*) FROM requests WHERE dst = ?", to) >= rules.max_incoming:
            raise Refused("pending_in")

    def _spend(self, quota: SpaceQuota | None) -> None:
        """Count one write against `quota`, inside the caller's transaction (raising
        `Refused` rolls the write back with it)."""
        if quota is None:
            return
        key = (quota.owner, quota.author, quota.window)
        used = self._one("SELECT count FROM space_writes WHERE owner = ? AND author = ?"
                         " AND window = ?", *key) or 0
        if used >= quota.limit:
            raise Refused("space_writes", quota.retry_after_ms())
        self.db.execute("INSERT INTO space_writes VALUES (?, ?, ?, 1) ON CONFLICT"
                        " (owner, author, window) DO UPDATE SET count = count + 1", key)
        self._space_writes += 1
        if self._space_writes % 1000 == 0:  # windows before the last are of no use
            self.db.execute("DELETE FROM space_writes WHERE window < ?", (quota.window - 1,))

    async def remove_request(self, frm: str, to: str) -> bool:
        with self.db:
            cur = self.db.execute("DELETE FROM requests WHERE frm = ? AND dst = ?", (frm, to))
        return cur.rowcount == 1

    async def decline_request(self, frm: str, to: str, now_ms: int) -> bool:
        with self.db:
            cur = self.db.execute("DELETE FROM requests WHERE frm = ? AND dst = ?", (frm, to))
            if cur.rowcount == 1:
                self.db.execute("INSERT OR REPLACE INTO declined VALUES (?, ?, ?)",
                                (frm, to, now_ms))
        return cur.rowcount == 1

    async def requests(self, user: str) -> tuple[list[str], list[str]]:
        incoming = self.db.execute(
            "SELECT frm FROM requests WHERE dst = ? ORDER BY frm", (user,)).fetchall()
        outgoing = self.db.execute(
            "SELECT dst FROM requests WHERE frm = ? ORDER BY dst", (user,)).fetchall()
        return [r[0] for r in incoming], [r[0] for r in outgoing]

    async def add_friendship(self, a: str, b: str) -> bool:
        with self.db:
            self.db.execute(
                "DELETE FROM requests WHERE (frm = ? AND dst = ?) OR (frm = ? AND dst = ?)",
                (a, b, b, a),
            )
            cur = self.db.execute("INSERT OR IGNORE INTO friends VALUES (?, ?), (?, ?)",
                                  (a, b, b, a))
        self._friends.pop(a, None)
        self._friends.pop(b, None)
        return cur.rowcount > 0

    async def remove_friendship(self, a: str, b: str) -> bool:
        with self.db:
            cur = self.db.execute(
                "DELETE FROM friends WHERE (a = ? AND b = ?) OR (a = ? AND b = ?)", (a, b, b, a)
            )
        self._friends.pop(a, None)
        self._friends.pop(b, None)
        return cur.rowcount > 0

    # gifts, guestbook, visits
    async def add_gift(
        self, frm: str, to: str, gift: str, name: str, animation: str, message: str, ts: int,
        *, quota: SpaceQuota | None = None,
    ) -> Gift:
        with self.db:
            self._spend(quota)
            cur = self.db.execute(
                "INSERT INTO gifts (frm, dst, gift, name, animation, message, ts)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (frm, to, gift, name, animation, message, ts),
            )
        return _gift_dict(str(cur.lastrowid), frm, to, gift, name, animation, message, ts)

    async def gifts(self, to: str, limit: int) -> list[Gift]:
        rows = self.db.execute(
            "SELECT * FROM gifts WHERE dst = ? ORDER BY id DESC LIMIT ?", (to, limit)
        ).fetchall()
        return [_gift_dict(str(r["id"]), r["frm"], r["dst"], r["gift"], r["name"],
                           r["animation"], r["message"], r["ts"]) for r in rows]

    async def add_visit(self, owner: str, visitor: str, ts: int) -> bool:
        day_ms = 86_400_000
        with self.db:
            previous = self._one(
                "SELECT ts FROM visits WHERE owner = ? AND visitor = ?", owner, visitor)
            self.db.execute("INSERT OR REPLACE INTO visits VALUES (?, ?, ?)",
                            (owner, visitor, ts))
            first = previous is None or previous // day_ms != ts // day_ms
            if first:
                self.db.execute("INSERT INTO visit_counts VALUES (?, ?, 1) ON CONFLICT"
                                " (owner, day) DO UPDATE SET count = count + 1",
                                (owner, ts // day_ms))
        return first

    async def visit_counts(self, owner: str, day: int) -> tuple[int, int]:
        today, total = self.db.execute(
            "SELECT coalesce(sum(CASE WHEN day = ? THEN count END), 0), coalesce(sum(count), 0)"
            " FROM visit_counts WHERE owner = ?", (day, owner)).fetchone()
        return int(today), int(total)

    async def visitors(self, owner: str, limit: int) -> list[Visit]:
        rows = self.db.execute(
            "SELECT visitor, ts FROM visits WHERE owner = ? ORDER BY ts DESC, visitor LIMIT ?",
            (owner, limit),
        ).fetchall()
        return [Visit(user=r[0], ts=r[1]) for r in rows]

    # levels
    async def add_points(
        self, user: str, action: str, day: int, points: int, cap: int
    ) -> tuple[int, int]:
        with self.db:
            before = int(self._one("SELECT points FROM users WHERE username = ?", user) or 0)
            earned = int(self._one(
                "SELECT earned FROM points_daily WHERE user = ? AND action = ? AND day = ?",
                user, action, day) or 0)
            grant = max(0, min(points, cap - earned))
            if grant:
                self.db.execute(
                    "INSERT INTO points_daily VALUES (?, ?, ?, ?) ON CONFLICT (user, action, day)"
                    " DO UPDATE SET earned = earned + excluded.earned",
                    (user, action, day, grant),
                )
                self.db.execute("UPDATE users SET points = points + ? WHERE username = ?",
                                (grant, user))
        return before, before + grant


def _marks(items: Sequence[Any]) -> str:
    return ", ".join("?" * len(items))



def _gift_dict(gid: str, frm: str, to: str, gift: str, name: str, animation: str,
               message: str, ts: int) -> Gift:
    return {"id": gid, "from": frm, "to": to, "gift": gift, "name": name,
            "animation": animation, "message": message, "ts": ts}
