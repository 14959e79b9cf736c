"""The Redis broker's hot commands, packed as RESP bytes: every `deliver.lua` mode and
`signal.lua` (docs/redis.md, "Fan-out: one round trip").

Each command is built from cached per-user key fragments, so a large audience costs a
`join`, not a Python loop over redis-py's argument encoder. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Callable

from hub.channels.base import Audience
from hub.redis.keys import Keys
from hub.redis.resp import bulk

MAX_KEY_CACHE = 200_000


class _Fragments:
    """`user` → a packed argument derived from it, cached up to MAX_KEY_CACHE users."""

    def __init__(self, pack: Callable[[str], bytes]) -> None:
        self._pack = pack
        self._cache: dict[str, bytes] = {}

    def __call__(self, user: str) -> bytes:
        packed = self._cache.get(user)
        if packed is None:
            if len(self._cache) >= MAX_KEY_CACHE:
                self._cache.clear()
            packed = self._cache[user] = self._pack(user)
        return packed


class Commands:
    def __init__(self, keys: Keys, retention: int, deliver_sha: str, signal_sha: str) -> None:
        def three(user: str) -> bytes:
            return b"".join(bulk(name.encode())
                            for name in (keys.meta(user), keys.inbox(user), keys.live(user)))

        self.keys_of = _Fragments(three)  # meta, inbox and live keys
        self.live_of = _Fragments(lambda user: bulk(keys.live(user).encode()))
        self.name_of = _Fragments(lambda user: bulk(user.encode()))
        self.friends_key_of = _Fragments(lambda user: bulk(keys.friends(user).encode()))
        self.groups_key_of = _Fragments(lambda user: bulk(keys.memberships(user).encode()))
        self._deliver = bulk(b"EVALSHA") + bulk(deliver_sha.encode())
        self._signal = bulk(b"EVALSHA") + bulk(signal_sha.encode())
        self._retention = bulk(str(retention).encode())
        self._usernames = bulk(keys.usernames.encode())

    def _head(self, nkeys: int, nargs: int) -> bytes:
        return b"*%d\r\n%s%s" % (3 + nkeys + nargs, self._deliver, bulk(b"%d" % nkeys))

    def deliver(self, body: bytes, users: list[str], epoch: str) -> bytes:
        return b"".join((
            self._head(3 * len(users), 4), *map(self.keys_of, users),
            bulk(body), self._retention, bulk(epoch.encode()), bulk(b""),
        ))

    def deliver_known(self, body: bytes, users: list[str], epoch: str) -> bytes:
        """Mode 'known': delivered only if every user is registered. Raises ValueError
        for a name no account can have (Keys refuses it)."""
        packed_keys = b"".join(map(self.keys_of, users))
        return b"".join((
            self._head(3 * len(users) + 1, 4 + len(users)), packed_keys, self._usernames,
            bulk(body), self._retention, bulk(epoch.encode()), bulk(b"known"),
            *map(self.name_of, users),
        ))

    def deliver_checked(self, body: bytes, audience: Audience, epoch: str) -> bytes:
        """Mode 'checked': each recipient rides with its own friends set (and, for an
        event for groups, its group memberships), checked in the script atomically with
        the write (`channels.base.Audience`)."""
        owner, actor, users = audience.members_of, audience.actor, audience.users
        tokens = [f"{owner}\x00{name}".encode() for name in sorted(audience.groups)]
        flags = bytes(48 + ((owner is not None and user != owner)
                            | (actor is not None and user != actor) << 1
                            | (bool(tokens) and user != owner) << 2) for user in users)
        per_user = ((lambda u: self.keys_of(u) + self.friends_key_of(u) + self.groups_key_of(u))
                    if tokens else (lambda u: self.keys_of(u) + self.friends_key_of(u)))
        return b"".join((
            self._head((5 if tokens else 4) * len(users), 8 + len(tokens)),
            *map(per_user, users),
            bulk(body), self._retention, bulk(epoch.encode()), bulk(b"checked"),
            bulk((owner or "").encode()), bulk((actor or "").encode()), bulk(flags),
            bulk(b"%d" % len(tokens)), *map(bulk, tokens),
        ))

    def deliver_ingress(self, body: bytes, users: list[str], epoch: str,
                        stream: str, group: str, entry_id: str) -> bytes:
        """Mode 'ingress': delivered and `entry_id` acknowledged in one script."""
        return b"".join((
            self._head(3 * len(users) + 1, 6), *map(self.keys_of, users),
            bulk(stream.encode()), bulk(body), self._retention, bulk(epoch.encode()),
            bulk(b"ingress"), bulk(group.encode()), bulk(entry_id.encode()),
        ))

    def signal(self, frame: bytes, users: list[str]) -> bytes:
        return b"".join((
            b"*%d\r\n" % (len(users) + 4), self._signal, bulk(b"%d" % len(users)),
            *map(self.live_of, users), bulk(frame),
        ))
