"""The hub's own view of op latency over a run: `kj_op_latency_seconds` from each node's
/metrics, read before `go` and after the drain. Set against the clients' reply times, it
tells time spent inside the op handler (store round trips included) from time spent
before it: in the network, in the client processes and in the hub's event loop."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import httpx

from hub.client import http_base

# op → cumulative buckets, (upper bound in seconds, count), ascending; summed over nodes
OpBuckets = dict[str, list[tuple[float, int]]]

_BUCKET = re.compile(r'^kj_op_latency_seconds_bucket\{op="([^"]+)",le="([^"]+)"\} (\d+)$')


def scrape(urls: Sequence[str], timeout: float = 5.0) -> OpBuckets | None:
    """The op histograms of every node, summed; None if a node's /metrics cannot be
    read (the figures are a bonus: a hub without them still gets load-tested)."""
    total: dict[str, dict[float, int]] = {}
    for url in urls:
        try:
            response = httpx.get(http_base(url) + "/metrics", timeout=timeout)
            response.raise_for_status()
        except httpx.HTTPError:
            return None
        for line in response.text.splitlines():
            match = _BUCKET.match(line)
            if match:
                bound = math.inf if match[2] == "+Inf" else float(match[2])
                per_op = total.setdefault(match[1], {})
                per_op[bound] = per_op.get(bound, 0) + int(match[3])
    return {op: sorted(buckets.items()) for op, buckets in total.items()}


def summary(before: OpBuckets, after: OpBuckets) -> dict[str, dict[str, Any]]:
    """Per op, what the run added: its count, and the bucket bounds (ms) that hold its
    p50, p90 and p99 — "at most" figures, as fine as the hub's buckets; None past the
    last finite bucket, whose bound is `last_bucket_ms`."""
    out: dict[str, dict[str, Any]] = {}
    for op, buckets in sorted(after.items()):
        prior = dict(before.get(op, []))
        counts = [(bound, n - prior.get(bound, 0)) for bound, n in buckets]
        total = counts[-1][1] if counts else 0
        if total <= 0:
            continue

        def at_most(q: float, counts: list[tuple[float, int]] = counts,
                    total: int = total) -> float | None:
            for bound, n in counts:
                if n >= q * total:
                    return None if bound == math.inf else round(bound * 1000, 3)
            return None

        finite = [bound for bound, _ in counts if bound != math.inf]
        out[op] = {"count": total, "p50_le_ms": at_most(0.5), "p90_le_ms": at_most(0.9),
                   "p99_le_ms": at_most(0.99),
                   "last_bucket_ms": round(finite[-1] * 1000, 3) if finite else None}
    return out
