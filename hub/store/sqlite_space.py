"""What an owner says about their space, in the memory engine's store: space settings
(one JSON row per user who changed any) and blocks (黑名单), and `ties`, the facts the
policy (hub.policy) decides on. `store.sqlite.SqliteStore` inherits it.

A block ends any friendship and any pending request between the two, in the same
transaction, so no rule ever sees a blocked friend.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import fields
from typing import Any

import orjson

from hub.policy import SpaceSettings, Ties


class SqliteSpace:
    db: sqlite3.Connection
    _friends: OrderedDict[str, frozenset[str]]

    async def settings(self, user: str) -> SpaceSettings:
        return (await self.settings_of([user]))[user]

    async def settings_of(self, users: Collection[str]) -> dict[str, SpaceSettings]:
        names = list(dict.fromkeys(users))
        found = {name: SpaceSettings() for name in names}
        if names:
            rows = self.db.execute(
                f"SELECT user, data FROM space_settings WHERE user IN ({_marks(names)})",
                names).fetchall()
            for user, data in rows:
                found[user] = _settings(orjson.loads(data))
        return found

    async def save_settings(self, user: str, settings: SpaceSettings) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO space_settings VALUES (?, ?)",
                            (user, orjson.dumps(settings.wire()).decode()))

    async def set_block(self, owner: str, user: str, on: bool) -> tuple[bool, bool]:
        """(whether the block changed, whether a friendship ended with it)."""
        with self.db:
            if not on:
                cur = self.db.execute("DELETE FROM blocks WHERE owner = ? AND user = ?",
                                      (owner, user))
                return cur.rowcount == 1, False
            cur = self.db.execute("INSERT OR IGNORE INTO blocks VALUES (?, ?)", (owner, user))
            ended = self.db.execute(
                "DELETE FROM friends WHERE (a = ? AND b = ?) OR (a = ? AND b = ?)",
                (owner, user, user, owner)).rowcount > 0
            self.db.execute(
                "DELETE FROM requests WHERE (frm = ? AND dst = ?) OR (frm = ? AND dst = ?)",
                (owner, user, user, owner))
        self._friends.pop(owner, None)
        self._friends.pop(user, None)
        return cur.rowcount == 1, ended

    async def blocks(self, owner: str) -> list[str]:
        rows = self.db.execute("SELECT user FROM blocks WHERE owner = ? ORDER BY user",
                               (owner,)).fetchall()
        return [row[0] for row in rows]

    async def ties(self, owner: str, viewer: str) -> Ties:
        if owner == viewer:
            return Ties(owner=owner, viewer=viewer)
        friends = self.db.execute("SELECT 1 FROM friends WHERE a = ? AND b = ?",
                                  (owner, viewer)).fetchone() is not None
        blocked = self.db.execute(
            "SELECT 1 FROM blocks WHERE (owner = ? AND user = ?) OR (owner = ? AND user = ?)",
            (owner, viewer, viewer, owner)).fetchone() is not None
        groups = frozenset(row[0] for row in self.db.execute(
            "SELECT name FROM group_members WHERE owner = ? AND member = ?", (owner, viewer)))
        return Ties(owner=owner, viewer=viewer, friends=friends, blocked=blocked,
                    groups=groups)


def _marks(items: Collection[Any]) -> str:
    return ", ".join("?" * len(items))


def _settings(data: dict[str, Any]) -> SpaceSettings:
    known = {f.name for f in fields(SpaceSettings)}
    return SpaceSettings(**{k: v for k, v in data.items() if k in known})
