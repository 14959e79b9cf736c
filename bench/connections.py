"""Connections held: idle websockets on one server process, RSS per connection and the
time to open them — Kongjian's memory engine (`kj`) and the pure-`websockets` server
(`ws`, bench/servers/ws_broadcast.py) for comparison.

For each target: start the server (pinned to core 0); for Kongjian seed max(counts)
users with `POST /api/admin/seed` (tokens); read the server's VmRSS as the base; then
grow to each count in turn (cumulatively) from `--procs` client processes pinned to
core 1, each over its own loopback source addresses (127.0.0.2, .3, … — one address's
ephemeral port range holds ~28k connections), every client's NOFILE limit raised to
the hard limit. After each step: wait `--settle` s, read VmRSS and the number of open
fds of the server. RSS per connection = (VmRSS - base) / connections.

Idle clients behave like the browser client: they answer Kongjian's `heartbeat` with a
`ping` op (else the idle timeout closes them) and websocket pings with pongs.

A count the server's RLIMIT_NOFILE cannot hold (each connection is one fd) is replaced
by the largest count that fits (hard limit − 200) unless `--attempt-over-limit`.

    python bench/connections.py --counts 1000,10000,30000
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import resource
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    LOAD_CORE,
    PYTHON,
    SERVER_CORE,
    children,
    free_port,
    kongjian_argv,
    loadavg,
    publish,
    raise_nofile,
    rss_kib,
    spawn,
    table,
    wait_port,
)
from bench.fanout import seed, wait_http
from bench.lean_ws import Stats, close_all, connect_many

FD_MARGIN = 200


# ------------------------------------------------------------------ client process
def worker(conn: Any, port: int, mode: str, addrs: list[str], concurrency: int) -> None:
    os.sched_setaffinity(0, {LOAD_CORE})
    raise_nofile()
    asyncio.run(_worker(conn, port, mode, addrs, concurrency))


async def _worker(conn: Any, port: int, mode: str, addrs: list[str], concurrency: int) -> None:
    loop = asyncio.get_running_loop()
    stats = Stats()
    stats.record = False
    held: list = []
    used = 0  # connections opened so far: the next ones go to the next address
    per_addr = 25_000
    try:
        while True:
            cmd = await loop.run_in_executor(None, conn.recv)
            if cmd[0] == "open":
                paths: list[str] = cmd[1]
                t0 = time.perf_counter()
                conns, errors = await connect_many(
                    "127.0.0.1", port, paths, stats, mode=mode, concurrency=concurrency,
                    local_addrs=addrs, per_addr=per_addr, offset=used, timeout=60.0)
                elapsed = time.perf_counter() - t0
                held += conns
                used += len(paths)
                conn.send(("opened", len(conns), len(errors), errors[:3], elapsed))
            elif cmd[0] == "status":
                alive = sum(1 for c in held if not c.lost.done())
                conn.send(("status", alive, dict(stats.close_codes)))
            elif cmd[0] == "close":
                await close_all(held, within=10.0)
                conn.send(("closed",))
                return
    finally:
        for c in held:
            c.abort()


# ------------------------------------------------------------------ measuring
def server_fd_limit(pid: int) -> int:
    with open(f"/proc/{pid}/limits") as f:
        for line in f:
            if line.startswith("Max open files"):
                return int(line.split()[3])
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


async def measure(target: str, counts: list[int], args: argparse.Namespace,
                  logdir: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    port = free_port()
    with children() as procs:
        kind, _, tree = target.partition("@")  # `kj@/other/tree`: that tree's hub
        if kind == "kj":
            key = secrets.token_hex(16)
            proc = spawn(kongjian_argv(port, key), SERVER_CORE, logdir / "kj.log",
                         env={"PYTHONPATH": tree} if tree else None,
                         cwd=Path(tree) if tree else None)
            procs.append(proc)
            await wait_http(port, "/api/health", proc)
        else:
            proc = spawn([PYTHON, "bench/servers/ws_broadcast.py", "--port", str(port)],
                         SERVER_CORE, logdir / "ws.log")
            procs.append(proc)
            await asyncio.to_thread(wait_port, port, proc)
        limit = server_fd_limit(proc.pid)
        feasible = limit - FD_MARGIN
        plan = []
        for c in counts:
            if c > feasible and not args.attempt_over_limit:
                print(f"[{target}] {c:,} connections exceed the server's RLIMIT_NOFILE "
                      f"({limit}); measuring {feasible:,} instead", flush=True)
                plan.append((c, feasible))
            else:
                plan.append((c, c))
        top = max(p[1] for p in plan)
        paths: list[str]
        t = time.perf_counter()
        if kind == "kj":
            users = [f"cu{i:05d}" for i in range(top)]
            tokens = await seed(port, key, users, [])
            paths = [f"/ws?token={tokens[u]}" for u in users]
            print(f"[{target}] seeded {top:,} users in {time.perf_counter() - t:.1f}s",
                  flush=True)
        else:
            paths = ["/"] * top
        await asyncio.sleep(args.settle)
        base = rss_kib(proc.pid)
        fds0 = open_fds(proc.pid)
        print(f"[{target}] base RSS {base / 1024:.1f} MiB, {fds0} fds", flush=True)
        ctx = mp.get_context("spawn")
        pipes = []
        mode = "kongjian" if kind == "kj" else "ws"
        workers = []
        for w in range(args.procs):
            parent, child = ctx.Pipe()
            addrs = [f"127.0.0.{2 + 2 * w + i}" for i in range(2)]
            p = ctx.Process(target=worker, args=(child, port, mode, addrs, args.concurrency),
                            daemon=True)
            p.start()
            workers.append(p)
            pipes.append(parent)
        try:
            have = 0
            for asked, count in plan:
                if count <= have:
                    continue
                new = paths[have:count]
                shares = [new[w::args.procs] for w in range(args.procs)]
                t0 = time.perf_counter()
                for pipe, share in zip(pipes, shares, strict=True):
                    pipe.send(("open", share))
                replies = [await asyncio.wait_for(asyncio.to_thread(pipe.recv), args.timeout)
                           for pipe in pipes]
                elapsed = time.perf_counter() - t0
                opened = sum(r[1] for r in replies)
                failed = sum(r[2] for r in replies)
                errors = [e for r in replies for e in r[3]]
                have += opened
                await asyncio.sleep(args.settle)
                statuses = []
                for pipe in pipes:
                    pipe.send(("status",))
                    statuses.append(await asyncio.wait_for(asyncio.to_thread(pipe.recv), 30))
                alive = sum(s[1] for s in statuses)
                rss = rss_kib(proc.pid)
                fds = open_fds(proc.pid)
                row = {"asked": asked, "count": count, "opened": opened, "failed": failed,
                       "held": alive, "server_fds": fds - fds0, "open_s": elapsed,
                       "rate": len(new) / elapsed if elapsed else 0, "rss_mib": rss / 1024,
                       "per_conn_kib": (rss - base) / max(alive, 1),
                       "base_mib": base / 1024, "errors": errors[:2]}
                rows.append(row)
                print(f"[{target}] {alive:,}/{count:,} held (+{opened:,} in {elapsed:.1f}s, "
                      f"{row['rate']:,.0f}/s, {failed} failed)  RSS {rss / 1024:.1f} MiB  "
                      f"{row['per_conn_kib']:.1f} KiB/conn above base  server fds "
                      f"+{fds - fds0}" + (f"  errors: {errors[:2]}" if errors else ""),
                      flush=True)
                if proc.poll() is not None:
                    print(f"[{target}] server exited with {proc.returncode}", flush=True)
                    break
        finally:
            for pipe in pipes:
                try:
                    pipe.send(("close",))
                except OSError:
                    pass
            for pipe in pipes:
                try:
                    if await asyncio.wait_for(asyncio.to_thread(pipe.poll, 20), 25):
                        pipe.recv()
                except (OSError, EOFError, TimeoutError):
                    pass
            for p in workers:
                p.join(5)
                if p.is_alive():
                    p.kill()
    return rows


async def run(args: argparse.Namespace) -> None:
    counts = sorted({int(c) for c in args.counts.split(",")})
    logdir = Path(tempfile.mkdtemp(prefix="kj-bench-conn-"))
    load_before = loadavg()
    results = {}
    for target in args.targets.split(","):
        try:
            results[target] = await measure(target, counts, args, logdir)
        except Exception as exc:
            print(f"[{target}] FAILED: {type(exc).__name__}: {exc} (logs in {logdir})")
            results[target] = []
    rows = []
    for target, res in results.items():
        for r in res:
            rows.append([
                {"kj": "Kongjian memory engine", "ws": "pure websockets"}.get(target, target),
                f"{r['asked']:,}" + ("" if r["asked"] == r["count"] else
                                     f" → {r['count']:,} (fd limit)"),
                f"{r['held']:,}", f"{r['base_mib']:.1f}", f"{r['rss_mib']:.1f}",
                f"{r['per_conn_kib']:.1f}", f"{r['open_s']:.1f}", f"{r['rate']:,.0f}",
                str(r["failed"])])
    body = table(["server", "connections asked", "held", "base RSS MiB", "RSS MiB",
                  "KiB per connection above base", "time to open the step s",
                  "opens/s", "failed"], rows)
    body += (f"\n\nSteps are cumulative (each count adds to the previous one). Client: "
             f"{args.procs} processes on core {LOAD_CORE}, {args.concurrency} handshakes in "
             f"flight each; server on core {SERVER_CORE}. Load average before/after: "
             f"{load_before} / {loadavg()}.")
    publish("Connections held (bench/connections.py)", body, args.no_append)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="1000,10000,30000")
    parser.add_argument("--targets", default="kj,ws")
    parser.add_argument("--procs", type=int, default=2, help="client processes")
    parser.add_argument("--concurrency", type=int, default=100,
                        help="handshakes in flight per client process")
    parser.add_argument("--settle", type=float, default=2.0)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--attempt-over-limit", action="store_true")
    parser.add_argument("--no-append", action="store_true")
    args = parser.parse_args()
    raise_nofile()
    os.sched_setaffinity(0, {LOAD_CORE})
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
