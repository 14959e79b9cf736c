"""Comments and likes of the Redis store, on any subject (hub.subjects): the subject's
`comments` sorted set and `likes` set sit under its hash tag (`{m:<id>}` for a mood,
`{b:<id>}`, `{p:<id>}`), each comment is a global hash (`Keys.comment`).
`store.redis.RedisStore` inherits it; round trips are documented there.

A comment hash names its subject by `kind` and `subject_id`; a mood's also keeps
`mood_id`, the one field nodes from before subjects read, and a hash written by them
(with `mood_id` only) reads as a mood's.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from hub.models import Comment
from hub.redis.errors import engine_call
from hub.redis.errors import text as as_text
from hub.store.base import Refused, SpaceQuota
from hub.store.redis_social import SCRIPTS, RedisSocial, writes_ttl
from hub.store.sqlite_reactions import comment
from hub.subjects import KINDS, Subject, from_fields

COMMENT_FIELDS = ("kind", "subject_id", "mood_id", "author", "text", "reply_to", "ts")


class RedisReactions(RedisSocial):
    @engine_call
    async def add_comment(
        self, subject: Subject, author: str, text: str, reply_to: str | None, ts: int, *,
        quota: SpaceQuota | None = None,
    ) -> Comment | None:
        subject, k = canonical(subject), self.keys
        cid = str(await self.pipe.command(b"HINCRBY", k.ids, b"comment", b"1"))
        fields = ["kind", subject.kind, "subject_id", subject.id, "author", author,
                  "text", text, "reply_to", "" if reply_to is None else _id(reply_to), "ts", ts]
        if subject.kind == "mood":
            fields += ["mood_id", subject.id]
        keys = [k.post(subject), k.comments(subject), k.comment(cid)]
        cap: list[Any] = [author, 0, 0]
        if quota is not None:
            keys.append(k.space_writes(quota.owner, quota.window))
            cap = [quota.author, quota.limit, writes_ttl(quota)]
        stored = int(await self.pipe.script(SCRIPTS["add_comment"], keys, [cid, *cap, *fields]))
        if stored < 0 and quota is not None:
            raise Refused("space_writes", quota.retry_after_ms())
        if not stored:
            return None
        return comment(cid, subject, author, text, reply_to, ts)

    @engine_call
    async def get_comment(self, comment_id: str) -> Comment | None:
        cid = _id(comment_id)
        return _comment(cid, await self.pipe.command(
            b"HMGET", self.keys.comment(cid), *COMMENT_FIELDS, retry=True))

    @engine_call
    async def delete_comment(self, comment_id: str) -> Comment | None:
        """Read it, then delete it if it is still there: 2 round trips."""
        found = await self.get_comment(comment_id)
        if found is None:
            return None
        subject = from_fields(found)
        assert subject is not None
        k = self.keys
        done = await self.pipe.script(SCRIPTS["delete_comment"],
                                      [k.comment(found["id"]), k.comments(subject)],
                                      [found["id"]])
        return found if int(done) else None

    @engine_call
    async def comments(
        self, subjects: Collection[Subject], per_subject: int
    ) -> dict[Subject, tuple[list[Comment], int]]:
        asked = {canonical(s): s for s in subjects}
        result: dict[Subject, tuple[list[Comment], int]] = {s: ([], 0) for s in subjects}
        if not asked or per_subject <= 0:
            return result
        k, keyed = self.keys, list(asked)
        replies = await self.pipe.script(SCRIPTS["comments"], [*map(k.comments, keyed)],
                                         [per_subject], retry=True)
        recent = {s: [as_text(c) for c in reversed(replies[2 * i + 1])]
                  for i, s in enumerate(keyed)}
        wanted = [cid for cids in recent.values() for cid in cids]
        if not wanted:
            return result
        hashes = await self.pipe.script(SCRIPTS["hmgets"], [*map(k.comment, wanted)],
                                        COMMENT_FIELDS, retry=True)
        found = dict(zip(wanted, hashes, strict=True))
        for i, subject in enumerate(keyed):
            total = int(replies[2 * i])
            if total:
                items = [c for cid in recent[subject]
                         if (c := _comment(cid, found[cid])) is not None]
                result[asked[subject]] = (items, total)
        return result

    @engine_call
    async def like(self, subject: Subject, user: str) -> tuple[bool, int]:
        subject = canonical(subject)
        added, count = await self.pipe.script(
            SCRIPTS["like"], [self.keys.post(subject), self.keys.likes(subject)], [user])
        return int(added) == 1, int(count)

    @engine_call
    async def unlike(self, subject: Subject, user: str) -> tuple[bool, int]:
        removed, count = await self.pipe.script(
            SCRIPTS["unlike"], [self.keys.likes(canonical(subject))], [user])
        return int(removed) == 1, int(count)

    @engine_call
    async def likers(self, subject: Subject, limit: int) -> list[str]:
        names = await self.pipe.command(b"SORT", self.keys.likes(canonical(subject)), b"ALPHA",
                                        b"LIMIT", b"0", str(limit), retry=True)
        return [as_text(n) for n in names]

    @engine_call
    async def likes(self, subjects: Collection[Subject], viewer: str
                    ) -> dict[Subject, tuple[int, bool]]:
        asked = {canonical(s): s for s in subjects}
        if not asked:
            return {}
        keyed = list(asked)
        replies = await self.pipe.script(SCRIPTS["likes"], [*map(self.keys.likes, keyed)],
                                         [viewer], retry=True)
        return {asked[s]: (int(replies[2 * i]), bool(replies[2 * i + 1]))
                for i, s in enumerate(keyed)}


def _id(value: str) -> str:
    """An id as SQLite would key it: the decimal form of its integer value."""
    return str(int(value))


def canonical(subject: Subject) -> Subject:
    return Subject(subject.kind, _id(subject.id))


def _comment(cid: str, reply: list[Any]) -> Comment | None:
    kind, subject_id, mood_id, author, text, reply_to, ts = reply
    if author is None:
        return None
    name = as_text(kind) if kind is not None else "mood"
    of = subject_id if subject_id is not None else mood_id
    if name not in KINDS or of is None:
        return None
    return comment(cid, Subject(name, as_text(of)), as_text(author),  # type: ignore[arg-type]
                   as_text(text), as_text(reply_to) or None, int(ts))
