"""An injectable clock, so daily caps, heartbeats and timestamps can be tested
by advancing time instead of sleeping."""

from __future__ import annotations

import time
from typing import Protocol

DAY_MS = 86_400_000


class Clock(Protocol):
    def now_ms(self) -> int: ...

    def monotonic(self) -> float: ...


class SystemClock:
    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000

    def monotonic(self) -> float:
        return time.monotonic()


class ManualClock:
    """A clock that only moves when told to (tests)."""

    def __init__(self, now_ms: int = 1_700_000_000_000) -> None:
        self._now = now_ms
        self._mono = 0.0

    def now_ms(self) -> int:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._now += int(seconds * 1000)
        self._mono += seconds


def day_of(ms: int) -> int:
    """The UTC day number of a timestamp; daily caps reset when it changes."""
    return ms // DAY_MS


def on_this_day(ms: int, now_ms: int) -> bool:
    """Whether `ms` fell on today's month and day (UTC) in an earlier year (那年今日)."""
    import datetime

    then = datetime.datetime.fromtimestamp(ms / 1000, datetime.UTC)
    now = datetime.datetime.fromtimestamp(now_ms / 1000, datetime.UTC)
    return (then.month, then.day) == (now.month, now.day) and then.year < now.year
