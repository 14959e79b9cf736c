"""The accounts half of the memory engine's store: users, login sessions, and the
login lock-out buckets (hub/lockout.py) kept in this process.

`store.sqlite.SqliteStore` inherits it; every method is one short transaction on the
event loop's thread, as there. The lock-out is in-process on purpose: one process is
the whole memory engine, and a reservation taken without an await in between cannot
be raced by a parallel guess.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from functools import cached_property
from typing import Any

from hub.lockout import LoginBuckets, Reservation
from hub.models import UserRecord
from hub.store import usersearch


class SqliteAccounts:
    db: sqlite3.Connection

    async def create_user(self, user: UserRecord) -> bool:
        try:
            with self.db:
                self.db.execute(
                    "INSERT INTO users (username, display_name, password_hash, created,"
                    " signature, head_portrait, skin, music, points) VALUES (:username,"
                    " :display_name, :password_hash, :created, :signature, :head_portrait,"
                    " :skin, :music, :points)",
                    dict(user),
                )
        except sqlite3.IntegrityError:
            return False
        return True

    async def get_user(self, username: str) -> UserRecord | None:
        row = self.db.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()
        return None if row is None else _user(row)

    async def get_users(self, usernames: Collection[str]) -> dict[str, UserRecord]:
        names = list(usernames)
        if not names:
            return {}
        rows = self.db.execute(
            f"SELECT * FROM users WHERE username IN ({_marks(names)})", names
        ).fetchall()
        return {row["username"]: _user(row) for row in rows}

    async def existing_users(self, usernames: Collection[str]) -> set[str]:
        names = list(usernames)
        if not names:
            return set()
        rows = self.db.execute(
            f"SELECT username FROM users WHERE username IN ({_marks(names)})", names)
        return {row[0] for row in rows}

    def unregistered(self, usernames: Sequence[str]) -> list[str]:
        """Those of `usernames` (no duplicates) that are not users. Synchronous: the
        memory broker checks a publish's recipients with it. Counting first keeps the
        common case — everyone exists — free of per-row Python work."""
        if not usernames:
            return []
        marks = _marks(usernames)
        (found,) = self.db.execute(
            f"SELECT count(*) FROM users WHERE username IN ({marks})", usernames).fetchone()
        if found == len(usernames):
            return []
        known = {row[0] for row in self.db.execute(
            f"SELECT username FROM users WHERE username IN ({marks})", usernames)}
        return [name for name in usernames if name not in known]

    async def update_user(self, username: str, fields: dict[str, str]) -> UserRecord | None:
        if fields:
            sets = ", ".join(f"{name} = :{name}" for name in fields)
            with self.db:
                self.db.execute(
                    f"UPDATE users SET {sets} WHERE username = :username",
                    {**fields, "username": username},
                )
        return await self.get_user(username)

    async def search_users(self, prefix: str, limit: int) -> list[str]:
        # Prefix ranges, so each half reads an index: the primary key, and
        # users_display_name on lower(display_name) (the rules: store/usersearch.py).
        low = usersearch.ascii_lower(prefix)
        high = usersearch.upper_bound(low)

        def half(column: str, bound: str) -> str:
            below = "" if high is None else f" AND {column} < :high"
            return (f"SELECT username FROM (SELECT username FROM users WHERE {column} >= :low"
                    f"{below} ORDER BY {column} LIMIT :{bound})")

        rows = self.db.execute(
            f"{half('username', 'limit')} UNION {half('lower(display_name)', 'scan')}"
            " ORDER BY username LIMIT :limit",
            {"low": low, "high": high, "scan": usersearch.NAME_SCAN, "limit": limit},
        ).fetchall()
        return [row[0] for row in rows]

    async def create_session(self, token_hash: str, username: str, expires_ms: int) -> None:
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO sessions VALUES (?, ?, ?)",
                (token_hash, username, expires_ms),
            )

    async def session_user(self, token_hash: str, now_ms: int) -> str | None:
        row = self.db.execute(
            "SELECT username, expires FROM sessions WHERE token_hash = ?", (token_hash,)
        ).fetchone()
        if row is None or row[1] <= now_ms:
            return None
        return str(row[0])

    async def delete_session(self, token_hash: str) -> None:
        with self.db:
            self.db.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,))

    async def user_sessions(self, username: str, now_ms: int) -> list[str]:
        rows = self.db.execute(
            "SELECT token_hash FROM sessions WHERE username = ? AND expires > ?"
            " ORDER BY expires", (username, now_ms))
        return [row[0] for row in rows]

    async def delete_user_sessions(self, username: str, keep: str | None = None
                                   ) -> list[str]:
        with self.db:
            rows = self.db.execute(
                "SELECT token_hash FROM sessions WHERE username = ? AND token_hash != ?",
                (username, keep or "")).fetchall()
            self.db.execute("DELETE FROM sessions WHERE username = ? AND token_hash != ?",
                            (username, keep or ""))
        return [row[0] for row in rows]

    async def purge_sessions(self, now_ms: int, limit: int) -> int:
        with self.db:
            cur = self.db.execute(
                "DELETE FROM sessions WHERE token_hash IN (SELECT token_hash FROM sessions"
                " WHERE expires <= ? LIMIT ?)", (now_ms, limit))
        return cur.rowcount

    @cached_property
    def _login_buckets(self) -> LoginBuckets:
        return LoginBuckets()

    async def reserve_login(self, username: str, address: str, now_ms: int) -> Reservation:
        # no await before the take: parallel guesses are served one after the other
        wait, refused_by = self._login_buckets.reserve(username, address, now_ms)
        if wait:
            return Reservation(wait_ms=wait, refused_by=refused_by)
        return Reservation(user=await self.get_user(username))

    async def refund_login(self, username: str, address: str, now_ms: int) -> None:
        self._login_buckets.refund(username, address, now_ms)


def _marks(items: Sequence[Any]) -> str:
    return ", ".join("?" * len(items))


def _user(row: sqlite3.Row) -> UserRecord:
    return UserRecord(
        username=row["username"], display_name=row["display_name"],
        password_hash=row["password_hash"], created=row["created"],
        signature=row["signature"], head_portrait=row["head_portrait"], skin=row["skin"],
        music=row["music"], points=row["points"],
    )
