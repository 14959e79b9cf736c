"""Token buckets: ops per connection (`rate` a second, bursts of `burst`; each op refused
adds a strike, strikes reset when one is let through). The login lock-out has buckets
of its own (hub/lockout.py)."""

from __future__ import annotations

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
