"""The guestbook (留言板) of the Redis store: entries as JSON members of the owner's
`guestbook` sorted set (score = id), private ones (悄悄话), the owner's replies (主人回复,
the member rewritten in place) and deletion. `store.redis.RedisStore` inherits it.

An entry is found by id through the global `entries` hash (id → owner), written with
each entry; entries written before it existed are found in the asking user's own
guestbook, which is where their owner looks for them.
"""

from __future__ import annotations

import orjson

from hub.models import Entry, Reply
from hub.redis.errors import engine_call
from hub.redis.errors import text as as_text
from hub.redis.resp import packed
from hub.store.base import SpaceQuota
from hub.store.redis_social import SCRIPTS, RedisSocial
from hub.together import together

REPLY_RETRIES = 5  # another reply to the same entry landing in between


class RedisGuestbook(RedisSocial):
    @engine_call
    async def add_entry(self, owner: str, author: str, text: str, ts: int, *,
                        private: bool = False, quota: SpaceQuota | None = None) -> Entry:
        eid = await self._next_id("entry")
        entry = Entry(id=eid, owner=owner, author=author, text=text, ts=ts, private=private,
                      reply=None)
        # The index first: one that names an entry never written finds nothing.
        await together(
            self.pipe.command(b"HSET", self.keys.entry_owners, eid, owner),
            self._space_write(self.keys.guestbook(owner), eid, orjson.dumps(entry), quota))
        return entry

    @engine_call
    async def entries(self, owner: str, limit: int) -> list[Entry]:
        return [_filled(e) for e in await self._newest(self.keys.guestbook(owner), limit)]

    @engine_call
    async def entry(self, entry_id: str, owner: str | None = None) -> Entry | None:
        eid = str(int(entry_id))
        indexed = await self.pipe.command(b"HGET", self.keys.entry_owners, eid, retry=True)
        for where in dict.fromkeys(w for w in (indexed and as_text(indexed), owner) if w):
            found = await self._member(where, eid)
            if found is not None:
                return _filled(orjson.loads(found))
        return None

    async def _member(self, owner: str, eid: str) -> bytes | None:
        members = await self.pipe.command(b"ZRANGEBYSCORE", self.keys.guestbook(owner),
                                          eid, eid, retry=True)
        return members[0] if members else None

    @engine_call
    async def delete_entry(self, entry: Entry) -> bool:
        k, eid = self.keys, entry["id"]
        removed, _ = await self.pipe.transaction([
            packed(b"ZREMRANGEBYSCORE", k.guestbook(entry["owner"]), eid, eid),
            packed(b"HDEL", k.entry_owners, eid)])
        return int(removed) > 0

    @engine_call
    async def reply_entry(self, entry: Entry, text: str, ts: int) -> Entry | None:
        key = self.keys.guestbook(entry["owner"])
        for _ in range(REPLY_RETRIES):
            old = await self._member(entry["owner"], entry["id"])
            if old is None:
                return None
            updated = _filled(orjson.loads(old))
            updated["reply"] = Reply(text=text, ts=ts)
            if int(await self.pipe.script(SCRIPTS["replace_member"], [key],
                                          [old, orjson.dumps(updated)])):
                return updated
        raise RuntimeError(f"entry {entry['id']} kept changing while being replied to")


def _filled(entry: Entry) -> Entry:
    """Entries written before private entries and replies lack their fields."""
    entry.setdefault("private", False)
    entry.setdefault("reply", None)
    return entry
