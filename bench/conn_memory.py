"""Where an idle Kongjian connection's memory goes: tracemalloc, per connection.

Starts `kongjian serve --data none` under tracemalloc (bench/servers/kj_traced.py),
seeds `--conns` users, snapshots the live Python allocations, opens the connections
(idle, lean clients), snapshots again, and prints the allocation sites that grew,
divided by the number of connections — next to the RSS growth per connection.
tracemalloc itself costs memory and time, so only the breakdown is meant, not the
absolute figure (bench/connections.py measures that).

    python bench/conn_memory.py --conns 2000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    PYTHON,
    SERVER_CORE,
    append_results,
    children,
    free_port,
    raise_nofile,
    rss_kib,
    spawn,
)
from bench.fanout import seed, wait_http
from bench.lean_ws import Stats, close_all, connect_many


def snapshot(pid: int, out: str, n: int) -> tracemalloc.Snapshot:
    """Signal the server and wait (blocking: run it in a thread) for its snapshot."""
    path = Path(f"{out}.{n}")
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + 60
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError("no tracemalloc snapshot")
        time.sleep(0.1)  # the server writes it when it next runs bytecode
    return tracemalloc.Snapshot.load(str(path))


def site(frame_list: tracemalloc.Traceback, depth: int) -> str:
    frames = list(frame_list)[-depth:][::-1]  # tracemalloc lists oldest first
    return " ← ".join(f"{'/'.join(Path(f.filename).parts[-2:])}:{f.lineno}" for f in frames)


async def run(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="kj-bench-mem-"))
    out = str(tmp / "snap")
    port = free_port()
    key = secrets.token_hex(16)
    with children() as procs:
        proc = spawn([PYTHON, "bench/servers/kj_traced.py", "serve", "--host", "127.0.0.1",
                      "--port", str(port), "--data", "none", "--server-key", key,
                      "--log-level", "warning"], SERVER_CORE, tmp / "kj.log",
                     env={"KJ_TRACE_OUT": out})
        procs.append(proc)
        await wait_http(port, "/api/health", proc, timeout=60)
        users = [f"mu{i:05d}" for i in range(args.conns)]
        tokens = await seed(port, key, users, [])
        await asyncio.sleep(1)
        rss0 = rss_kib(proc.pid)
        before = await asyncio.to_thread(snapshot, proc.pid, out, 1)
        stats = Stats()
        conns, errors = await connect_many(
            "127.0.0.1", port, [f"/ws?token={tokens[u]}" for u in users], stats,
            mode="kongjian", concurrency=100)
        n = len(conns)
        await asyncio.sleep(args.settle)
        rss1 = rss_kib(proc.pid)
        after = await asyncio.to_thread(snapshot, proc.pid, out, 2)
        await close_all(conns)
    lines = [f"{n} idle connections ({len(errors)} failed); RSS growth "
             f"{(rss1 - rss0) / n:.1f} KiB per connection (under tracemalloc)."]
    total = sum(s.size_diff for s in after.compare_to(before, "filename"))
    lines.append(f"Python allocations growth: {total / n / 1024:.2f} KiB per connection "
                 f"({total / n:.0f} B).\n")
    lines.append("By file (B per connection):\n")
    for s in after.compare_to(before, "filename")[: args.top]:
        if s.size_diff <= 0:
            continue
        lines.append(f"  {s.size_diff / n:8.0f}  {s.count_diff / n:6.1f} blocks  "
                     f"{'/'.join(Path(s.traceback[0].filename).parts[-3:])}")
    lines.append("\nBy allocation site (B per connection, innermost ← callers):\n")
    for s in after.compare_to(before, "traceback")[: args.top]:
        if s.size_diff <= 0:
            continue
        lines.append(f"  {s.size_diff / n:8.0f}  {s.count_diff / n:6.1f} blocks  "
                     f"{site(s.traceback, args.depth)}")
    body = "\n".join(lines)
    print(body)
    if not args.no_append:
        append_results("Memory of an idle Kongjian connection (bench/conn_memory.py)",
                       f"```\n{body}\n```")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conns", type=int, default=2000)
    parser.add_argument("--settle", type=float, default=2.0)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--no-append", action="store_true")
    args = parser.parse_args()
    raise_nofile()
    asyncio.run(asyncio.wait_for(run(args), 600))


if __name__ == "__main__":
    main()
