"""Token buckets: ops per connection (`rate` a second, bursts of `burst`; each op refused
adds a strike, strikes reset when one is let through), and failed logins per username."""

from __future__ import annotations

import math
from collections.abc import Callable


class TokenBucket:
    __slots__ = ("burst", "now", "rate", "stamp", "strikes", "tokens")

    def __init__(self, rate: float, burst: int, now: Callable[[], float]) -> None:
        self.rate, self.burst, self.now = rate, burst, now
        self.tokens = float(burst)
        self.stamp = now()
        self.strikes = 0

    def _refill(self) -> None:
        now = self.now()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def full(self) -> bool:
        self._refill()
        return self.tokens >= self.burst

    def wait(self) -> float:
        """Seconds until `take` would succeed (0 now)."""
        self._refill()
        return max(0.0, (1 - self.tokens) / self.rate)

    def take(self) -> bool:
        self._refill()
        if self.tokens >= 1:
            self.tokens -= 1
            self.strikes = 0
            return True
        self.strikes += 1
        return False


class FailureLimiter:
    """Failed logins per username: `burst` failures, then one more every `1/rate` s.
    Only failures cost, so a user who types their password right is never slowed."""

    MAX_TRACKED = 10_000

    def __init__(self, rate: float, burst: int, now: Callable[[], float]) -> None:
        self.rate, self.burst, self.now = rate, burst, now
        self._buckets: dict[str, TokenBucket] = {}

    def retry_after(self, key: str) -> int:
        """Whole seconds until `key` may try again: 0 now, else at least 1."""
        bucket = self._buckets.get(key)
        wait = 0.0 if bucket is None else bucket.wait()
        return max(1, math.ceil(wait)) if wait > 0 else 0

    def failed(self, key: str) -> None:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.MAX_TRACKED:  # forget the ones that recovered
                self._buckets = {k: b for k, b in self._buckets.items() if not b.full()}
            bucket = self._buckets[key] = TokenBucket(self.rate, self.burst, self.now)
        bucket.take()

