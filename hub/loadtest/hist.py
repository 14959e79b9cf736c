"""A log-linear latency histogram in microseconds: bounded memory, mergeable across
processes, percentiles within 1/64 (~1.6 %) of the true value.

Values below 64 µs have a bucket each; above, every power of two is split into 64
equal buckets (the HDR-histogram layout). Buckets live in a sparse dict, so a histogram
pickles small and merges by adding counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

SUB = 64
_SUB_BITS = 6


def bucket_of(value: int) -> int:
    if value < SUB:
        return max(value, 0)
    exp = value.bit_length() - 1 - _SUB_BITS
    return (exp + 1) * SUB + ((value >> exp) - SUB)


def bucket_bounds(index: int) -> tuple[int, int]:
    """[low, high) of a bucket, in the histogram's unit."""
    if index < SUB:
        return index, index + 1
    exp = index // SUB - 1
    low = (SUB + index % SUB) << exp
    return low, low + (1 << exp)


class Histogram:
    __slots__ = ("buckets", "count", "max", "min", "total")

    def __init__(self) -> None:
        self.buckets: dict[int, int] = {}
        self.count = 0
        self.total = 0
        self.max = 0
        self.min = 0

    def add(self, value: int) -> None:
        value = max(value, 0)
        b = bucket_of(value)
        self.buckets[b] = self.buckets.get(b, 0) + 1
        if self.count == 0 or value < self.min:
            self.min = value
        self.count += 1
        self.total += value
        if value > self.max:
            self.max = value

    def merge(self, other: Histogram) -> None:
        for b, n in other.buckets.items():
            self.buckets[b] = self.buckets.get(b, 0) + n
        if other.count and (self.count == 0 or other.min < self.min):
            self.min = other.min
        self.count += other.count
        self.total += other.total
        self.max = max(self.max, other.max)

    def percentile(self, p: float) -> int:
        """The value at percentile `p` (0-100): the midpoint of its bucket, clamped to
        the exact min and max."""
        if not self.count:
            return 0
        rank = max(1, -(-self.count * p // 100))  # ceil
        seen = 0
        for b in sorted(self.buckets):
            seen += self.buckets[b]
            if seen >= rank:
                low, high = bucket_bounds(b)
                return int(min(max((low + high - 1) // 2, self.min), self.max))
        return self.max

    def mean(self) -> float:
        return self.total / self.count if self.count else 0.0

    def state(self) -> dict[str, Any]:
        """Plain data to pickle or JSON."""
        return {"b": self.buckets, "n": self.count, "s": self.total, "max": self.max,
                "min": self.min}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Histogram:
        h = cls()
        h.buckets = {int(k): v for k, v in state["b"].items()}
        h.count, h.total, h.max, h.min = state["n"], state["s"], state["max"], state["min"]
        return h

    @classmethod
    def merged(cls, states: Iterable[dict[str, Any]]) -> Histogram:
        h = cls()
        for state in states:
            h.merge(cls.from_state(state))
        return h

    def summary_ms(self) -> dict[str, float]:
        """count, p50, p90, p99, p99.9, max and mean, in milliseconds (µs input)."""
        ms = {k: round(self.percentile(p) / 1000, 3)
              for k, p in (("p50", 50), ("p90", 90), ("p99", 99), ("p99.9", 99.9))}
        return {"count": self.count, **ms, "max": round(self.max / 1000, 3),
                "mean": round(self.mean() / 1000, 3)}

    def coarse(self, per_octave: int = 4) -> list[tuple[int, int, int]]:
        """(low, high, count) over coarser log buckets, for a chart."""
        out: dict[tuple[int, int], int] = {}
        for b, n in self.buckets.items():
            low, _ = bucket_bounds(b)
            if low < 1:
                key = (0, 1)
            else:
                exp = low.bit_length() - 1
                step = max(1, (1 << exp) // per_octave)
                start = (1 << exp) + ((low - (1 << exp)) // step) * step
                key = (start, start + step)
            out[key] = out.get(key, 0) + n
        return [(lo, hi, n) for (lo, hi), n in sorted(out.items())]
