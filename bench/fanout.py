"""Fan-out ceiling: the same broadcast workload against Kongjian and its comparisons.

N websocket connections; M events, each reaching all N. Targets, measured one after
the other in one run:

* `ws`            — bench/servers/ws_broadcast.py: `websockets` + `broadcast()`, the
                    Python ceiling every ratio is taken against;
* `kj-mem`        — `kongjian serve --data none` (memory engine), events by
                    `POST /api/server/publish {"event","to":[all N],"data"}`;
* `kj-mem-mood`   — the same server, events by the publisher's `mood.post`
                    (`POST /api/ops/mood.post`), reaching its N friends;
* `kj-mem-default` — the default configuration: `kongjian serve` with a fresh
                    temporary `--data` directory (every delivery journaled into the
                    SQLite file), events by `mood.post` as `kj-mem-mood`;
* `kj-redis`, `kj-redis-mood` — the same with `--redis` on a throwaway redis-server;
* `sio`           — bench/servers/sio_redis.py: python-socketio + AsyncRedisManager
                    under uvicorn, every client in one room.

Placement: each server is pinned to core 0 (`taskset -c 0`); this load generator
pins itself to core 1, and redis-server (when used) is pinned to core 1 too — Redis
is a separate process doing the broker's share of the work, so it must not steal
the server's core; sharing the load generator's core slightly under-states the
generator's capacity instead, which the CPU-per-delivery figures do not depend on.
The generator runs on uvloop where installed (`--loop`): it then needs about a quarter
less CPU per receipt, which leaves core 1 more room for redis-server.

Publishing: `--publishers` requests in flight (default 1: the next event is sent when
the previous one is acknowledged: the HTTP response, or the ws/socket.io ack), each on
its own connection, timestamped `sent_ns` (time.time_ns()) in the event data; every
receiver computes now - sent_ns. Kongjian acknowledges a publish only once it is
durable in every inbox (on Redis: after deliver.lua ran), so with one request in flight
its max phase is bounded by that round trip rather than by the server's CPU.
Two phases per target:

1. `max`   — closed loop: publish as fast as acks come back, but never more than
             `--window` events ahead of complete delivery; gives deliveries/s.
2. `rate`  — open loop at `--rate` events/s (the same offered load for every target);
             gives latency at equal load.

In each phase the server's CPU time (utime+stime from /proc/<pid>/stat) is read
before and after; CPU per delivery and capacity = 1 / (CPU per delivery) do not depend
on whether the one-core Python load generator is the bottleneck.

    python bench/fanout.py --conns 1000 --events 300 --rate 40

The durable-memory table of issue #21 (ceiling, default configuration, `--data none`,
then Redis and python-socketio), in one run:

    python bench/fanout.py --conns 2000 --phases max \
        --targets ws,kj-mem-default,kj-mem-mood,kj-redis-mood,sio
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    BENCH_DIR,
    LOAD_CORE,
    PYTHON,
    SERVER_CORE,
    CpuMeter,
    MiniHTTP,
    children,
    free_port,
    kongjian_argv,
    loadavg,
    percentile,
    pin_self,
    publish,
    spawn,
    table,
    wait_port,
)
from bench.lean_ws import LeanWS, Stats, close_all, connect, connect_many
from hub.loadtest.worker import resolve_loop
from hub.testing.redis_server import RedisServer

ALL_TARGETS = ("ws", "kj-mem-default", "kj-mem", "kj-mem-mood", "kj-redis", "kj-redis-mood",
               "sio")
PASSWORD = "bench-password"

Publish = Callable[[int, int], Awaitable[None]]


@dataclass
class Live:
    """A running target: its server, receivers and how to publish to them."""

    name: str
    server_pid: int
    redis_pid: int | None
    conns: list[LeanWS]
    stats: Stats
    publish: Publish
    cleanup: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


# ------------------------------------------------------------------------ helpers
def data_dir(logdir: Path, name: str) -> Path:
    """The fresh `--data` directory of a default-configuration target (removed after)."""
    return logdir / f"data-{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}"


def py_spy() -> str:
    """py-spy beside this interpreter (`pip install -e '.[bench]'`), else on PATH."""
    here = Path(sys.executable).with_name("py-spy")
    return str(here) if here.exists() else shutil.which("py-spy") or "py-spy"


def event_frame(i: int, sent_ns: int) -> bytes:
    """What a Kongjian `x.bench` frame looks like, for the servers that frame nothing."""
    return (b'{"type":"event","id":"0badcafe:%d","seq":%d,"event":"x.bench","ts":%d,'
            b'"data":{"sent_ns":%d,"i":%d}}' % (i, i, sent_ns // 1_000_000, sent_ns, i))


async def wait_http(port: int, path: str, proc: Any, timeout: float = 20.0) -> None:
    await asyncio.to_thread(wait_port, port, proc, timeout)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        http = MiniHTTP("127.0.0.1", port)
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            status, _ = await http.request("GET", path)
            await http.close()
            if status == 200:
                return
        await asyncio.sleep(0.1)  # polling a starting child: no event to wait on
    raise RuntimeError(f"{path} on {port} never answered 200")


async def seed(port: int, key: str, users: list[str],
               friendships: list[list[str]]) -> dict[str, str]:
    """Create `users` (and friendships) with POST /api/admin/seed; their tokens."""
    http = MiniHTTP("127.0.0.1", port)
    tokens: dict[str, str] = {}
    auth = {"Authorization": f"Bearer {key}"}
    try:
        for start in range(0, len(users), 10_000):
            body = orjson.dumps({"users": users[start:start + 10_000], "password": PASSWORD})
            status, raw = await http.request("POST", "/api/admin/seed", body, auth)
            if status != 200:
                raise RuntimeError(f"seed failed: {status} {raw[:300]!r}")
            tokens.update(orjson.loads(raw)["tokens"])
        for start in range(0, len(friendships), 200_000):
            body = orjson.dumps({"friendships": friendships[start:start + 200_000]})
            status, raw = await http.request("POST", "/api/admin/seed", body, auth)
            if status != 200:
                raise RuntimeError(f"seed friendships failed: {status} {raw[:300]!r}")
    finally:
        await http.close()
    return tokens


def start_redis() -> RedisServer:
    redis = RedisServer()
    redis.start()
    assert redis.proc is not None
    os.sched_setaffinity(redis.proc.pid, {LOAD_CORE})
    return redis


# ------------------------------------------------------------------------ targets
class Pool:
    """Publishing connections: one per request in flight (`--publishers`)."""

    def __init__(self, conns: list[Any]) -> None:
        self.idle: asyncio.Queue[Any] = asyncio.Queue()
        for conn in conns:
            self.idle.put_nowait(conn)

    @contextlib.asynccontextmanager
    async def conn(self) -> Any:
        conn = await self.idle.get()
        try:
            yield conn
        finally:
            self.idle.put_nowait(conn)


async def start_target(name: str, n: int, procs: list, logdir: Path,
                       publishers: int = 1) -> Live:
    stats = Stats()
    redis: RedisServer | None = None
    if name.partition("@")[0] in ("kj-redis", "kj-redis-mood", "sio"):
        redis = start_redis()
        procs.append(_RedisHandle(redis))
    port = free_port()
    log = logdir / f"{name.replace('/', '_')}.log"
    if name == "ws":
        proc = spawn([PYTHON, "bench/servers/ws_broadcast.py", "--port", str(port)],
                     SERVER_CORE, log)
        procs.append(proc)
        await asyncio.to_thread(wait_port, port, proc)
        conns, errors = await connect_many("127.0.0.1", port, ["/"] * n, stats, mode="ws")
        pubs = [await connect("127.0.0.1", port, "/pub", stats, mode="ws")
                for _ in range(publishers)]
        for pub in pubs:
            pub.replies = asyncio.Queue()
        ws_pool = Pool(pubs)

        async def publish(i: int, sent_ns: int) -> None:
            async with ws_pool.conn() as pub:
                pub.send_text(event_frame(i, sent_ns))
                await pub.replies.get()

    elif name == "sio":
        assert redis is not None
        proc = spawn([PYTHON, "bench/servers/sio_redis.py", "--port", str(port),
                      "--redis", redis.url], SERVER_CORE, log)
        procs.append(proc)
        await asyncio.to_thread(wait_port, port, proc)
        path = "/socket.io/?EIO=4&transport=websocket"
        conns, errors = await connect_many("127.0.0.1", port, [path] * n, stats, mode="sio")
        pubs = [await connect("127.0.0.1", port, path + "&role=pub", stats, mode="sio")
                for _ in range(publishers)]
        for pub in pubs:
            pub.replies = asyncio.Queue()
        sio_pool = Pool(pubs)
        ack = [0]

        async def publish(i: int, sent_ns: int) -> None:
            ack[0] += 1
            data = event_frame(i, sent_ns)  # the same bytes, as the event's data object
            async with sio_pool.conn() as pub:
                pub.send_text(b'42%d["pub",%s]' % (ack[0], data))
                await pub.replies.get()

    else:
        key = secrets.token_hex(16)
        base = name.partition("@")[0]
        mood = base.endswith("-mood") or base == "kj-mem-default"
        # `kj-mem@/other/tree`: the same, running the hub from another source tree
        # (an A/B of a proposed patch); `python -m hub` imports from its cwd
        tree = Path(name.partition("@")[2]) if "@" in name else None
        data = str(data_dir(logdir, name)) if base == "kj-mem-default" else "none"
        proc = spawn(kongjian_argv(port, key, redis.url if redis else None, data=data),
                     SERVER_CORE, log, env={"PYTHONPATH": str(tree)} if tree else None,
                     cwd=tree)
        procs.append(proc)
        await wait_http(port, "/api/health", proc)
        users = [f"bu{i:05d}" for i in range(n)]
        tokens = await seed(port, key, [*users, "bpub"],
                            [["bpub", u] for u in users] if mood else [])
        marker, digits = (b"@ns", 19) if mood else (b'"sent_ns":', 19)
        conns, errors = await connect_many(
            "127.0.0.1", port, [f"/ws?token={tokens[u]}" for u in users], stats,
            mode="kongjian", marker=marker, digits=digits)
        http_pool = Pool([await MiniHTTP("127.0.0.1", port).open()
                          for _ in range(publishers)])
        if mood:
            auth = {"Authorization": f"Bearer {tokens['bpub']}"}

            async def publish(i: int, sent_ns: int) -> None:
                body = b'{"text":"bench @ns%d #%d","visibility":"friends"}' % (sent_ns, i)
                async with http_pool.conn() as http:
                    status, raw = await http.request("POST", "/api/ops/mood.post", body, auth)
                if status != 200:
                    raise RuntimeError(f"mood.post: {status} {raw[:200]!r}")
        else:
            auth = {"Authorization": f"Bearer {key}"}
            head = b'{"event":"bench","to":' + orjson.dumps(users) + b',"data":{"sent_ns":'

            async def publish(i: int, sent_ns: int) -> None:
                body = head + b'%d,"i":%d}}' % (sent_ns, i)
                async with http_pool.conn() as http:
                    status, raw = await http.request("POST", "/api/server/publish", body, auth)
                if status != 200:
                    raise RuntimeError(f"publish: {status} {raw[:200]!r}")

    if errors or len(conns) != n:
        raise RuntimeError(f"{name}: {len(conns)}/{n} connected; first errors {errors[:3]}")
    live = Live(name, proc.pid, redis.proc.pid if redis and redis.proc else None,
                conns, stats, publish)
    return live


class _RedisHandle:
    """Lets `children()` stop a RedisServer like a Popen."""

    def __init__(self, redis: RedisServer) -> None:
        self.redis = redis

    def poll(self) -> int | None:
        return None if self.redis.proc is not None else 0

    def send_signal(self, sig: int) -> None:
        self.redis.cleanup()

    def wait(self, timeout: float | None = None) -> int:
        return 0

    def kill(self) -> None:
        self.redis.cleanup()


# ------------------------------------------------------------------------ phases
async def drive(live: Live, first: int, events: int, *, window: int, rate: float,
                timeout: float, until: float | None = None, publishers: int = 1) -> int:
    """Publish events first.. (or until time `until`), at most `publishers` requests in
    flight; returns how many were sent."""
    n = len(live.conns)
    stats = live.stats
    t0 = time.perf_counter()
    slots = asyncio.Semaphore(publishers)
    flying: set[asyncio.Task[None]] = set()

    async def one(i: int) -> None:
        try:
            await live.publish(i, time.time_ns())
        finally:
            slots.release()

    k = 0
    try:
        while (k < events) if until is None else (time.perf_counter() < until):
            if window:
                need = (k - window + 1) * n
                if need > 0 and stats.marked < need and not await stats.until(need, timeout):
                    raise TimeoutError(f"{live.name}: deliveries stalled at {stats.marked}/{need}")
            if rate:
                delay = t0 + k / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            await slots.acquire()
            for task in [t for t in flying if t.done()]:
                flying.discard(task)
                task.result()  # a failed publish fails the phase
            task = asyncio.create_task(one(first + k))
            flying.add(task)
            k += 1
    finally:
        await asyncio.gather(*flying)
    return k


async def phase(live: Live, first: int, events: int, *, window: int, rate: float,
                timeout: float, publishers: int = 1) -> dict[str, Any]:
    n = len(live.conns)
    stats = live.stats
    pids = {"server": live.server_pid, "gen": os.getpid()}
    if live.redis_pid:
        pids["redis"] = live.redis_pid
    meter = CpuMeter(pids)
    stats.reset()
    received0 = stats.received
    meter.begin()
    t0 = time.perf_counter()
    sent = await drive(live, first, events, window=window, rate=rate, timeout=timeout,
                       publishers=publishers)
    t_sent = time.perf_counter()
    complete = await stats.until(sent * n, timeout)
    t1 = time.perf_counter()
    cpu = meter.end()
    delivered = stats.marked
    wall = t1 - t0
    lat = sorted(stats.lat)
    out = {
        "events": sent, "delivered": delivered, "expected": sent * n, "complete": complete,
        "wall": wall, "publish_wall": t_sent - t0, "dps": delivered / wall,
        "eps": sent / (t_sent - t0),
        "p50": percentile(lat, 0.50) / 1e6, "p99": percentile(lat, 0.99) / 1e6,
        "max": (lat[-1] / 1e6) if lat else float("nan"),
        "server_cpu": cpu["server"], "gen_cpu": cpu["gen"], "redis_cpu": cpu.get("redis"),
        "machine_busy": cpu["_machine_busy"], "other_msgs": stats.received - received0 - delivered,
    }
    d = max(delivered, 1)
    out["us_per_delivery"] = cpu["server"] / d * 1e6
    out["capacity"] = d / cpu["server"] if cpu["server"] > 0 else float("inf")
    if cpu.get("redis") is not None:
        out["redis_us_per_delivery"] = cpu["redis"] / d * 1e6
        both = cpu["server"] + cpu["redis"]
        out["capacity_with_redis"] = d / both if both > 0 else float("inf")
    out["server_util"] = cpu["server"] / wall
    out["gen_util"] = cpu["gen"] / wall
    return out


# ------------------------------------------------------------------------ profiling
async def profile(live: Live, first: int, seconds: float, window: int,
                  timeout: float, logdir: Path, publishers: int = 1,
                  profile_dir: Path = BENCH_DIR) -> tuple[str, int]:
    """py-spy the server while driving max load: a flame graph SVG and a raw
    collapsed-stack file, each from its own window. Returns (summary, events sent)."""
    sent_total = 0
    summary = ""
    for fmt, ext in (("raw", "txt"), ("flamegraph", "svg")):
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", live.name)
        out = (profile_dir if ext == "svg" else logdir) / f"profile-{safe}.{ext}"
        proc = spawn([py_spy(), "record", "--pid", str(live.server_pid),
                      "--rate", "250", "--duration", str(int(seconds)), "--nonblocking",
                      "--format", fmt, "-o", str(out)], LOAD_CORE,
                     logdir / f"py-spy-{live.name}.log")
        try:
            await asyncio.sleep(1.0)  # let py-spy attach
            live.stats.record = False
            sent = await drive(live, first + sent_total, 0, window=window, rate=0,
                               timeout=timeout, until=time.perf_counter() + seconds + 1,
                               publishers=publishers)
            sent_total += sent
            await live.stats.until(live.stats.marked, timeout)
            await asyncio.to_thread(proc.wait, 60)
        finally:
            live.stats.record = True
            if proc.poll() is None:
                proc.kill()
        if fmt == "raw" and out.exists():
            summary = summarize_raw(out)
    return summary, sent_total


def summarize_raw(path: Path, top: int = 20) -> str:
    """Top functions of a py-spy raw (collapsed) profile: self and inclusive %."""
    self_c: Counter[str] = Counter()
    incl: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        c = int(count)
        total += c
        frames = [f for f in (_short(f) for f in stack.split(";")) if f]
        if not frames:
            continue
        self_c[frames[-1]] += c
        for f in set(frames):
            incl[f] += c
    if not total:
        return "(no samples)"
    lines = [f"{total} samples (idle excluded); by function", "", "self:"]
    lines += [f"  {100 * c / total:5.1f}%  {f}" for f, c in self_c.most_common(top)]
    lines += ["", "inclusive (below the event loop):"]
    shown = [(f, c) for f, c in incl.most_common() if c < 0.9 * total][:top]
    lines += [f"  {100 * c / total:5.1f}%  {f}" for f, c in shown]
    return "\n".join(lines)


def _short(frame: str) -> str:
    """`func (path/to/pkg/file.py:123)` → `func (pkg/file.py)`; drop thread lines."""
    frame = frame.strip()
    if "(" not in frame:
        return ""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rpartition(":")[0] or where
    parts = Path(path).parts
    return f"{name} ({'/'.join(parts[-2:])})"


# ------------------------------------------------------------------------ main
def fmt(x: float | None, spec: str = ".1f") -> str:
    if x is None:
        return "–"
    return format(x, spec)


def report(args: argparse.Namespace, results: dict[str, dict[str, dict[str, Any]]],
           load_before: str, load_after: str, profiles: dict[str, str],
           rounds: list[dict[str, dict[str, dict[str, Any]]]]) -> str:
    base = results.get("ws", {})
    lines = []
    for ph, title in (("max", f"max (closed loop, window {args.window} events)"),
                      ("rate", f"fixed rate {args.rate:g} events/s "
                               f"= {args.rate * args.conns:,.0f} deliveries/s offered")):
        rows = []
        b = base.get(ph)
        for name, res in results.items():
            r = res.get(ph)
            if r is None:
                continue
            def ratio(key: str, r: dict[str, Any] = r, b: dict[str, Any] | None = b
                      ) -> float | None:
                return (r[key] / b[key]) if b and b.get(key) else None

            rows.append([
                name, f"{int(r['delivered']):,}/{int(r['expected']):,}"
                + ("" if r["complete"] else " ⚠"),
                f"{r['dps']:,.0f}", fmt(ratio("dps"), ".2f"),
                fmt(r["p50"], ".2f"), fmt(ratio("p50"), ".2f"),
                fmt(r["p99"], ".2f"), fmt(ratio("p99"), ".2f"),
                fmt(r["us_per_delivery"], ".2f"), f"{r['capacity']:,.0f}",
                fmt(ratio("capacity"), ".2f"),
                fmt(r.get("redis_us_per_delivery"), ".2f"),
                f"{r['server_util'] * 100:.0f}% / {r['gen_util'] * 100:.0f}%",
                f"{r['machine_busy'] * 100:.0f}%",
            ])
        if not rows:  # a phase not run (`--phases max`)
            continue
        lines.append(f"### {title}\n")
        lines.append(table(
            ["target", "delivered", "deliveries/s", "× ws", "p50 ms", "× ws", "p99 ms", "× ws",
             "server CPU µs/delivery", "capacity deliveries/CPU-s", "× ws",
             "redis CPU µs/delivery", "CPU util server / generator", "machine busy"],
            rows))
        lines.append("")
    sio = {ph: results.get("sio", {}).get(ph) for ph in ("max", "rate")}
    comp = []
    for name, res in results.items():
        if not name.startswith("kj"):
            continue
        for ph in ("max", "rate"):
            r, s = res.get(ph), sio.get(ph)
            if r and s:
                comp.append([name, ph, fmt(r["dps"] / s["dps"], ".1f"),
                             fmt(r["capacity"] / s["capacity"], ".1f"),
                             fmt(r.get("capacity_with_redis", r["capacity"])
                                 / s.get("capacity_with_redis", s["capacity"]), ".1f")])
    if comp:
        lines.append("### Kongjian vs python-socketio + Redis\n")
        lines.append(table(["target", "phase", "deliveries/s × sio", "capacity × sio",
                            "capacity incl. redis-server CPU × sio"], comp))
        lines.append("")
    if len(rounds) > 1:
        spread = []
        for name in results:
            for ph in ("max", "rate"):
                per = []
                for rnd in rounds:
                    r, b = rnd.get(name, {}).get(ph), rnd.get("ws", {}).get(ph)
                    per.append(fmt(r["capacity"] / b["capacity"], ".2f") if r and b else "–")
                spread.append([name, ph, " / ".join(per)])
        lines.append(f"### capacity × ws in each of the {len(rounds)} rounds (noise check)\n")
        lines.append(table(["target", "phase", "per round"], spread))
        lines.append("")
    lines.append(
        f"Settings: {args.conns} connections, {args.events} events per phase "
        f"(+{args.warmup} warm-up), {len(rounds)} round(s) (figures are medians), "
        f"window {args.window}, {args.publishers} publish request(s) in flight, "
        f"rate {args.rate:g} ev/s, load generator on {args.loop}; "
        f"server on core {SERVER_CORE}, load generator and redis-server on core {LOAD_CORE}. "
        f"Load average before/after: {load_before} / {load_after}. \"machine busy\" is the "
        "share of both cores in use during the phase (anything above server+generator is "
        "other people's work). capacity = deliveries per second of server CPU "
        "(utime+stime); \"CPU util\" near 100% marks the limiting process.")
    for name, text in profiles.items():
        lines.append(f"\n### py-spy profile of {name} (max load)\n\n"
                     f"Flame graph: `bench/profile-{name}.svg` (py-spy, 250 Hz, idle excluded)"
                     f"\n\n```\n{text}\n```")
    return "\n".join(lines)


async def run_target(name: str, args: argparse.Namespace, logdir: Path,
                     profiles: dict[str, str], profile_now: bool) -> dict[str, dict[str, Any]]:
    res: dict[str, dict[str, Any]] = {}
    with children() as procs:
        live: Live | None = None
        try:
            t = time.perf_counter()
            live = await asyncio.wait_for(
                start_target(name, args.conns, procs, logdir, args.publishers), args.timeout)
            print(f"[{name}] {args.conns} connected in {time.perf_counter() - t:.1f}s",
                  flush=True)
            n = args.conns
            # warm-up: let every code path and cache get hot, then settle
            await drive(live, 0, args.warmup, window=args.window, rate=0,
                        timeout=args.timeout)
            await live.stats.until(args.warmup * n, args.timeout)
            await asyncio.sleep(0.3)
            idx = args.warmup
            for ph in args.phases.split(","):
                r = await phase(live, idx, args.events,
                                window=args.window if ph == "max" else 0,
                                rate=0 if ph == "max" else args.rate, timeout=args.timeout,
                                publishers=args.publishers)
                idx += r["events"]
                res[ph] = r
                print(f"[{name}] {ph:4s}: {r['dps']:>9,.0f} deliveries/s "
                      f"({r['eps']:,.1f} ev/s)  p50 {r['p50']:.2f} ms  p99 {r['p99']:.2f} "
                      f"ms  server {r['us_per_delivery']:.2f} µs/delivery "
                      f"(util {r['server_util'] * 100:.0f}%, gen "
                      f"{r['gen_util'] * 100:.0f}%)"
                      + (f"  redis {r['redis_us_per_delivery']:.2f} µs/delivery"
                         if r.get("redis_us_per_delivery") is not None else "")
                      + ("" if r["complete"] else
                         f"  INCOMPLETE {r['delivered']}/{r['expected']}"), flush=True)
                await asyncio.sleep(0.3)
            if profile_now:
                summary, _ = await profile(live, idx, args.profile_seconds, args.window,
                                           args.timeout, logdir, args.publishers,
                                           args.profile_dir)
                profiles[name] = summary
                print(f"[{name}] profile:\n{summary}", flush=True)
        except Exception as exc:
            print(f"[{name}] FAILED: {type(exc).__name__}: {exc} (logs in {logdir})",
                  flush=True)
        finally:
            if live is not None:
                await close_all(live.conns)
    shutil.rmtree(data_dir(logdir, name), ignore_errors=True)  # its server has stopped
    return res


Results = dict[str, dict[str, dict[str, Any]]]  # target → phase → figures


def merge(rounds: list[Results]) -> Results:
    """The median of every figure over the rounds (a single round is itself)."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for name in dict.fromkeys(n for r in rounds for n in r):
        for ph in dict.fromkeys(p for r in rounds for p in r.get(name, {})):
            runs = [r[name][ph] for r in rounds if ph in r.get(name, {})]
            merged: dict[str, Any] = {}
            for key, value in runs[0].items():
                if isinstance(value, bool):
                    merged[key] = all(run[key] for run in runs)
                elif isinstance(value, (int, float)):
                    merged[key] = statistics.median(run[key] for run in runs)
                else:
                    merged[key] = value
            out.setdefault(name, {})[ph] = merged
    return out


async def run(args: argparse.Namespace) -> None:
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    for t in targets:
        if t.partition("@")[0] not in ALL_TARGETS:
            raise SystemExit(f"unknown target {t!r}; choose from {', '.join(ALL_TARGETS)}")
    logdir = Path(tempfile.mkdtemp(prefix="kj-bench-"))
    rounds: list[dict[str, dict[str, dict[str, Any]]]] = []
    profiles: dict[str, str] = {}
    load_before = loadavg()
    deadline = time.monotonic() + args.max_seconds
    for rnd in range(args.rounds):
        results: dict[str, dict[str, dict[str, Any]]] = {}
        rounds.append(results)
        for name in targets:
            if time.monotonic() > deadline:
                print(f"[{name}] skipped: --max-seconds reached", flush=True)
                continue
            results[name] = await run_target(name, args, logdir, profiles,
                                             profile_now=args.profile and rnd == 0)
    results = merge(rounds)
    body = report(args, {k: v for k, v in results.items() if v}, load_before, loadavg(),
                  profiles, rounds)
    publish("Fan-out ceiling (bench/fanout.py)", body, args.no_append)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conns", type=int, default=1000, help="receiving connections (N)")
    parser.add_argument("--events", type=int, default=300, help="events per phase (M)")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--window", type=int, default=4,
                        help="max events published ahead of complete delivery (max phase)")
    parser.add_argument("--publishers", type=int, default=1,
                        help="publish requests in flight (each on its own connection)")
    parser.add_argument("--rate", type=float, default=20.0,
                        help="events/s of the fixed-rate phase")
    parser.add_argument("--phases", default="max,rate")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run every target this many times; figures are medians")
    parser.add_argument("--targets", default=",".join(ALL_TARGETS))
    parser.add_argument("--timeout", type=float, default=120.0, help="per wait, seconds")
    parser.add_argument("--max-seconds", type=float, default=1200.0,
                        help="skip remaining targets after this long")
    parser.add_argument("--profile", action="store_true",
                        help="py-spy each server under max load after measuring it")
    parser.add_argument("--profile-seconds", type=float, default=8.0)
    parser.add_argument("--profile-dir", type=Path, default=BENCH_DIR,
                        help="where the flame graphs go (default bench/)")
    parser.add_argument("--loop", choices=("auto", "uvloop", "asyncio"), default="auto",
                        help="this load generator's event loop (auto: uvloop if installed); "
                             "the servers keep their own")
    parser.add_argument("--no-append", action="store_true", help="don't write RESULTS.md")
    args = parser.parse_args()
    args.loop = resolve_loop(args.loop)
    pin_self(LOAD_CORE)
    from bench.common import raise_nofile

    raise_nofile()
    if args.loop == "uvloop":
        import uvloop

        uvloop.run(run(args))
    else:
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
