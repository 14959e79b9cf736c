"""Friend groups (分组) and special care (特别关心) in the Redis store: the owner's groups
as a hash under the owner's tag (name → members as JSON), mirrored into each member's
own `in_groups` set, so that the delivery of a group post checks each recipient's
membership in the recipient's own slot (deliver.lua); whom a user cares for, a set,
mirrored as who cares for each target. `store.redis.RedisStore` inherits it.

A change writes both sides in one MULTI (several users' tags: on Redis Cluster one
transaction per slot, docs/redis.md).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import orjson

from hub.redis.errors import engine_call
from hub.redis.errors import text as as_text
from hub.redis.resp import packed
from hub.store.redis_social import RedisSocial


class RedisGroups(RedisSocial):
    @engine_call
    async def set_group(self, owner: str, name: str, members: Sequence[str]) -> None:
        k = self.keys
        before = set((await self.groups(owner)).get(name, ()))
        after = set(members)
        token = f"{owner}\x00{name}"
        await self.pipe.transaction([
            packed(b"HSET", k.groups(owner), name, orjson.dumps(sorted(after))),
            *(packed(b"SREM", k.memberships(m), token) for m in before - after),
            *(packed(b"SADD", k.memberships(m), token) for m in after - before)])

    @engine_call
    async def delete_group(self, owner: str, name: str) -> bool:
        k = self.keys
        members = (await self.groups(owner)).get(name)
        if members is None:
            return False
        token = f"{owner}\x00{name}"
        removed, *_ = await self.pipe.transaction([
            packed(b"HDEL", k.groups(owner), name),
            *(packed(b"SREM", k.memberships(m), token) for m in members)])
        return bool(removed)

    @engine_call
    async def groups(self, owner: str) -> dict[str, list[str]]:
        flat = await self.pipe.command(b"HGETALL", self.keys.groups(owner), retry=True)
        pairs = flat.items() if isinstance(flat, dict) else zip(flat[::2], flat[1::2],
                                                                strict=True)
        return dict(sorted((as_text(n), orjson.loads(m)) for n, m in pairs))

    @engine_call
    async def group_members(self, owner: str, names: Collection[str]) -> set[str]:
        groups = await self.groups(owner)
        return {m for name in names for m in groups.get(name, ())}

    @engine_call
    async def memberships(self, member: str) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for raw in await self.pipe.command(b"SMEMBERS", self.keys.memberships(member),
                                           retry=True):
            owner, _, name = as_text(raw).partition("\x00")
            found.setdefault(owner, set()).add(name)
        return found

    @engine_call
    async def set_care(self, user: str, target: str, on: bool) -> bool:
        k, op = self.keys, (b"SADD" if on else b"SREM")
        changed, _ = await self.pipe.transaction([
            packed(op, k.care(user), target), packed(op, k.cared_by(target), user)])
        return bool(changed)

    @engine_call
    async def cares(self, user: str) -> list[str]:
        return sorted(as_text(m) for m in await self.pipe.command(
            b"SMEMBERS", self.keys.care(user), retry=True))

    @engine_call
    async def carers(self, target: str) -> list[str]:
        return sorted(as_text(m) for m in await self.pipe.command(
            b"SMEMBERS", self.keys.cared_by(target), retry=True))
