"""The accounts half of the Redis store: users (a hash each under the user's tag, and
the global username index) and login sessions (a hash each, with a TTL at expiry).

`store.redis.RedisStore` inherits it; round trips and atomicity are documented there.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from hub.channels.redis_live import packed
from hub.channels.redis_support import Batch, engine_call
from hub.channels.redis_support import text as as_text
from hub.models import UserRecord
from hub.store.redis_social import SCRIPTS, RedisSocial, strs

USER_FIELDS = ("username", "display_name", "password_hash", "created", "signature",
               "head_portrait", "skin", "music", "points")


class RedisAccounts(RedisSocial):
    @engine_call
    async def create_user(self, user: UserRecord) -> bool:
        name = user["username"]
        fields = [x for pair in user.items() for x in pair]
        batch = Batch()
        batch.script(SCRIPTS["create_user"], [self.keys.user(name)], fields)
        batch.command("ZADD", self.keys.usernames, 0, name)  # a no-op when taken
        created, _ = await batch.run(self.pipe)
        return int(created) == 1

    @engine_call
    async def get_user(self, username: str) -> UserRecord | None:
        key = self._user_key(username)
        return None if key is None else _user(await self.pipe.command(b"HGETALL", key,
                                                                      retry=True))

    @engine_call
    async def existing_users(self, usernames: Collection[str]) -> set[str]:
        names = list(dict.fromkeys(usernames))
        if not names:
            return set()
        scores = await self.pipe.command(b"ZMSCORE", self.keys.usernames, *names, retry=True)
        return {name for name, score in zip(names, scores, strict=True) if score is not None}

    @engine_call
    async def get_users(self, usernames: Collection[str]) -> dict[str, UserRecord]:
        keys = [k for n in set(usernames) if (k := self._user_key(n)) is not None]
        if not keys:
            return {}
        found = {}
        for values in await self.pipe.script(SCRIPTS["hmgets"], keys, USER_FIELDS, retry=True):
            if values[0] is not None:
                record = _user(dict(zip(USER_FIELDS, values, strict=True)))
                assert record is not None
                found[record["username"]] = record
        return found

    @engine_call
    async def update_user(self, username: str, fields: dict[str, str]) -> UserRecord | None:
        key = self._user_key(username)
        if key is None:
            return None
        args = [x for pair in fields.items() for x in pair]
        return _user(await self.pipe.script(SCRIPTS["update_user"], [key], args))

    @engine_call
    async def search_users(self, prefix: str, limit: int) -> list[str]:
        if limit == 0:
            return []
        # SQLite's LIKE folds ASCII case only; usernames are lowercase ASCII.
        low = "".join(c.lower() if "A" <= c <= "Z" else c for c in prefix).encode()
        lo, hi = (b"[" + low, b"[" + low + b"\xff") if low else (b"-", b"+")
        names = await self.client.zrangebylex(
            self.keys.usernames, lo, hi, start=0, num=limit if limit > 0 else -1)
        return [as_text(n) for n in names]

    @engine_call
    async def create_session(self, token_hash: str, username: str, expires_ms: int) -> None:
        key = self.keys.session(token_hash)
        await self.pipe.transaction([
            packed(b"HSET", key, b"user", username, b"expires", expires_ms),
            packed(b"PEXPIREAT", key, expires_ms)])

    @engine_call
    async def session_user(self, token_hash: str, now_ms: int) -> str | None:
        user, expires = await self.pipe.command(b"HMGET", self.keys.session(token_hash),
                                                b"user", b"expires", retry=True)
        if user is None or expires is None or int(expires) <= now_ms:
            return None
        return as_text(user)

    @engine_call
    async def delete_session(self, token_hash: str) -> None:
        await self.client.delete(self.keys.session(token_hash))

    def _user_key(self, username: str) -> str | None:
        """The account's key, None for a name no account can have (SQLite: not found)."""
        try:
            return self.keys.user(username)
        except ValueError:
            return None


def _user(reply: Any) -> UserRecord | None:
    if not reply:
        return None
    f = strs(reply)
    return UserRecord(
        username=f["username"], display_name=f["display_name"],
        password_hash=f["password_hash"], created=int(f["created"]),
        signature=f["signature"], head_portrait=f["head_portrait"], skin=f["skin"],
        music=f["music"], points=int(f.get("points") or 0),
    )
