"""Start-up cost of the memory engine's inbox journal (hub/channels/journal.py).

Fills a fresh data file through `MemoryBroker.deliver` (the group commit, as a
running hub does), closes it, and times what a restart does before it serves anything:
`MemoryBroker(retention, journal=db)` reading every journal row and rebuilding every
inbox with its retained frames. Two shapes: one author's events to all N friends (few
large rows), and many small audiences drawn at random from many users (many small
rows, every user's inbox partly full).

    python bench/journal_restart.py
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import SERVER_CORE, loadavg, pin_self, publish, rss_kib, table
from hub.channels.memory import MemoryBroker
from hub.protocol import encode_event_body
from hub.store.sqlite import SqliteStore

BATCH = 32  # deliveries queued per event-loop turn while filling (one transaction)


async def fill(path: Path, retention: int, audiences: list[list[str]]) -> float:
    store = SqliteStore.open(path)
    broker = MemoryBroker(retention, journal=store.db)
    await broker.start(lambda frames: None, lambda: None)
    t0 = time.perf_counter()
    for start in range(0, len(audiences), BATCH):
        await asyncio.gather(*(
            broker.deliver(encode_event_body("mood", 1_700_000_000_000 + i, {"mood": {
                "id": str(i), "author": "bpub", "text": f"journal restart #{i}",
                "visibility": "friends", "tag": "", "ts": 1_700_000_000_000 + i}}), users)
            for i, users in enumerate(audiences[start:start + BATCH], start)))
    while not broker.compact():
        pass
    elapsed = time.perf_counter() - t0
    await broker.close()
    await store.close()
    return elapsed


def restart(path: Path, retention: int) -> dict[str, float]:
    gc.collect()
    rss0 = rss_kib(os.getpid())
    store = SqliteStore.open(path)
    t0 = time.perf_counter()
    broker = MemoryBroker(retention, journal=store.db)
    elapsed = time.perf_counter() - t0
    journal = broker.journal
    assert journal is not None
    out = {"seconds": elapsed, "rows": journal.rows, "entries": journal.entries,
           "retained": journal.retained, "inboxes": broker.health()["inboxes"],
           "rss_mib": (rss_kib(os.getpid()) - rss0) / 1024}
    store.db.close()
    del broker
    return out


def file_mib(directory: Path) -> float:
    """The data file with its WAL and SHM, MiB."""
    return sum(f.stat().st_size for f in directory.iterdir()) / 2**20


def shapes(args: argparse.Namespace) -> dict[str, list[list[str]]]:
    rng = random.Random(21)
    friends = [f"bu{i:05d}" for i in range(args.friends)]
    crowd = [f"cu{i:05d}" for i in range(args.users)]
    return {
        f"one author → {args.friends:,} friends, {args.events:,} events":
            [friends] * args.events,
        f"{args.small_events:,} events to {args.audience} of {args.users:,} users":
            [rng.sample(crowd, args.audience) for _ in range(args.small_events)],
    }


async def run(args: argparse.Namespace) -> None:
    load_before = loadavg()
    rows = []
    for name, audiences in shapes(args).items():
        with tempfile.TemporaryDirectory(prefix="kj-journal-") as tmp:
            path = Path(tmp) / "kongjian.db"
            fill_s = await fill(path, args.retention, audiences)
            size = file_mib(Path(tmp))
            r = restart(path, args.retention)
        delivered = sum(len(a) for a in audiences)
        rows.append([name, f"{delivered:,}", f"{delivered / fill_s:,.0f}",
                     f"{r['rows']:,}", f"{r['retained']:,}", f"{r['inboxes']:,}",
                     f"{size:.1f}", f"{r['seconds']:.2f}",
                     f"{r['seconds'] / max(1, r['retained']) * 1e6:.2f}",
                     f"{r['rss_mib']:.0f}"])
        print(rows[-1], flush=True)
    body = table(["shape", "delivered", "filled deliveries/s (group commit, no sockets)",
                  "journal rows", "retained deliveries", "inboxes", "file MiB (+WAL)",
                  "restart s", "µs per retained delivery", "RSS after restart MiB"], rows)
    body += (f"\n\nretention {args.retention}; one process on core {SERVER_CORE}; "
             f"load average before/after: {load_before} / {loadavg()}.")
    publish("Journal restart (bench/journal_restart.py)", body, args.no_append)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--retention", type=int, default=1000)
    parser.add_argument("--friends", type=int, default=2000)
    parser.add_argument("--events", type=int, default=250)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--audience", type=int, default=100)
    parser.add_argument("--small-events", type=int, default=5000)
    parser.add_argument("--no-append", action="store_true", help="don't write RESULTS.md")
    args = parser.parse_args()
    pin_self(SERVER_CORE)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
