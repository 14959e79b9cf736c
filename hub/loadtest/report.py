"""The load test's figures: one JSON-ready dict (`--report`), a summary table for the
terminal, and the list of problems that make the run fail (exit code 1)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import orjson

from hub.loadtest.coordinator import Coordinator
from hub.loadtest.graph import Graph
from hub.loadtest.hist import Histogram

MB = 1024 * 1024


def build(*, url: str, config: dict[str, Any], health: dict[str, Any], graph: Graph,
          seed: dict[str, Any], coord: Coordinator, events: dict[str, Any],
          server_note: str, started: float, machine: dict[str, Any]) -> dict[str, Any]:
    ready, posted, finals = coord.ready, coord.posted, coord.finals
    target = graph.n * coord.plan.tabs
    established = events["connections_established"]
    connect = Histogram.merged(r["connect_hist"] for r in ready.values())
    connect_errors: dict[str, int] = {}
    for r in ready.values():
        for k, v in r["errors"].items():
            connect_errors[k] = connect_errors.get(k, 0) + v
    by_kind: dict[str, int] = {}
    op_errors: dict[str, int] = {}
    for p in posted.values():
        for k, v in p["ops"].items():
            by_kind[k] = by_kind.get(k, 0) + v
        for k, v in p["errors"].items():
            op_errors[k] = op_errors.get(k, 0) + v
    sent_ops = sum(by_kind.values())
    failed_ops = sum(op_errors.values())
    latency = Histogram.merged(f["latency"] for f in finals.values())
    replies = Histogram.merged(p["reply_hist"] for p in posted.values())
    seconds = coord.run_seconds or 1e-9
    timeline = [_second(t, s) for t, s in sorted(coord.timeline.items())]
    busy = [s["deliveries"] for s in timeline]
    cpu = [s["cpu_percent"] for s in timeline if s["cpu_percent"] is not None]
    rss = [s["rss_mb"] for s in timeline if s["rss_mb"] is not None]
    server: dict[str, Any] | None = None
    if coord.server is not None:
        cpu_seconds = None
        if coord.server.cpu_start is not None:
            try:
                cpu_seconds = round(coord.server.cpu_seconds() - coord.server.cpu_start, 2)
            except OSError:
                cpu_seconds = None
        wait_now = coord.server.runqueue_wait()
        waited = (None if wait_now is None or coord.server.wait_start is None
                  else round(wait_now - coord.server.wait_start, 2))
        server = {"pid": coord.server.pid, "rss_peak_mb": round(coord.server.peak_rss / MB, 1),
                  "rss_end_mb": rss[-1] if rss else None,
                  "cpu_mean_percent": round(sum(cpu) / len(cpu), 1) if cpu else None,
                  "cpu_peak_percent": max(cpu) if cpu else None,
                  "cpu_seconds_total": cpu_seconds, "runqueue_wait_seconds": waited}
    report: dict[str, Any] = {
        "tool": "kongjian loadtest", "format": 1, "url": url,
        "started": dt.datetime.fromtimestamp(started, dt.UTC).isoformat(timespec="seconds"),
        "config": config,
        "hub": {"node": health.get("node"), "engine": health.get("engine"),
                "pid": health.get("pid"), "local": coord.server is not None,
                "note": server_note or None},
        "graph": {"users": graph.n, "friendships": sum(len(f) for f in graph.friends) // 2,
                  "degree": graph.degree_stats()},
        "seed": seed,
        "connections": {"target": target, "established": established,
                        "failed": target - established, "reconnects": events["reconnects"],
                        "connect_seconds": round(coord.connect_seconds, 2),
                        "connect_ms": connect.summary_ms(), "errors": connect_errors},
        "ops": {"sent": sent_ops, "ok": sent_ops - failed_ops, "errors": op_errors,
                "error_rate": round(failed_ops / sent_ops, 5) if sent_ops else 0.0,
                "by_kind": {_kind(k): v for k, v in by_kind.items()},
                "reply_ms": replies.summary_ms(),
                # inside the hub's op handler, from its /metrics (None: not readable)
                "hub_op_ms": coord.hub_ops},
        "events": {k: v for k, v in events.items()
                   if k not in ("connections_established", "reconnects")},
        "latency_ms": latency.summary_ms(),
        "throughput": {"run_seconds": round(seconds, 2),
                       "ops_per_s": round(sent_ops / seconds, 1),
                       "deliveries_per_s": round(events["delivered"] / seconds, 1),
                       "peak_deliveries_per_s": max(busy) if busy else 0},
        "server": server,
        "machine": machine,
        "histogram": [{"low_ms": lo / 1000, "high_ms": hi / 1000, "count": n}
                      for lo, hi, n in latency.coarse()],
        "timeline": timeline,
    }
    report["problems"] = problems(report)
    report["ok"] = not report["problems"]
    return report


def _kind(code: str) -> str:
    return {"m": "mood", "c": "comment", "g": "gift"}.get(code, code)


def _second(t: int, s: Any) -> dict[str, Any]:
    return {"t": t, "deliveries": s.deliveries, "ops": s.ops, "errors": s.errors,
            "p50_ms": round(s.hist.percentile(50) / 1000, 3),
            "p99_ms": round(s.hist.percentile(99) / 1000, 3),
            "cpu_percent": s.cpu, "rss_mb": None if s.rss is None else round(s.rss / MB, 1)}


def problems(report: dict[str, Any]) -> list[str]:
    ev, conns = report["events"], report["connections"]
    found = []
    for key, what in (("lost", "events lost"), ("duplicated", "duplicate deliveries"),
                      ("unexpected", "deliveries to users outside the audience"),
                      ("out_of_order", "events out of order (seq went back)"),
                      ("seq_gaps", "seq gaps (holes in a connection's seq)"),
                      ("malformed", "events whose shape could not be read")):
        if ev[key]:
            found.append(f"{ev[key]} {what}")
    if conns["failed"]:
        found.append(f"{conns['failed']} of {conns['target']} connections failed to open")
    if not ev["events_sent"]:
        found.append("no event was sent (every op failed?)")
    return found


def write_json(report: dict[str, Any], path: Path) -> None:
    path.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  " + "  ".join(c.rjust(w) if i else c.ljust(w)
                             for i, (c, w) in enumerate(zip(r, widths, strict=True)))
            for r in rows]


def _hub_op_lines(hub_ops: dict[str, dict[str, Any]] | None) -> list[str]:
    """The hub's own op times (its histogram's bucket bounds), the heartbeat's pings
    left out."""
    shown = {op: s for op, s in (hub_ops or {}).items() if op != "ping"}
    if not shown:
        return []

    def bound(ms: float | None, last: float | None) -> str:
        return f"≤{ms:g}" if ms is not None else f">{last:g}" if last is not None else "?"

    return ["  in the hub  " + " · ".join(
        f"{op} p50 {bound(s['p50_le_ms'], s['last_bucket_ms'])} "
        f"p99 {bound(s['p99_le_ms'], s['last_bucket_ms'])} ms ({s['count']})"
        for op, s in shown.items()) + " (op handling, from its /metrics)"]


def summary(report: dict[str, Any]) -> str:
    hub, graph, conns, ops = report["hub"], report["graph"], report["connections"], report["ops"]
    ev, lat, thr = report["events"], report["latency_ms"], report["throughput"]
    deg = graph["degree"]
    lines = [
        f"Kongjian load test — {report['url']} ({hub['engine']} engine, node {hub['node']})",
        f"  graph       {graph['users']} users, {graph['friendships']} friendships "
        f"(friends per user: mean {deg['mean']}, median {deg['median']}, max {deg['max']}); "
        f"seeded via {report['seed']['method']} in {report['seed']['seconds']} s",
        f"  connections {conns['established']}/{conns['target']} in {conns['connect_seconds']} s"
        f" (connect p50 {conns['connect_ms']['p50']} ms, p99 {conns['connect_ms']['p99']} ms);"
        f" reconnects {conns['reconnects']}",
        f"  ops         {ops['sent']} in {thr['run_seconds']} s ({thr['ops_per_s']}/s); errors "
        f"{ops['sent'] - ops['ok']} ({100 * ops['error_rate']:.2f} %) {ops['errors'] or ''}; "
        f"reply p50 {ops['reply_ms']['p50']} ms, p99 {ops['reply_ms']['p99']} ms",
        *_hub_op_lines(ops.get("hub_op_ms")),
        "",
    ]
    rows = [["event", "sent", "expected", "delivered", "lost"]]
    for kind, s in ev["by_kind"].items():
        rows.append([kind, str(s["events"]), str(s["expected"]), str(s["delivered"]),
                     str(s["expected"] - s["delivered"])])
    rows.append(["total", str(ev["events_sent"]), str(ev["expected"]), str(ev["delivered"]),
                 str(ev["lost"])])
    lines += _table(rows)
    lines += [
        f"  duplicated {ev['duplicated']} · unexpected {ev['unexpected']} · seq gaps "
        f"{ev['seq_gaps']} · out of order {ev['out_of_order']} · untracked {ev['untracked']}",
        "",
        f"  latency op send → receipt (ms): p50 {lat['p50']}  p90 {lat['p90']}  p99 {lat['p99']}"
        f"  p99.9 {lat['p99.9']}  max {lat['max']}  ({lat['count']} deliveries)",
        f"  throughput  {thr['deliveries_per_s']} deliveries/s (peak second "
        f"{thr['peak_deliveries_per_s']})",
    ]
    server = report["server"]
    if server:
        lines.append(f"  hub process RSS peak {server['rss_peak_mb']} MB, CPU mean "
                     f"{server['cpu_mean_percent']} % (peak {server['cpu_peak_percent']} %), "
                     f"{server['cpu_seconds_total']} CPU s; its event loop waited "
                     f"{server['runqueue_wait_seconds']} s for a CPU")
    else:
        lines.append(f"  hub process not sampled ({hub['note']})")
    m = report["machine"]
    lines.append(f"  this machine {m['cpus']} CPUs, load average {m['loadavg_before']} → "
                 f"{m['loadavg_after']}; the client processes used {m['client_cpu_seconds']}"
                 f" CPU s ({report['config'].get('loop', 'asyncio')})")
    verdict = "OK" if report["ok"] else "FAILED: " + "; ".join(report["problems"])
    lines += ["", f"  result: {verdict}"]
    for example in ev["lost_examples"][:5]:
        lines.append(f"    lost: {example['event']} {example['id']} → {example['to']}")
    return "\n".join(lines)
