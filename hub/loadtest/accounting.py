"""Joining what was sent with what was received: expected, delivered, lost, duplicated,
unexpected — pure functions over the workers' reports.

A connection is named globally by `gid(process, local index)`. An event is expected on
every connection that was established (before posting began) of every user in its
audience, computed from the graph the load tester built (DESIGN §3).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hub.loadtest.graph import KIND_NAMES, Graph

STRIDE = 10_000_000
MAX_EXAMPLES = 20


def gid(process: int, index: int) -> int:
    return process * STRIDE + index


def expected_per_user(graph: Graph, sent: Iterable[tuple[str, str, int, int]]) -> dict[int, int]:
    """How many tracked events each user's every connection must receive."""
    counts: dict[int, int] = {}
    for _key, kind, actor, target in sent:
        for user in graph.audience(kind, actor, target):
            counts[user] = counts.get(user, 0) + 1
    return counts


def join(graph: Graph, sent: list[tuple[str, str, int, int]],
         finals: Mapping[int, dict[str, Any]]) -> dict[str, Any]:
    """Expected vs delivered per (event, connection)."""
    conn_user: dict[int, int] = {}
    conns_of: dict[int, list[int]] = {}
    reconnects = 0
    for proc, final in finals.items():
        for index, (user, established, again) in enumerate(final["conns"]):
            if established:
                g = gid(proc, index)
                conn_user[g] = user
                conns_of.setdefault(user, []).append(g)
                reconnects += again
    receipts: dict[str, set[int]] = {}
    for proc, final in finals.items():
        for key, locals_ in final["receipts"].items():
            receipts.setdefault(key, set()).update(gid(proc, i) for i in locals_)
    expected = delivered = unexpected = 0
    lost_examples: list[dict[str, Any]] = []
    unexpected_examples: list[dict[str, Any]] = []
    by_kind: dict[str, dict[str, int]] = {
        name: {"events": 0, "expected": 0, "delivered": 0} for name in KIND_NAMES.values()}
    keys = set()
    for key, kind, actor, target in sent:
        keys.add(key)
        audience = graph.audience(kind, actor, target)
        got = receipts.get(key, set())
        want = [g for user in audience for g in conns_of.get(user, ())]
        hit = sum(1 for g in want if g in got)
        stats = by_kind[KIND_NAMES[kind]]
        stats["events"] += 1
        stats["expected"] += len(want)
        stats["delivered"] += hit
        expected += len(want)
        delivered += hit
        if hit < len(want) and len(lost_examples) < MAX_EXAMPLES:
            for g in want:
                if g not in got and len(lost_examples) < MAX_EXAMPLES:
                    lost_examples.append({"event": KIND_NAMES[kind], "id": key[1:],
                                          "to": graph.name(conn_user[g]), "connection": g})
        extra = [g for g in got if conn_user.get(g, -1) not in audience]
        unexpected += len(extra)
        for g in extra[:MAX_EXAMPLES - len(unexpected_examples)]:
            unexpected_examples.append({"event": KIND_NAMES[kind], "id": key[1:],
                                        "to": graph.name(conn_user[g]) if g in conn_user
                                        else None, "connection": g})
    untracked = sum(len(v) for k, v in receipts.items() if k not in keys)
    totals = {k: sum(f["counts"].get(k, 0) for f in finals.values())
              for k in ("dups", "gap_events", "live_only", "missing_seqs", "out_of_order",
                        "other_events", "malformed")}
    return {
        "events_sent": len(sent), "expected": expected, "delivered": delivered,
        "lost": expected - delivered, "duplicated": totals["dups"],
        "unexpected": unexpected, "untracked": untracked,
        "seq_gaps": totals["gap_events"], "seq_missing": totals["missing_seqs"],
        "out_of_order": totals["out_of_order"], "other_events": totals["other_events"],
        "malformed": totals["malformed"], "live_only": totals["live_only"],
        "by_kind": by_kind, "lost_examples": lost_examples,
        "unexpected_examples": unexpected_examples,
        "connections_established": len(conn_user), "reconnects": reconnects,
    }
