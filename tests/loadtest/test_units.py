"""The load tester's pure parts: histogram, graph, durations, the join, and the reading
of the hub's op histogram."""

from __future__ import annotations

import argparse
import math
import random

import pytest

from hub.loadtest import accounting, hubtime, report
from hub.loadtest.cli import duration
from hub.loadtest.graph import COMMENT, GIFT, MOOD, Graph, build
from hub.loadtest.hist import Histogram, bucket_bounds, bucket_of


def test_histogram_percentiles_are_within_two_percent() -> None:
    rng = random.Random(7)
    values = sorted(int(rng.lognormvariate(8, 1.5)) for _ in range(20_000))
    h = Histogram()
    for v in values:
        h.add(v)
    for p in (50, 90, 99, 99.9):
        exact = values[min(len(values) - 1, int(len(values) * p / 100))]
        assert abs(h.percentile(p) - exact) <= max(2, exact * 0.02), p
    assert h.max == values[-1] and h.count == len(values)
    merged = Histogram.merged([h.state(), h.state()])
    assert merged.count == 2 * h.count and merged.percentile(50) == h.percentile(50)
    for index in range(0, 2000, 7):
        low, high = bucket_bounds(index)
        assert bucket_of(low) == index == bucket_of(high - 1)


def test_graph_has_mean_degree_k_and_skew() -> None:
    g = build("t_", 2000, 20, seed=3)
    stats = g.degree_stats()
    assert stats["mean"] == 20 and stats["max"] > 5 * stats["median"]
    assert all(a != b and a in g.friends[b] for a, fs in enumerate(g.friends) for b in fs)
    assert build("t_", 2000, 20, seed=3).friends == g.friends
    full = build("t_", 5, 10, seed=1)
    assert all(len(f) == 4 for f in full.friends)


def test_audience_rules() -> None:
    g = Graph("t_", 4, [[1, 2], [0], [0], []])
    assert g.audience(MOOD, 0, 0) == {0, 1, 2}
    assert g.audience(COMMENT, 1, 0) == {0, 1, 2}  # the mood's audience
    assert g.audience(GIFT, 3, 1) == {1, 3}


def test_durations() -> None:
    assert duration("30s") == 30 and duration("2m") == 120 and duration("1m30s") == 90
    assert duration("500ms") == 0.5 and duration("45") == 45 and duration("1h") == 3600
    with pytest.raises(argparse.ArgumentTypeError):
        duration("soon")


def test_join_counts_lost_duplicate_and_unexpected() -> None:
    g = Graph("t_", 3, [[1], [0], []])
    sent = [("m1", MOOD, 0, 0), ("g2", GIFT, 2, 1)]
    finals = {
        0: {"conns": [(0, True, 0), (1, True, 1), (2, True, 0), (2, False, 0)],
            "receipts": {"m1": [0, 1, 2], "g2": [2], "m9": [0]},
            "counts": {"dups": 1}},
    }
    result = accounting.join(g, sent, finals)
    # m1 → users 0, 1 (user 2 got it too: unexpected); g2 → users 1, 2 (user 1 missed it)
    assert (result["expected"], result["delivered"], result["lost"]) == (4, 3, 1)
    assert result["unexpected"] == 1 and result["untracked"] == 1
    assert result["duplicated"] == 1 and result["reconnects"] == 1
    assert result["connections_established"] == 3
    assert result["lost_examples"] == [{"event": "gift", "id": "2", "to": "t_1",
                                        "connection": 1}]
    assert accounting.expected_per_user(g, sent) == {0: 1, 1: 2, 2: 1}


def test_hub_op_times_are_what_the_run_added() -> None:
    before = {"mood.post": [(0.01, 5), (0.1, 10), (math.inf, 10)],
              "ping": [(0.01, 3), (0.1, 3), (math.inf, 3)]}
    after = {"mood.post": [(0.01, 55), (0.1, 105), (math.inf, 110)],  # +50, +45, +5
             "ping": [(0.01, 3), (0.1, 3), (math.inf, 3)],  # nothing new: left out
             "gift.send": [(0.01, 0), (0.1, 1), (math.inf, 2)]}  # new since `before`
    summary = hubtime.summary(before, after)
    assert summary == {
        "gift.send": {"count": 2, "p50_le_ms": 100.0, "p90_le_ms": None, "p99_le_ms": None,
                      "last_bucket_ms": 100.0},
        "mood.post": {"count": 100, "p50_le_ms": 10.0, "p90_le_ms": 100.0,
                      "p99_le_ms": None, "last_bucket_ms": 100.0}}
    # past the last bucket, the summary line says "more than" it
    assert report._hub_op_lines(summary) == [
        "  in the hub  gift.send p50 ≤100 p99 >100 ms (2) · mood.post p50 ≤10 p99 >100 ms "
        "(100) (op handling, from its /metrics)"]


def test_an_unreadable_metrics_page_gives_no_hub_op_times() -> None:
    assert hubtime.scrape(["http://127.0.0.1:9"], timeout=1) is None  # refused
