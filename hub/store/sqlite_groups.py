"""Friend groups (分组) and special care (特别关心) in the memory engine's store: each
owner's named groups and their members, and whom each user keeps special care for.
`store.sqlite.SqliteStore` inherits it. `group_members_sync` is the memory broker's
check of a group post's audience at the moment of the write."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence


class SqliteGroups:
    db: sqlite3.Connection

    async def set_group(self, owner: str, name: str, members: Sequence[str]) -> None:
        with self.db:
            self.db.execute("INSERT OR IGNORE INTO friend_groups VALUES (?, ?)", (owner, name))
            self.db.execute("DELETE FROM group_members WHERE owner = ? AND name = ?",
                            (owner, name))
            self.db.executemany("INSERT OR IGNORE INTO group_members VALUES (?, ?, ?)",
                                [(owner, name, m) for m in members])

    async def delete_group(self, owner: str, name: str) -> bool:
        with self.db:
            cur = self.db.execute("DELETE FROM friend_groups WHERE owner = ? AND name = ?",
                                  (owner, name))
            self.db.execute("DELETE FROM group_members WHERE owner = ? AND name = ?",
                            (owner, name))
        return cur.rowcount == 1

    async def groups(self, owner: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {row[0]: [] for row in self.db.execute(
            "SELECT name FROM friend_groups WHERE owner = ? ORDER BY name", (owner,))}
        for name, member in self.db.execute(
                "SELECT name, member FROM group_members WHERE owner = ? ORDER BY member",
                (owner,)):
            found.setdefault(name, []).append(member)
        return found

    def group_members_sync(self, owner: str, names: frozenset[str]) -> frozenset[str]:
        if not names:
            return frozenset()
        marks = ", ".join("?" * len(names))
        return frozenset(row[0] for row in self.db.execute(
            f"SELECT member FROM group_members WHERE owner = ? AND name IN ({marks})",
            (owner, *names)))

    async def group_members(self, owner: str, names: Collection[str]) -> set[str]:
        return set(self.group_members_sync(owner, frozenset(names)))

    async def memberships(self, member: str) -> dict[str, set[str]]:
        """owner → the names of the owner's groups that `member` is in."""
        found: dict[str, set[str]] = {}
        for owner, name in self.db.execute(
                "SELECT owner, name FROM group_members WHERE member = ?", (member,)):
            found.setdefault(owner, set()).add(name)
        return found

    async def set_care(self, user: str, target: str, on: bool) -> bool:
        with self.db:
            cur = self.db.execute(
                "INSERT OR IGNORE INTO care VALUES (?, ?)" if on else
                "DELETE FROM care WHERE user = ? AND target = ?", (user, target))
        return cur.rowcount == 1

    async def cares(self, user: str) -> list[str]:
        return [row[0] for row in self.db.execute(
            "SELECT target FROM care WHERE user = ? ORDER BY target", (user,))]

    async def carers(self, target: str) -> list[str]:
        return [row[0] for row in self.db.execute(
            "SELECT user FROM care WHERE target = ? ORDER BY user", (target,))]
