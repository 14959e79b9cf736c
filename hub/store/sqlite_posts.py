"""Posts of the memory engine's store: the feed entries of every kind (`models.PostKind`)
in one `moods` table — so one timeline query serves the feed, a space and a kind's list —
with a blog's body and read count in `blogs` beside its entry (same id).

`kind` and `extra` (the kind's own fields as JSON, `''` for none) came with schema 5;
every entry before them is a mood.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from typing import Any

import orjson

from hub.models import Mood, PostKind, Visibility, wire_visibility
from hub.subjects import Subject


class SqlitePosts:
    db: sqlite3.Connection

    def _drop_reactions(self, subject: Subject) -> None: ...  # SqliteReactions'

    async def add_mood(
        self, author: str, text: str, visibility: Visibility, tag: str, ts: int, *,
        groups: Sequence[str] = (), kind: PostKind = "mood",
        extra: dict[str, Any] | None = None, body: str | None = None,
    ) -> Mood:
        names = sorted(groups) if visibility == "groups" else []
        with self.db:
            cur = self.db.execute(
                "INSERT INTO moods (author, text, visibility, tag, ts, groups, kind, extra)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (author, text, visibility, tag, ts, _json(names) if names else "", kind,
                 _json(extra) if extra else ""))
            if body is not None:
                self.db.execute("INSERT INTO blogs (id, body) VALUES (?, ?)",
                                (cur.lastrowid, body))
        return _entry(str(cur.lastrowid), kind, author, text, visibility, names, tag, ts,
                      extra)

    async def get_mood(self, mood_id: str) -> Mood | None:
        row = self.db.execute("SELECT * FROM moods WHERE id = ?", (int(mood_id),)).fetchone()
        return None if row is None else _mood(row)

    async def get_moods(self, ids: Collection[str]) -> dict[str, Mood]:
        if not ids:
            return {}
        rows = self.db.execute("SELECT m.* FROM json_each(?) AS i JOIN moods AS m"
                               " ON m.id = i.value", (_json(sorted({int(i) for i in ids})),))
        return {str(row["id"]): _mood(row) for row in rows}

    async def blog_body(self, blog_id: str, *, count_read: bool = False
                        ) -> tuple[str, int] | None:
        bid = int(blog_id)
        with self.db:
            if count_read:
                self.db.execute("UPDATE blogs SET reads = reads + 1 WHERE id = ?", (bid,))
            row = self.db.execute("SELECT body, reads FROM blogs WHERE id = ?",
                                  (bid,)).fetchone()
        return None if row is None else (row[0], int(row[1]))

    async def update_post(
        self, post_id: str, *, text: str | None = None, extra: dict[str, Any] | None = None,
        visibility: Visibility | None = None, groups: Sequence[str] = (),
        body: str | None = None,
    ) -> Mood | None:
        pid = int(post_id)
        with self.db:
            row = self.db.execute("SELECT * FROM moods WHERE id = ?", (pid,)).fetchone()
            if row is None:
                return None
            merged = {**(orjson.loads(row["extra"]) if row["extra"] else {}), **(extra or {})}
            names = sorted(groups) if visibility == "groups" else []
            self.db.execute(
                "UPDATE moods SET text = coalesce(?, text), extra = ?,"
                " visibility = coalesce(?, visibility), groups = CASE WHEN ? IS NULL"
                " THEN groups ELSE ? END WHERE id = ?",
                (text, _json(merged) if merged else "", visibility, visibility,
                 _json(names) if names else "", pid))
            if body is not None:
                self.db.execute("UPDATE blogs SET body = ? WHERE id = ?", (body, pid))
        return await self.get_mood(post_id)

    async def on_this_day(self, author: str, now_ms: int, limit: int) -> list[Mood]:
        rows = self.db.execute(
            "SELECT * FROM moods WHERE author = ?"
            " AND strftime('%m-%d', ts / 1000, 'unixepoch') ="
            " strftime('%m-%d', ? / 1000, 'unixepoch')"
            " AND strftime('%Y', ts / 1000, 'unixepoch') <"
            " strftime('%Y', ? / 1000, 'unixepoch') ORDER BY id DESC LIMIT ?",
            (author, now_ms, now_ms, limit)).fetchall()
        return [_mood(row) for row in rows]

    async def delete_mood(self, mood_id: str) -> bool:
        return await self.delete_post(Subject("mood", mood_id))

    async def delete_post(self, subject: Subject) -> bool:
        """A mood or a blog: its entry (and a blog's body), comments and likes."""
        pid = int(subject.id)
        with self.db:
            cur = self.db.execute("DELETE FROM moods WHERE id = ?", (pid,))
            self.db.execute("DELETE FROM blogs WHERE id = ?", (pid,))
            self._drop_reactions(subject)
        return cur.rowcount == 1

    async def timeline(
        self, sources: Sequence[tuple[str, Visibility]], before: str | None, limit: int,
        *, kinds: Collection[PostKind] | None = None,
    ) -> list[Mood]:
        if not sources:
            return []
        # The sources travel as one JSON parameter: an OR term per source would pass
        # SQLite's expression-depth limit (1,000) at ~500 friends.
        # (Deduplicated, or a source named twice would join its moods twice.)
        args: list[Any] = [_json([list(p) for p in dict.fromkeys(sources)])]
        where = []
        if before is not None:
            where.append("m.id < ?")
            args.append(int(before))
        if kinds is not None:
            where.append("m.kind IN (SELECT value FROM json_each(?))")
            args.append(_json(sorted(kinds)))
        args.append(limit)
        bound = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self.db.execute(
            "SELECT m.* FROM json_each(?) AS s JOIN moods AS m"
            " ON m.author = json_extract(s.value, '$[0]')"
            " AND m.visibility = json_extract(s.value, '$[1]')"
            f"{bound} ORDER BY m.id DESC LIMIT ?", args
        ).fetchall()
        return [_mood(row) for row in rows]


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _entry(pid: str, kind: str, author: str, text: str, visibility: str, groups: list[str],
           tag: str, ts: int, extra: dict[str, Any] | None) -> Mood:
    mood = {"id": pid, "kind": kind, "author": author, "text": text,
            "visibility": wire_visibility(visibility, groups), "tag": tag, "ts": ts}
    if extra:
        mood.update(extra)
    return mood  # type: ignore[return-value]


def _mood(row: sqlite3.Row) -> Mood:
    return _entry(str(row["id"]), row["kind"], row["author"], row["text"], row["visibility"],
                  orjson.loads(row["groups"]) if row["groups"] else [], row["tag"], row["ts"],
                  orjson.loads(row["extra"]) if row["extra"] else None)
