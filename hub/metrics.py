"""Counters, gauges and a latency histogram, rendered in Prometheus text format.

Owned by the app (no module globals); the hot path only does integer adds.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable


class Counter:
    __slots__ = ("help", "name", "value")

    def __init__(self, name: str, help: str) -> None:
        self.name, self.help, self.value = name, help, 0

    def inc(self, n: int = 1) -> None:
        self.value += n

    def dec(self, n: int = 1) -> None:
        self.value -= n

    def render(self, kind: str) -> list[str]:
        return [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} {kind}",
                f"{self.name} {self.value}"]


class Histogram:
    """Latency per label (op name), in seconds."""

    BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)

    def __init__(self, name: str, help: str, label: str) -> None:
        self.name, self.help, self.label = name, help, label
        self.series: dict[str, list[float]] = {}  # label → bucket counts..., sum, count

    def observe(self, label: str, seconds: float) -> None:
        row = self.series.get(label)
        if row is None:
            row = self.series[label] = [0.0] * (len(self.BUCKETS) + 2)
        row[bisect_left(self.BUCKETS, seconds)] += 1 if seconds <= self.BUCKETS[-1] else 0
        row[-2] += seconds
        row[-1] += 1

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        for label, row in sorted(self.series.items()):
            cumulative = 0.0
            for bound, n in zip(self.BUCKETS, row, strict=False):
                cumulative += n
                lines.append(f'{self.name}_bucket{{{self.label}="{label}",le="{bound}"}} '
                             f"{int(cumulative)}")
            lines.append(f'{self.name}_bucket{{{self.label}="{label}",le="+Inf"}} {int(row[-1])}')
            lines.append(f'{self.name}_sum{{{self.label}="{label}"}} {row[-2]:.6f}')
            lines.append(f'{self.name}_count{{{self.label}="{label}"}} {int(row[-1])}')
        return lines


class Metrics:
    def __init__(self) -> None:
        self.connections = Counter("kj_connections", "Open websocket connections on this node.")
        self.connections_total = Counter("kj_connections_total", "Websocket connections accepted.")
        self.subscriptions = Counter("kj_subscriptions", "Users whose live channel this node "
                                     "subscribes.")
        self.events = Counter("kj_events_published_total", "Events fanned out by this node.")
        self.recipients = Counter("kj_event_recipients_total", "Inbox writes (event × recipient).")
        self.deliveries = Counter("kj_deliveries_total", "Frames handed to local connections.")
        self.slow_closes = Counter("kj_queue_overflow_closes_total",
                                   "Connections closed with 4429 because their queue overflowed.")
        self.ops_total = Counter("kj_ops_total", "Ops handled (websocket and HTTP).")
        self.op_errors = Counter("kj_op_errors_total", "Ops answered with an error.")
        self.resyncs = Counter("kj_broker_resyncs_total", "Times the live feed was lost and "
                               "regained.")
        self.op_latency = Histogram("kj_op_latency_seconds", "Op handling time.", "op")

    def render(self, extra: Callable[[], list[str]] | None = None) -> str:
        lines: list[str] = []
        for gauge in (self.connections, self.subscriptions):
            lines += gauge.render("gauge")
        for counter in (self.connections_total, self.events, self.recipients, self.deliveries,
                        self.slow_closes, self.ops_total, self.op_errors, self.resyncs):
            lines += counter.render("counter")
        lines += self.op_latency.render()
        if extra is not None:
            lines += extra()
        return "\n".join(lines) + "\n"
