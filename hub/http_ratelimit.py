"""Rate limits keyed by a name, in a bounded table: ops over HTTP (`POST /api/ops/<op>`),
one token bucket per login token with the socket's settings (`ops_per_second` a second,
bursts of `ops_burst`), so that leaving the socket for HTTP is no way around the op
limit; and the budget of each user (`user_ops_*`), shared by all their sockets and calls.

Buckets are keyed by the token's hash (the store's key of a session, never the token)
and kept in least-recently-used order. The table is bounded: when a new key would take
it past `max_keys`, the least recently used buckets that are full again (idle long
enough to have refilled, so forgetting them changes nothing) are dropped; if the least
recently used one is still refilling, it is dropped anyway. That login then starts
again with a full burst: at most one extra burst, for the stalest of `max_keys` logins.
Each call does amortised constant work, however many tokens a client rotates.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable

from hub.ratelimit import TokenBucket


class HttpOpLimiter:
    MAX_KEYS = 10_000

    def __init__(self, rate: float, burst: int, now: Callable[[], float],
                 max_keys: int = MAX_KEYS) -> None:
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        self.rate, self.burst, self.now, self.max_keys = rate, burst, now, max_keys
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def __contains__(self, key: object) -> bool:
        return key in self._buckets

    def take(self, key: str) -> int:
        """Spend one of `key`'s tokens: 0 when the op may run now; otherwise nothing is
        spent and the answer is the whole seconds until a token is available (≥ 1)."""
        bucket = self._buckets.get(key)
        if bucket is None:
            self._make_room()
            bucket = self._buckets[key] = TokenBucket(self.rate, self.burst, self.now)
        else:
            self._buckets.move_to_end(key)
        if bucket.take():
            return 0
        return max(1, math.ceil(bucket.wait()))

    def _make_room(self) -> None:
        buckets = self._buckets
        if len(buckets) < self.max_keys:
            return
        while buckets and next(iter(buckets.values())).full():
            buckets.popitem(last=False)
        if len(buckets) >= self.max_keys:
            buckets.popitem(last=False)
