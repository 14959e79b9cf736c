"""`kongjian loadtest`: seed users and a friend graph, open N×T websockets from several
processes, post moods, comments and gifts at a fixed total rate, and check every
delivery against the audience rules. Wired into the `kongjian` command by
hub/__main__.py through `add_parser` and `run`.

Exit codes: 0 clean run; 1 the run finished but found problems (loss, duplicates,
gaps, deliveries outside the audience, connections that failed); 2 bad arguments, the
URL is unreachable or not a Kongjian hub, or setup failed; 3 the hard ceiling stopped
it; 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import secrets
import string
import sys
import time
from pathlib import Path
from typing import Any

from hub.loadtest import accounting, graph, html, report
from hub.loadtest.coordinator import Coordinator, Plan, RunAborted
from hub.loadtest.probe import ProbeError, ServerStats, check_hub, raise_nofile, source_addresses
from hub.loadtest.progress import StatusLine
from hub.loadtest.seed import SeedError, seed
from hub.loadtest.worker import resolve_loop, uvloop_available

_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?"
                       r"(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?")


def duration(text: str) -> float:
    """'30s', '2m', '1m30s', '1h', '500ms' or plain seconds → seconds."""
    text = text.strip().lower()
    try:
        return float(text)
    except ValueError:
        pass
    match = _DURATION.fullmatch(text)
    if not text or not match or not any(match.groups()):
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (try 30s, 2m, 1m30s)")
    h, m, s, ms = (float(g) if g else 0.0 for g in match.groups())
    return h * 3600 + m * 60 + s + ms / 1000


def mix(text: str) -> tuple[float, float, float]:
    try:
        parts = tuple(float(p) for p in text.split(":"))
    except ValueError:
        parts = ()
    if len(parts) != 3 or min(parts) < 0 or sum(parts) <= 0:
        raise argparse.ArgumentTypeError("--mix is MOODS:COMMENTS:GIFTS weights, e.g. 5:3:2")
    return parts  # type: ignore[return-value]


DEFAULT_URL = "http://127.0.0.1:8000"


def hub_urls(values: str | list[str] | None) -> list[str]:
    """The --url values (repeatable, each may be comma-separated) → the nodes, in order,
    without repeats; [DEFAULT_URL] when none was given."""
    urls: list[str] = []
    for value in [values] if isinstance(values, str) else values or [DEFAULT_URL]:
        for url in value.split(","):
            url = url.strip()
            if url and url not in urls:
                urls.append(url)
    return urls or [DEFAULT_URL]


def check_nodes(healths: list[dict[str, Any]]) -> str | None:
    """Several URLs must be nodes of one shared engine, or their users cannot see each
    other's events and every cross-node delivery would count as lost."""
    nodes = {h.get("node") for h in healths}
    if len(nodes) > 1 and any(h.get("engine") == "memory" for h in healths):
        return ("the URLs are different nodes on the memory engine, which shares nothing "
                "between nodes; give one URL, or run the nodes on the Redis engine")
    return None


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "loadtest", help="load-test a running hub (seed users, open websockets, post, "
                         "check every delivery)",
        description="Seed N users and a friend graph, open N×T websockets, post moods, "
                    "comments and gifts at --post-rate ops/s for --duration, and check "
                    "that every event reached exactly its audience. See docs/loadtest.md.")
    p.add_argument("--url", action="append", metavar="URL",
                   help="the hub (http or ws URL; default http://127.0.0.1:8000). Repeat it "
                        "or separate with commas for several nodes: user u connects to "
                        "url[u %% n]; seeding and the RSS/CPU probe use the first")
    p.add_argument("--internal-url", action="append", metavar="URL",
                   help="for nodes started with --internal-port: each node's internal URL, "
                        "in --url's order, where health, /metrics and seeding are read "
                        "(default: the --url values)")
    p.add_argument("--users", type=int, default=1000, help="users to seed (default 1000)")
    p.add_argument("--friends", type=float, default=20,
                   help="mean friends per user; skewed (default 20)")
    p.add_argument("--duration", type=duration, default=30.0, help="posting time (30s)")
    p.add_argument("--post-rate", type=float, default=50.0,
                   help="ops per second in total (moods+comments+gifts; default 50)")
    p.add_argument("--tabs-per-user", dest="tabs", type=int, default=1,
                   help="websockets per user (default 1)")
    p.add_argument("--processes", type=int, default=os.cpu_count() or 1,
                   help="client processes (default: CPU count)")
    p.add_argument("--report", type=Path, help="write all figures as JSON here")
    p.add_argument("--html", type=Path, help="write a self-contained HTML report here")
    p.add_argument("--server-key", default=os.environ.get("KJ_SERVER_KEY"),
                   help="the hub's server key, for fast seeding via /api/admin/seed "
                        "[KJ_SERVER_KEY]; without it: /api/register per user (slow)")
    p.add_argument("--mix", type=mix, default=(5.0, 3.0, 2.0),
                   help="weights MOODS:COMMENTS:GIFTS (default 5:3:2)")
    p.add_argument("--drain", type=duration, default=10.0,
                   help="after posting, wait at most this long for outstanding deliveries")
    p.add_argument("--ceiling", type=duration, default=120.0,
                   help="hard limit beyond --duration for setup and drain (default 120s)")
    p.add_argument("--seed", type=int, default=1, help="random seed (graph, ops)")
    p.add_argument("--prefix", help="user name prefix (default: lt<random>_)")
    p.add_argument("--password", default="loadtest-password", help="password of seeded users")
    p.add_argument("--source-addrs", type=int,
                   help="loopback source addresses 127.0.0.2… to spread over "
                        "(default: one per 20,000 connections; 0 = off)")
    p.add_argument("--connect-concurrency", type=int, default=200,
                   help="handshakes in flight per process (default 200)")
    p.add_argument("--op-timeout", type=duration, default=10.0, help="op reply timeout (10s)")
    p.add_argument("--loop", choices=("auto", "uvloop", "asyncio"), default="auto",
                   help="client processes' event loop (default auto: uvloop if installed)")
    p.add_argument("--quiet", action="store_true", help="no live progress")
    return p  # type: ignore[no-any-return]


def _fail(message: str, code: int = 2) -> int:
    print(f"kongjian loadtest: {message}", file=sys.stderr)
    return code


def _check_args(args: argparse.Namespace) -> str | None:
    if args.users < 2:
        return "--users must be at least 2"
    if len(args.internal_urls) != len(args.urls):
        return (f"--internal-url names {len(args.internal_urls)} node(s) and --url "
                f"{len(args.urls)}: give one internal URL per node, in the same order")
    if args.loop == "uvloop" and not uvloop_available():
        return "--loop uvloop: uvloop is not installed (pip install uvloop)"
    if args.tabs < 1 or args.processes < 1:
        return "--tabs-per-user and --processes must be at least 1"
    if args.duration <= 0 or args.post_rate < 0 or args.friends < 0:
        return "--duration must be positive; --post-rate and --friends not negative"
    alphabet = set(string.ascii_lowercase + string.digits + "_")
    if not args.prefix or not set(args.prefix) <= alphabet:
        return "--prefix must be made of a-z, 0-9 and _"
    if len(args.prefix) + len(str(args.users - 1)) > 20 or len(args.prefix) + 1 < 3:
        return "--prefix plus the user number must make a 3-20 character name"
    return None


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(args: argparse.Namespace) -> int:
    started, t0 = time.time(), time.monotonic()
    args.urls = hub_urls(args.url)
    args.url = args.urls[0]
    args.internal_urls = hub_urls(args.internal_url) if args.internal_url else args.urls
    args.prefix = args.prefix or "lt" + secrets.token_hex(2) + "_"
    args.processes = max(1, min(args.processes, args.users))
    problem = _check_args(args)
    if problem:
        return _fail(problem)
    deadline = t0 + args.duration + args.ceiling
    status = StatusLine(quiet=args.quiet)
    try:
        healths = [check_hub(url) for url in args.internal_urls]
    except ProbeError as exc:
        return _fail(str(exc))
    health = healths[0]
    problem = check_nodes(healths)
    if problem:
        return _fail(problem)
    server, note = ServerStats.find(health, args.internal_urls[0])
    total = args.users * args.tabs
    need = -(-args.users // args.processes) * args.tabs + 256
    ok, advice = raise_nofile(need)
    if not ok:
        return _fail(advice)
    limit = server.open_files_limit() if server else None
    if limit is not None and limit < total + 100:
        status.note(f"warning: the hub process may open {limit} files but needs about "
                    f"{total + 100} for {total} connections; restart it after "
                    f"`ulimit -n {total + 1000}`")
    g = graph.build(args.prefix, args.users, args.friends, args.seed)
    try:
        seeded_at = time.monotonic()
        tokens, method = asyncio.run(asyncio.wait_for(
            seed(args.internal_urls[0], args.server_key, g, args.password, status),
            max(1.0, deadline - time.monotonic())))
        seed_info = {"method": method, "seconds": round(time.monotonic() - seeded_at, 2)}
        status.done()
    except SeedError as exc:
        status.done()
        return _fail(str(exc))
    except TimeoutError:
        status.done()
        return _fail("hard ceiling reached while seeding; give --server-key or raise "
                     "--ceiling", 3)
    except OSError as exc:
        status.done()
        return _fail(f"seeding failed: {exc}")
    addrs = source_addresses(args.url, total, args.source_addrs)
    plan = Plan(url=args.url, duration=args.duration, rate=args.post_rate, tabs=args.tabs,
                processes=args.processes, mix=args.mix, drain=args.drain, seed=args.seed,
                source_addrs=addrs, connect_concurrency=args.connect_concurrency,
                op_timeout=args.op_timeout, urls=args.urls, loop=resolve_loop(args.loop),
                status_urls=args.internal_urls)
    coord = Coordinator(plan, g, tokens, server, status, deadline)
    load_before, cpu_before = os.getloadavg(), _children_cpu()
    try:
        coord.run()
    except RunAborted as exc:
        return _fail(str(exc), exc.code)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    machine = {"cpus": os.cpu_count(), "loadavg_before": round(load_before[0], 2),
               "loadavg_after": round(os.getloadavg()[0], 2),
               "client_cpu_seconds": round(_children_cpu() - cpu_before, 2)}
    sent = [s for p in coord.posted.values() for s in p["sent"]]
    events = accounting.join(g, sent, coord.finals)
    config = {"users": args.users, "friends": args.friends, "tabs_per_user": args.tabs,
              "duration_s": args.duration, "post_rate": args.post_rate,
              "processes": args.processes, "loop": resolve_loop(args.loop),
              "mix": dict(zip(("mood", "comment", "gift"), args.mix, strict=True)),
              "drain_s": args.drain, "ceiling_s": args.ceiling, "seed": args.seed,
              "prefix": args.prefix, "source_addrs": addrs, "urls": args.urls,
              "nodes": [{"url": u, "node": h.get("node"), "engine": h.get("engine"),
                         "pid": h.get("pid")} for u, h in zip(args.urls, healths, strict=True)]}
    result = report.build(url=args.url, config=config, health=health, graph=g,
                          seed=seed_info, coord=coord, events=events, server_note=note,
                          started=started, machine=machine)
    print(report.summary(result), flush=True)
    if args.report:
        report.write_json(result, args.report)
    if args.html:
        html.write(result, args.html)
    return 0 if result["ok"] else 1


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (`python -m hub.loadtest`) until the `kongjian` command has it."""
    parser = argparse.ArgumentParser(prog="kongjian")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return run(parser.parse_args(["loadtest", *(sys.argv[1:] if argv is None else argv)]))
