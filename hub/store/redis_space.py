"""What an owner says about their space, in the Redis store: settings (a hash under
the user's tag, only the keys they changed), blocks (a set under the owner's tag), and
`ties`, the facts the policy (hub.policy) decides on, read in one round trip.
`store.redis.RedisStore` inherits it.

A block ends any friendship and pending request between the two in the same MULTI
(two users' tags: on Redis Cluster two transactions, see docs/redis.md).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import fields
from typing import Any

from hub.policy import SpaceSettings, Ties
from hub.redis.errors import engine_call
from hub.redis.errors import text as as_text
from hub.redis.resp import packed
from hub.store.redis_social import RedisSocial

_BOOLEAN = {f.name for f in fields(SpaceSettings) if f.type in ("bool", bool)}


class RedisSpace(RedisSocial):
    @engine_call
    async def settings(self, user: str) -> SpaceSettings:
        return (await self.settings_of([user]))[user]

    @engine_call
    async def settings_of(self, users: Collection[str]) -> dict[str, SpaceSettings]:
        names = list(dict.fromkeys(users))
        if not names:
            return {}
        replies = await self.pipe.batch(
            [packed(b"HGETALL", self.keys.settings(name)) for name in names], retry=True)
        return {name: _settings(reply) for name, reply in zip(names, replies, strict=True)}

    @engine_call
    async def save_settings(self, user: str, settings: SpaceSettings) -> None:
        flat: list[Any] = []
        for key, value in settings.wire().items():
            flat += [key, ("1" if value else "0") if isinstance(value, bool) else value]
        await self.pipe.command(b"HSET", self.keys.settings(user), *flat)

    @engine_call
    async def set_block(self, owner: str, user: str, on: bool) -> tuple[bool, bool]:
        k = self.keys
        if not on:
            return bool(await self.pipe.command(b"SREM", k.blocks(owner), user)), False
        added, ended, *_ = await self.pipe.transaction([
            packed(b"SADD", k.blocks(owner), user),
            packed(b"SREM", k.friends(owner), user), packed(b"SREM", k.friends(user), owner),
            packed(b"SREM", k.requests_out(owner), user),
            packed(b"SREM", k.requests_in(user), owner),
            packed(b"SREM", k.requests_out(user), owner),
            packed(b"SREM", k.requests_in(owner), user)])
        return bool(added), bool(ended)

    @engine_call
    async def blocks(self, owner: str) -> list[str]:
        return sorted(as_text(m) for m in await self.pipe.command(
            b"SMEMBERS", self.keys.blocks(owner), retry=True))

    @engine_call
    async def ties(self, owner: str, viewer: str) -> Ties:
        if owner == viewer:
            return Ties(owner=owner, viewer=viewer)
        k = self.keys
        friends, blocks, blocked_by, memberships = await self.pipe.batch([
            packed(b"SISMEMBER", k.friends(owner), viewer),
            packed(b"SISMEMBER", k.blocks(owner), viewer),
            packed(b"SISMEMBER", k.blocks(viewer), owner),
            packed(b"SMEMBERS", k.memberships(viewer))], retry=True)
        prefix = f"{owner}\x00"
        groups = frozenset(token[len(prefix):] for raw in memberships
                           if (token := as_text(raw)).startswith(prefix))
        return Ties(owner=owner, viewer=viewer, friends=bool(friends),
                    blocked=bool(blocks) or bool(blocked_by), groups=groups)


def _settings(reply: Any) -> SpaceSettings:
    known = {f.name for f in fields(SpaceSettings)}
    values: dict[str, Any] = {}
    pairs = reply.items() if isinstance(reply, dict) else zip(reply[::2], reply[1::2],
                                                              strict=True)
    for raw_key, raw_value in pairs:
        key, value = as_text(raw_key), as_text(raw_value)
        if key in known:
            values[key] = value == "1" if key in _BOOLEAN else value
    return SpaceSettings(**values)
