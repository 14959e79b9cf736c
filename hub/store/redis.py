"""The Redis engine's store: the `Store` protocol on Redis, with the SQLite store's
behaviour operation for operation (shapes, ordering, ids, atomicity).

Layout (every key from `hub.redis.keys.Keys`): an account is a hash, friends and pending
requests are sets, all under the user's hash tag; a mood is a hash with a comments
sorted set and a likes set under the mood's tag, and its id sits in the author's
`moods:<visibility>` sorted set (score = id); a comment is a global hash; gifts and
guestbook entries are JSON members of the recipient's sorted sets (score = id); visits
a sorted set visitor → ts; daily points a hash per day that expires two days later;
sessions a hash with a TTL at their expiry. Ids are `HINCRBY` counters in one hash, so
they are decimal strings that grow with creation.

Atomicity, and round trips (RTT) per operation — on the auto-pipelined connection
(`hub.redis.pipe`), where a MULTI/EXEC is one write no other caller can split;
only `visitors` and `delete_session` use redis-py's pool:

* one Lua script: `create_user` (+ the username index ZADD in the same pipeline; the
  script indexes the display name), `update_user` (moving that index member),
  `like`, `unlike`, `add_points`, `add_request` (with its bounds and the space-write
  cap), `decline_request` — 1 RTT each;
* MULTI/EXEC: `remove_request`, `add_friendship`, `remove_friendship`,
  `add_visit` (ZSCORE then ZADD), `create_session` — 1 RTT each;
* id, then write: `add_mood` (HINCRBY; MULTI HSET + ZADD), `add_comment` (HINCRBY; a
  script storing it only while the mood exists, within the space-write cap),
  `add_gift` / `add_entry` (HINCRBY; ZADD, or `space_write.lua` with the cap) — 2 RTT;
  the global id counter is only ever touched alone;
* `delete_mood`: read author, visibility and comment ids; then one script naming every
  key it deletes, which refuses (and is retried) if a comment arrived in between — 2 RTT;
* reads are one command each. Those over many keys are small read-only scripts rather
  than pipelines, because parsing one reply costs this process far less than parsing
  one per key (pure-Python RESP parser): `timeline` merges every source's newest ids
  inside Redis (one script: `limit` ids come back, not `limit` per source), then reads
  the mood hashes (`hmgets`) — 2 RTT; `comments` (counts and latest ids; then `hmgets`)
  — 2 RTT; `likes`, `get_users` — 1 RTT.

Two deliberate differences from SQLite, which has no foreign keys: a `like` of a mood
that does not exist (deleted meanwhile) changes nothing and answers (False, 0), and a
comment added to a mood that no longer exists is not stored — as if it was deleted
with the mood — so no orphan keys outlive a mood.

Redis Cluster notes — operations whose keys span hash slots (fine on one Redis, where
every script names all its keys in KEYS; on Cluster each needs splitting):

* `add_request`, `decline_request` (scripts), `remove_request`, `add_friendship`,
  `remove_friendship` (MULTI): over two users' tags (`{u:a}`, `{u:b}`);
* `add_mood`: MULTI over the mood's tag and the author's (`{m:id}`, `{u:author}`);
* `add_comment`: script over the mood's tag, the global comment hash and the owner's
  space-write counter;
* `delete_mood`: script over the mood's tag, the author's tag and the comment hashes;
* read scripts over many users' or moods' keys: `timeline` (moods sets of every
  source), `hmgets` (mood, comment and account hashes), `comments`, `likes` — on
  Cluster, the same commands as per-key pipelines split by node;
* `create_user`, `update_user`: scripts on the account and the global display-name
  index (`{u:U}` and `kj:display_names`), so that a name and its index entry change
  together — on Cluster, the account's script alone (returning the old name), then the
  index's ZREM + ZADD in a MULTI of their own; the ZADD on the global username index
  beside `create_user` is a single-slot command already.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from hub.errors import EngineUnavailable
from hub.redis.errors import engine_call
from hub.redis.keys import Keys
from hub.redis.pipe import AutoPipeline
from hub.redis.scripts import load_scripts
from hub.store.redis_accounts import RedisAccounts
from hub.store.redis_groups import RedisGroups
from hub.store.redis_guestbook import RedisGuestbook
from hub.store.redis_notes import RedisNotes
from hub.store.redis_posts import RedisPosts
from hub.store.redis_reactions import RedisReactions
from hub.store.redis_social import SCRIPTS
from hub.store.redis_space import RedisSpace


class RedisStore(RedisPosts, RedisReactions, RedisSpace, RedisGuestbook, RedisNotes, RedisGroups,
                 RedisAccounts):
    def __init__(self, client: Redis, keys: Keys, pipe: AutoPipeline | None = None) -> None:
        super().__init__(client, keys, pipe)
        self.probe: asyncio.Task[None] | None = None  # see `health`

    @engine_call
    async def start(self) -> None:
        await self.client.ping()
        await load_scripts(self.client, list(SCRIPTS.values()))

    async def close(self) -> None:
        """Closes the pipe (a no-op once the broker that shares it closed it), not the
        client: the client is shared with the broker, which closes it."""
        if self.probe is not None:
            self.probe.cancel()
        await self.pipe.close()

    def health(self) -> dict[str, Any]:
        """The outcome of the last command. While that was a failure, asking also
        PINGs Redis in the background, so the answer recovers without other traffic."""
        if not self.link.up and (self.probe is None or self.probe.done()):
            with contextlib.suppress(RuntimeError):  # no running loop: nothing to probe
                self.probe = asyncio.get_running_loop().create_task(
                    self._probe(), name="redis-store-probe")
        return {"engine": "redis", "redis": self.link.state, "error": self.link.error}

    async def _probe(self) -> None:
        with contextlib.suppress(EngineUnavailable, RedisError):
            await self._ping()

    @engine_call
    async def _ping(self) -> None:
        await self.client.ping()
