"""Posts of the Redis store: the feed entries of every kind (`models.PostKind`), with a
blog's body beside its entry. `store.redis.RedisStore` inherits it; the round trips are
documented there.

Every entry is the hash `Keys.mood(id)` (fields `kind` and `extra`, the kind's own
fields as JSON; an entry without them, from before other kinds, is a mood) and its id
sits in the author's `moods:<visibility>` sorted set, so one merge serves the feed and
a space whatever the kinds. A kind listed on its own (a user's blogs) is also in the
author's `posts:<kind>:<visibility>` set. A blog's body and read count are the hash
`Keys.post(blog)`, under the blog's tag with its comments and likes; that hash is the one
a comment or like checks and a deletion seals.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, cast

import orjson

from hub.clock import on_this_day
from hub.models import Mood, PostKind, Visibility, wire_visibility
from hub.redis.errors import engine_call
from hub.redis.errors import text as as_text
from hub.redis.keys import Keys
from hub.redis.pipe import AutoPipeline
from hub.redis.resp import packed
from hub.store.redis_social import SCRIPTS
from hub.subjects import Subject

MOOD_FIELDS = ("author", "text", "visibility", "tag", "ts", "groups", "kind", "extra")
LISTED_KINDS: tuple[PostKind, ...] = ("blog",)  # kinds with a list of their own
TIMELINE_RETRIES = 3  # a mood deleted between the two reads of `timeline` is refetched
DELETE_RETRIES = 20  # another delete of the same mood running at once
UPDATE_RETRIES = 5  # the visibility changed between the read and the write
ON_THIS_DAY_SCAN = 5000  # newest moods of a user that 那年今日 looks through
VISIBILITIES = ("public", "friends", "private", "groups")


class RedisPosts:
    keys: Keys
    pipe: AutoPipeline

    @engine_call
    async def add_mood(
        self, author: str, text: str, visibility: Visibility, tag: str, ts: int, *,
        groups: Sequence[str] = (), kind: PostKind = "mood",
        extra: dict[str, Any] | None = None, body: str | None = None,
    ) -> Mood:
        k = self.keys
        names = sorted(groups) if visibility == "groups" else []
        mid = str(await self.pipe.command(b"HINCRBY", k.ids, b"mood", b"1"))
        fields: list[Any] = [b"groups", orjson.dumps(names)] if names else []
        if kind != "mood":
            fields += [b"kind", kind]
        if extra:
            fields += [b"extra", orjson.dumps(extra)]
        writes = [packed(b"HSET", k.mood(mid), b"author", author, b"text", text,
                         b"visibility", visibility, b"tag", tag, b"ts", ts, *fields),
                  packed(b"ZADD", k.moods(author, visibility), mid, mid)]
        if kind in LISTED_KINDS:
            writes.append(packed(b"ZADD", k.posts(author, kind, visibility), mid, mid))
        if body is not None:
            writes.append(packed(b"HSET", k.post(_subject(kind, mid)), b"body", body,
                                 b"reads", 0))
        await self.pipe.transaction(writes)
        return _entry(mid, kind, author, text, visibility, names, tag, ts, extra)

    @engine_call
    async def get_mood(self, mood_id: str) -> Mood | None:
        mid = _id(mood_id)
        return _mood(mid, await self.pipe.command(b"HMGET", self.keys.mood(mid), *MOOD_FIELDS,
                                                  retry=True))

    @engine_call
    async def get_moods(self, ids: Collection[str]) -> dict[str, Mood]:
        wanted = sorted({_id(i) for i in ids}, key=int)
        return {m["id"]: m for m in await self._moods(wanted) if m is not None}

    @engine_call
    async def blog_body(self, blog_id: str, *, count_read: bool = False
                        ) -> tuple[str, int] | None:
        found = await self.pipe.script(SCRIPTS["blog_read"],
                                       [self.keys.post(Subject("blog", _id(blog_id)))],
                                       ["1" if count_read else "0"], retry=not count_read)
        return None if found is None else (as_text(found[0]), int(found[1]))

    @engine_call
    async def update_post(
        self, post_id: str, *, text: str | None = None, extra: dict[str, Any] | None = None,
        visibility: Visibility | None = None, groups: Sequence[str] = (),
        body: str | None = None,
    ) -> Mood | None:
        k, pid = self.keys, _id(post_id)
        for _ in range(UPDATE_RETRIES):
            now = await self.get_mood(pid)
            if now is None:
                return None
            kind, author = now["kind"], now["author"]
            was = _stored(now["visibility"])
            fields: list[Any] = []
            if text is not None:
                fields += ["text", text]
            if extra:
                fields += ["extra", orjson.dumps({**_extra(now), **extra})]
            sets = []
            if visibility is not None:
                names = sorted(groups) if visibility == "groups" else []
                fields += ["visibility", visibility, "groups",
                           orjson.dumps(names) if names else ""]
                sets = [k.moods(author, was), k.moods(author, visibility)]
                if kind in LISTED_KINDS:
                    sets += [k.posts(author, kind, was), k.posts(author, kind, visibility)]
            sealed = k.post(_subject(kind, pid))
            done = int(await self.pipe.script(SCRIPTS["update_post"], [k.mood(pid), sealed, *sets],
                                              [pid, was, body or "", "0" if body is None else "1",
                                               *fields]))
            if done >= 0:
                return await self.get_mood(pid) if done else None
        raise RuntimeError(f"post {pid} kept changing while being updated")

    @engine_call
    async def delete_mood(self, mood_id: str) -> bool:
        return await self.delete_post(Subject("mood", mood_id))

    @engine_call
    async def delete_post(self, subject: Subject) -> bool:
        mid, k = _id(subject.id), self.keys
        subject = Subject(subject.kind, mid)
        sealed = k.post(subject)
        # Refuse new comments first: the script below deletes only the comments it was
        # told of, and without the mark a steady stream of comments could make every
        # retry stale. Left set if this node dies here: the post can be deleted again.
        if not int(await self.pipe.script(SCRIPTS["seal_mood"], [sealed], [])):
            return False
        for _ in range(DELETE_RETRIES):
            (author, visibility, kind), cids = await self.pipe.batch([
                packed(b"HMGET", k.mood(mid), b"author", b"visibility", b"kind"),
                packed(b"ZRANGE", k.comments(subject), 0, -1)], retry=True)
            if author is None or visibility is None:
                return False
            names, who = [as_text(c) for c in cids], as_text(author)
            seen = cast(Visibility, as_text(visibility))
            sets = [k.moods(who, seen)]
            listed = as_text(kind) if kind is not None else "mood"
            if listed in LISTED_KINDS:
                sets.append(k.posts(who, cast(PostKind, listed), seen))
            more = [k.mood(mid)] if sealed != k.mood(mid) else []
            keys = [sealed, k.comments(subject), k.likes(subject), *sets, *more,
                    *map(k.comment, names)]
            done = int(await self.pipe.script(SCRIPTS["delete_mood"], keys,
                                              [mid, len(sets), len(more), *names]))
            if done >= 0:
                return done == 1
        raise RuntimeError(f"{subject} kept gaining comments while being deleted")

    @engine_call
    async def timeline(
        self, sources: Sequence[tuple[str, Visibility]], before: str | None, limit: int,
        *, kinds: Collection[PostKind] | None = None,
    ) -> list[Mood]:
        pairs = list(dict.fromkeys(sources))
        if not pairs or limit == 0:
            return []
        top = f"({int(before)}" if before is not None else "+inf"
        k = self.keys
        if kinds is None:
            sets = [k.moods(author, visibility) for author, visibility in pairs]
        else:
            if not set(kinds) <= set(LISTED_KINDS):
                raise ValueError(f"only {LISTED_KINDS} are listed by kind")
            sets = [k.posts(author, kind, visibility)
                    for author, visibility in pairs for kind in sorted(kinds)]
        moods: list[Mood | None] = []
        for _ in range(TIMELINE_RETRIES):
            newest = [str(i) for i in await self.pipe.script(
                SCRIPTS["timeline"], sets, [top, limit], retry=True)]
            if not newest:
                return []
            moods = await self._moods(newest)
            if all(moods):
                break  # else a mood was deleted between the reads: read again
        return [m for m in moods if m is not None]

    @engine_call
    async def on_this_day(self, author: str, now_ms: int, limit: int) -> list[Mood]:
        """Reads the author's newest `ON_THIS_DAY_SCAN` moods and keeps the day's: no
        index by date (a user's own moods, a few times a day at most)."""
        sets = [self.keys.moods(author, v) for v in VISIBILITIES]  # type: ignore[arg-type]
        ids = [str(i) for i in await self.pipe.script(
            SCRIPTS["timeline"], sets, ["+inf", ON_THIS_DAY_SCAN], retry=True)]
        found = [m for m in await self._moods(ids) if m is not None
                 and on_this_day(m["ts"], now_ms)]
        return found[:limit]

    async def _moods(self, ids: list[str]) -> list[Mood | None]:
        if not ids:
            return []
        replies = await self.pipe.script(SCRIPTS["hmgets"], [*map(self.keys.mood, ids)],
                                         MOOD_FIELDS, retry=True)
        return [_mood(mid, reply) for mid, reply in zip(ids, replies, strict=True)]


def _id(value: str) -> str:
    """An id as SQLite would key it: the decimal form of its integer value."""
    return str(int(value))


def _subject(kind: str, post_id: str) -> Subject:
    """The subject whose hash holds the post: a blog's own, else the entry (a mood's)."""
    return Subject("blog", post_id) if kind == "blog" else Subject("mood", post_id)


def _stored(visibility: Any) -> Visibility:
    return "groups" if isinstance(visibility, dict) else visibility


_CORE = frozenset(("id", "kind", "author", "text", "visibility", "tag", "ts"))


def _extra(mood: Mood) -> dict[str, Any]:
    return {key: value for key, value in mood.items() if key not in _CORE}


def _entry(pid: str, kind: str, author: str, text: str, visibility: str, groups: list[str],
           tag: str, ts: int, extra: dict[str, Any] | None) -> Mood:
    mood = {"id": pid, "kind": kind, "author": author, "text": text,
            "visibility": wire_visibility(visibility, groups), "tag": tag, "ts": ts}
    if extra:
        mood.update(extra)
    return mood  # type: ignore[return-value]


def _mood(mid: str, reply: list[Any]) -> Mood | None:
    author, text, visibility, tag, ts, groups, kind, extra = reply
    if author is None:
        return None
    return _entry(mid, as_text(kind) if kind is not None else "mood", as_text(author),
                  as_text(text), as_text(visibility), orjson.loads(groups) if groups else [],
                  as_text(tag), int(ts), orjson.loads(extra) if extra else None)
