"""The login lock-out policy, pure: how many password checks may be spent, by whom,
and the token-bucket arithmetic every engine applies (the numbers live only here and
in docs/protocol.md, "Lock-out").

Three buckets, each `burst` checks, then one more every `every_ms`:

* `PAIR` — one username from one client address: the owner on another network is not
  locked out by someone guessing from this one;
* `USER` — one username over all addresses: a ceiling for guessing from many;
* `ADDRESS` — one address over all usernames: against spraying one common password
  over many accounts. Node-local (each node has its own), as registration's throttle.

An attempt is *reserved* before its password is checked and *settled* after: a right
password gives its reservation back, a wrong one keeps it. So N guesses sent at once
check at most what the buckets hold; the others are refused (429, `Retry-After`)
before any hash runs. The memory engine keeps `PAIR` and `USER` in `LocalBuckets`
in-process; the Redis engine keeps them under the user's hash tag, shared by every
node, through `hub/store/lua/login_reserve.lua`, which mirrors `level` below.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from collections import OrderedDict
from dataclasses import dataclass

from hub.models import UserRecord


@dataclass(frozen=True, slots=True)
class Limit:
    name: str
    burst: int  # checks allowed at once
    every_ms: int  # one more earned back per this many milliseconds

    @property
    def idle_ms(self) -> int:
        """How long an untouched bucket takes to be full again (then it can be dropped)."""
        return self.burst * self.every_ms


PAIR = Limit("pair", burst=5, every_ms=30_000)
USER = Limit("user", burst=50, every_ms=60_000)
ADDRESS = Limit("address", burst=30, every_ms=5_000)

MESSAGES = {
    "pair": "too many failed logins for this username; try again in {} s",
    "user": "too many failed logins for this username; try again in {} s",
    "address": "too many failed logins from your address; try again in {} s",
}


@dataclass(frozen=True, slots=True)
class Reservation:
    """What reserving a login attempt answered: refused (`wait_ms` > 0, by the bucket
    `refused_by`), or reserved, with the account (None: no such user — its password
    is checked against a dummy hash all the same)."""

    wait_ms: int = 0
    refused_by: str = ""
    user: UserRecord | None = None


def level(tokens: float, stamp_ms: int, limit: Limit, now_ms: int) -> float:
    """Checks a bucket holds at `now_ms`, `tokens` having been left at `stamp_ms`. A
    clock that went back refills nothing."""
    elapsed = max(0, now_ms - stamp_ms)
    return min(float(limit.burst), tokens + elapsed / limit.every_ms)


def wait_ms(tokens: float, limit: Limit) -> int:
    """Milliseconds until a bucket holding `tokens` holds one (0 if it does)."""
    # less a hair: float sums (0.4 + 1 - 1) must not add a millisecond
    return 0 if tokens >= 1 else max(1, math.ceil((1 - tokens) * limit.every_ms - 1e-6))


def retry_after(wait: int) -> int:
    """A wait in ms as `Retry-After`: whole seconds, rounded up, at least 1."""
    return max(1, math.ceil(wait / 1000))


def refusal_message(refused_by: str, wait: int) -> str:
    return MESSAGES[refused_by].format(retry_after(wait))


def client_key(host: str | None) -> str:
    """The address a bucket is kept for: an IPv4 address as is, an IPv6 address by its
    /64 (one subscriber usually holds a whole /64), anything else (no peer, a proxy
    that sent a name) as a short digest, so every key is safe in a Redis key."""
    if not host:
        return "-"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "h" + hashlib.sha256(host.encode()).hexdigest()[:16]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


class LocalBuckets:
    """One `Limit`'s buckets in this process, keyed by name, in a bounded table: past
    `max_keys`, buckets full again (idle long enough, so forgetting them changes
    nothing) go first, then the least recently used. Every call is synchronous — a
    check and its take can never be split by another request."""

    MAX_KEYS = 50_000

    def __init__(self, limit: Limit, max_keys: int = MAX_KEYS) -> None:
        self.limit = limit
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def available(self, key: str, now_ms: int) -> float:
        state = self._buckets.get(key)
        return float(self.limit.burst) if state is None else level(*state, self.limit, now_ms)

    def take(self, key: str, now_ms: int) -> None:
        """Spend one check (the caller saw `available` ≥ 1)."""
        tokens = self.available(key, now_ms) - 1
        if key not in self._buckets:
            self._make_room(now_ms)
        self._buckets[key] = (tokens, now_ms)
        self._buckets.move_to_end(key)

    def give_back(self, key: str, now_ms: int) -> None:
        """Return one check (a reservation whose password was right)."""
        if key in self._buckets:  # gone: it is full anyway
            self._buckets[key] = (min(float(self.limit.burst),
                                      self.available(key, now_ms) + 1), now_ms)

    def reserve(self, key: str, now_ms: int) -> int:
        """Take one check now: 0, or the ms until one is available (nothing taken)."""
        wait = wait_ms(self.available(key, now_ms), self.limit)
        if not wait:
            self.take(key, now_ms)
        return wait

    def _make_room(self, now_ms: int) -> None:
        buckets = self._buckets
        while len(buckets) >= self.max_keys:
            key, state = next(iter(buckets.items()))
            if level(*state, self.limit, now_ms) < self.limit.burst:
                break
            del buckets[key]
        if len(buckets) >= self.max_keys:
            buckets.popitem(last=False)


class LoginBuckets:
    """`PAIR` and `USER` in-process: the memory engine's half of the policy."""

    def __init__(self, max_keys: int = LocalBuckets.MAX_KEYS) -> None:
        self.pairs = LocalBuckets(PAIR, max_keys)
        self.users = LocalBuckets(USER, max_keys)

    def reserve(self, username: str, address: str, now_ms: int) -> tuple[int, str]:
        """Take one check from both buckets, or from neither: (0, "") when reserved,
        else (ms to wait, the bucket that refused)."""
        pair = f"{username}\n{address}"
        waits = [(wait_ms(self.pairs.available(pair, now_ms), PAIR), PAIR.name),
                 (wait_ms(self.users.available(username, now_ms), USER), USER.name)]
        wait, refused_by = max(waits)
        if wait:
            return wait, refused_by
        self.pairs.take(pair, now_ms)
        self.users.take(username, now_ms)
        return 0, ""

    def refund(self, username: str, address: str, now_ms: int) -> None:
        self.pairs.give_back(f"{username}\n{address}", now_ms)
        self.users.give_back(username, now_ms)
