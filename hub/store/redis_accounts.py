"""The accounts half of the Redis store: users (a hash each under the user's tag, and
the global username and display-name indexes), login sessions (a hash each, with a TTL
at expiry, and a per-user index of them under the user's tag) and the login lock-out
buckets (hub/lockout.py), shared by every node.

Round trips: `create_user` (the script, which also indexes the display name, and the
username index's ZADD in one pipeline), `update_user` (a script that moves the
display-name index member when the name changes) and `search_users` (both indexes in one
pipeline) are 1 each; `reserve_login` (reserve and read the account: `login_reserve.lua`),
`refund_login` and `create_session` (index script + MULTI/EXEC in one pipeline) are 1
each; `delete_session` reads the session's user, then unindexes and deletes it (3,
logout is rare); `delete_user_sessions` reads the index, then whose each session is,
then unlinks them (3).

`store.redis.RedisStore` inherits it; round trips and atomicity are documented there.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from hub.lockout import PAIR, USER, Reservation
from hub.models import UserRecord
from hub.redis.errors import engine_call
from hub.redis.errors import text as as_text
from hub.redis.resp import packed
from hub.redis.scripts import Batch
from hub.store import usersearch
from hub.store.redis_social import SCRIPTS, RedisSocial, strs

# the policy's numbers, as login_reserve.lua and login_refund.lua take them
BUCKET_ARGS = (USER.burst, USER.every_ms, PAIR.burst, PAIR.every_ms)
USER_FIELDS = ("username", "display_name", "password_hash", "created", "signature",
               "head_portrait", "skin", "music", "points")


class RedisAccounts(RedisSocial):
    @engine_call
    async def create_user(self, user: UserRecord) -> bool:
        name = user["username"]
        fields = [x for pair in user.items() for x in pair]
        batch = Batch()
        batch.script(SCRIPTS["create_user"], [self.keys.user(name), self.keys.display_names],
                     [usersearch.name_member(user["display_name"], name), *fields])
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
        return _user(await self.pipe.script(SCRIPTS["update_user"],
                                            [key, self.keys.display_names], args))

    @engine_call
    async def search_users(self, prefix: str, limit: int) -> list[str]:
        if limit == 0:
            return []
        # Both indexes in one round trip; the rules (and NAME_SCAN) in usersearch.py.
        # No UTF-8 byte is 0xff, so "[p" .. "[p\xff" is everything that starts with p.
        low = usersearch.ascii_lower(prefix).encode()
        lo, hi = (b"[" + low, b"[" + low + b"\xff") if low else (b"-", b"+")
        by_username, by_display = await self.pipe.batch([
            packed(b"ZRANGE", self.keys.usernames, lo, hi, b"BYLEX", b"LIMIT", 0,
                   limit if limit > 0 else -1),
            packed(b"ZRANGE", self.keys.display_names, lo, hi, b"BYLEX", b"LIMIT", 0,
                   usersearch.NAME_SCAN),
        ], retry=True)
        return usersearch.merged(
            (as_text(n) for n in by_username),
            (usersearch.username_of(as_text(m)) for m in by_display), limit=limit)

    @engine_call
    async def create_session(self, token_hash: str, username: str, expires_ms: int) -> None:
        # The index entry first: a session it does not list could outlive a "log out
        # everywhere"; an entry without its session is harmless (pruned at expiry).
        # Separate single-slot writes (the session hash is global), so Cluster-safe,
        # in one round trip.
        key = self.keys.session(token_hash)
        batch = Batch()
        batch.script(SCRIPTS["session_index"], [self.keys.sessions(username)],
                     [token_hash, expires_ms])
        batch.command("MULTI")
        batch.command("HSET", key, "user", username, "expires", expires_ms)
        batch.command("PEXPIREAT", key, expires_ms)
        batch.command("EXEC")
        await batch.run(self.pipe)

    @engine_call
    async def session_user(self, token_hash: str, now_ms: int) -> str | None:
        user, expires = await self.pipe.command(b"HMGET", self.keys.session(token_hash),
                                                b"user", b"expires", retry=True)
        if user is None or expires is None or int(expires) <= now_ms:
            return None
        return as_text(user)

    @engine_call
    async def delete_session(self, token_hash: str) -> None:
        key = self.keys.session(token_hash)
        user = await self.pipe.command(b"HGET", key, b"user", retry=True)
        if user is not None:
            await self.pipe.command(b"ZREM", self.keys.sessions(as_text(user)), token_hash)
        await self.client.delete(key)

    @engine_call
    async def user_sessions(self, username: str, now_ms: int) -> list[str]:
        hashes = await self.pipe.command(b"ZRANGE", self.keys.sessions(username),
                                         f"({now_ms}", b"+inf", b"BYSCORE", retry=True)
        return [as_text(h) for h in hashes]

    @engine_call
    async def delete_user_sessions(self, username: str, keep: str | None = None
                                   ) -> list[str]:
        index = self.keys.sessions(username)
        hashes = [as_text(h) for h in await self.pipe.command(b"ZRANGE", index, 0, -1,
                                                              retry=True)]
        if not hashes:
            return []
        # only sessions that are still this user's: an entry can outlive its session
        owners = await self.pipe.batch(
            [packed(b"HGET", self.keys.session(h), b"user") for h in hashes], retry=True)
        mine = [h for h, owner in zip(hashes, owners, strict=True)
                if owner is not None and as_text(owner) == username]
        ended = [h for h in mine if h != keep]
        dropped = [h for h in hashes if h != keep or h not in mine]
        # one UNLINK per session: their keys are in different slots
        commands = [packed(b"UNLINK", self.keys.session(h)) for h in ended]
        if dropped:
            commands.append(packed(b"ZREM", index, *dropped))
        await self.pipe.batch(commands)
        return ended

    async def purge_sessions(self, now_ms: int, limit: int) -> int:
        """Nothing to do: session hashes expire by TTL, and each user's index drops
        its expired entries whenever that user logs in again (session_index.lua)."""
        return 0

    @engine_call
    async def reserve_login(self, username: str, address: str, now_ms: int) -> Reservation:
        k = self.keys
        reply = await self.pipe.script(
            SCRIPTS["login_reserve"],
            [k.user(username), k.login_bucket(username), k.login_pair_bucket(username, address)],
            [now_ms, *BUCKET_ARGS])
        if not int(reply[0]):
            return Reservation(wait_ms=int(reply[1]), refused_by=as_text(reply[2]))
        return Reservation(user=_user(reply[1]))

    @engine_call
    async def refund_login(self, username: str, address: str, now_ms: int) -> None:
        k = self.keys
        await self.pipe.script(
            SCRIPTS["login_refund"],
            [k.login_bucket(username), k.login_pair_bucket(username, address)],
            [now_ms, *BUCKET_ARGS])

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
