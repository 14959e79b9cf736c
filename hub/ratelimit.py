"""A token bucket per connection: `rate` ops a second with bursts of `burst`. Each op
refused adds a strike; strikes reset when an op is let through again."""

from __future__ import annotations

from collections.abc import Callable


class TokenBucket:
    __slots__ = ("burst", "now", "rate", "stamp", "strikes", "tokens")

    def __init__(self, rate: float, burst: int, now: Callable[[], float]) -> None:
        self.rate, self.burst, self.now = rate, burst, now
        self.tokens = float(burst)
        self.stamp = now()
        self.strikes = 0

    def take(self) -> bool:
        now = self.now()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            self.strikes = 0
            return True
        self.strikes += 1
        return False
