"""The social half of the Redis store — friends and requests, gifts, the guestbook,
visits and level points — and what both halves share: the Lua scripts and the small
decoders from Redis replies (bytes) to the records of `hub.models`.

`store.redis.RedisStore` inherits from `RedisSocial`; the behaviour is documented there
and is the SQLite store's, operation for operation. Keys come from `hub.redis.keys.Keys`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import orjson
from redis.asyncio import Redis

from hub.clock import DAY_MS
from hub.models import Gift, Visit
from hub.redis.errors import Link, engine_call
from hub.redis.errors import text as as_text
from hub.redis.keys import Keys
from hub.redis.pipe import AutoPipeline, pipe_for
from hub.redis.resp import packed
from hub.redis.scripts import LuaScript
from hub.store.base import DECLINE_COOLDOWN_MS, Refused, RequestRules, SpaceQuota

SCRIPTS = LuaScript.load_dir(Path(__file__).parent / "lua")
POINTS_DAY_TTL = 2 * 86_400  # seconds a day's points hash outlives its last grant


class RedisSocial:
    def __init__(self, client: Redis, keys: Keys, pipe: AutoPipeline | None = None) -> None:
        self.client = client
        self.keys = keys
        self.link = Link()
        # the op path's commands, scripts and transactions share one auto-pipelined
        # connection; the rest (search, visitors, sessions' deletion) use the pool
        self.pipe = pipe or pipe_for(client)

    # friends
    @engine_call
    async def friends(self, user: str) -> set[str]:
        return {as_text(m) for m in await self.pipe.command(
            b"SMEMBERS", self.keys.friends(user), retry=True)}

    @engine_call
    async def add_request(self, frm: str, to: str, *, rules: RequestRules | None = None,
                          quota: SpaceQuota | None = None) -> bool:
        k = self.keys
        keys = [k.requests_out(frm), k.requests_in(to), k.declined(to)]
        checked = rules or RequestRules(now_ms=0)
        args: list[Any] = [frm, to, checked.now_ms, checked.cooldown_ms, checked.max_outgoing,
                           checked.max_incoming, "1" if rules is not None else "0"]
        if quota is not None:
            keys.append(k.space_writes(quota.owner, quota.window))
            args += [quota.limit, writes_ttl(quota)]
        status, *more = await self.pipe.script(SCRIPTS["add_request"], keys, args)
        if isinstance(status, bytes):
            reason = as_text(status)
            wait = int(more[0]) if more else (
                quota.retry_after_ms() if quota is not None and reason == "space_writes" else None)
            raise Refused(reason, wait)  # type: ignore[arg-type]
        return int(status) == 1

    @engine_call
    async def remove_request(self, frm: str, to: str) -> bool:
        k = self.keys
        removed, _ = await self.pipe.transaction([
            packed(b"SREM", k.requests_out(frm), to), packed(b"SREM", k.requests_in(to), frm)])
        return int(removed) == 1

    @engine_call
    async def decline_request(self, frm: str, to: str, now_ms: int) -> bool:
        k = self.keys
        return bool(await self.pipe.script(
            SCRIPTS["decline_request"], [k.requests_out(frm), k.requests_in(to), k.declined(to)],
            [frm, to, now_ms, DECLINE_COOLDOWN_MS]))

    @engine_call
    async def requests(self, user: str) -> tuple[list[str], list[str]]:
        k = self.keys
        incoming, outgoing = await self.pipe.batch([
            packed(b"SMEMBERS", k.requests_in(user)), packed(b"SMEMBERS", k.requests_out(user))],
            retry=True)
        return sorted(map(as_text, incoming)), sorted(map(as_text, outgoing))

    @engine_call
    async def add_friendship(self, a: str, b: str) -> bool:
        k = self.keys
        results = await self.pipe.transaction([
            packed(b"SREM", k.requests_out(a), b), packed(b"SREM", k.requests_in(b), a),
            packed(b"SREM", k.requests_out(b), a), packed(b"SREM", k.requests_in(a), b),
            packed(b"SADD", k.friends(a), b), packed(b"SADD", k.friends(b), a)])
        return int(results[4]) + int(results[5]) > 0

    @engine_call
    async def remove_friendship(self, a: str, b: str) -> bool:
        k = self.keys
        first, second = await self.pipe.transaction([
            packed(b"SREM", k.friends(a), b), packed(b"SREM", k.friends(b), a)])
        return int(first) + int(second) > 0

    # gifts, guestbook, visits: JSON records in sorted sets scored by their id
    async def _next_id(self, counter: str) -> str:
        return str(await self.pipe.command(b"HINCRBY", self.keys.ids, counter, b"1"))

    async def _newest(self, key: str, limit: int) -> list[Any]:
        if limit == 0:
            return []
        return [orjson.loads(cast(bytes, m)) for m in await self.pipe.command(
            b"ZREVRANGE", key, b"0", str(_stop(limit)), retry=True)]

    async def _space_write(self, key: str, score: str, member: bytes,
                           quota: SpaceQuota | None) -> None:
        """ZADD `member`, within `quota` when given (space_write.lua): one command."""
        if quota is None:
            await self.pipe.command(b"ZADD", key, score, member)
            return
        if not int(await self.pipe.script(
                SCRIPTS["space_write"], [self.keys.space_writes(quota.owner, quota.window), key],
                [quota.author, quota.limit, writes_ttl(quota), score, member])):
            raise Refused("space_writes", quota.retry_after_ms())

    @engine_call
    async def add_gift(
        self, frm: str, to: str, gift: str, name: str, animation: str, message: str, ts: int,
        *, quota: SpaceQuota | None = None,
    ) -> Gift:
        gid = await self._next_id("gift")
        record: Gift = {"id": gid, "from": frm, "to": to, "gift": gift, "name": name,
                        "animation": animation, "message": message, "ts": ts}
        await self._space_write(self.keys.gifts(to), gid, orjson.dumps(record), quota)
        return record

    @engine_call
    async def gifts(self, to: str, limit: int) -> list[Gift]:
        return await self._newest(self.keys.gifts(to), limit)

    @engine_call
    async def add_visit(self, owner: str, visitor: str, ts: int) -> bool:
        k = self.keys
        return bool(await self.pipe.script(
            SCRIPTS["add_visit"], [k.visitors(owner), k.visit_counts(owner)],
            [visitor, ts, DAY_MS]))

    @engine_call
    async def visit_counts(self, owner: str, day: int) -> tuple[int, int]:
        today, total = await self.pipe.command(b"HMGET", self.keys.visit_counts(owner),
                                               f"d{day}", b"total", retry=True)
        return int(today or 0), int(total or 0)

    @engine_call
    async def visitors(self, owner: str, limit: int) -> list[Visit]:
        """Newest first, ties by name; one round trip unless a tie straddles `limit`."""
        if limit == 0:
            return []
        key = self.keys.visitors(owner)
        if limit < 0:
            return _visits(await self.client.zrevrange(key, 0, -1, withscores=True))
        # One extra member shows whether the last place is shared with a visitor beyond
        # it (ZREVRANGE breaks ties by name descending; the SQLite order is ascending).
        rows = _visits(await self.client.zrevrange(key, 0, limit, withscores=True))
        if len(rows) <= limit or rows[limit - 1]["ts"] != rows[limit]["ts"]:
            return rows[:limit]
        edge = rows[limit - 1]["ts"]
        tied = await self.client.zrangebyscore(key, edge, edge)
        above = [v for v in rows if v["ts"] > edge]
        return (above + [Visit(user=as_text(m), ts=edge) for m in tied])[:limit]

    # levels
    @engine_call
    async def add_points(
        self, user: str, action: str, day: int, points: int, cap: int
    ) -> tuple[int, int]:
        k = self.keys
        before, after = await self.pipe.script(
            SCRIPTS["add_points"], [k.user(user), k.points_day(user, day)],
            [action, points, cap, POINTS_DAY_TTL])
        return int(before), int(after)


def _stop(limit: int) -> int:
    """The inclusive ZRANGE stop index of SQL's `LIMIT limit` (negative: no limit)."""
    return limit - 1 if limit > 0 else -1


def _visits(rows: Any) -> list[Visit]:
    visits = [Visit(user=as_text(m), ts=int(score)) for m, score in rows]
    visits.sort(key=lambda v: (-v["ts"], v["user"]))
    return visits


def strs(reply: Any) -> dict[str, str]:
    """A HGETALL reply (or a flat field/value list from a script) as a str dict."""
    if isinstance(reply, list):
        reply = dict(zip(reply[::2], reply[1::2], strict=True))
    return {as_text(k): as_text(v) for k, v in reply.items()}


def writes_ttl(quota: SpaceQuota) -> int:
    """Seconds a window's writes hash is kept: through the next window."""
    return 2 * quota.window_ms // 1000
