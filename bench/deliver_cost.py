"""redis-server's own time per delivery in each `deliver.lua` mode: plain (`""`), `known`
(the recipient registration check of `POST /api/server/publish`) and `friends` (the
delivery-time friendship check of friends-only events) — on a throwaway redis-server.

The broker sends `--events` fan-outs of each mode to an audience of `--audience` users,
modes interleaved round by round; the figure is the `usec` that `INFO commandstats`
charges to EVALSHA, per delivery. Redis runs Lua on its one thread, so that time is the
delivery's whole cost in redis-server (the network and the reply aside).

    python bench/deliver_cost.py --audience 1000 --events 200 --rounds 5
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
from pathlib import Path

from redis.asyncio import Redis

from hub.channels.base import Audience

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import SERVER_CORE, loadavg, publish, table
from hub.channels.redis import RedisBroker
from hub.protocol import encode_event_body
from hub.redis.client import connect
from hub.redis.keys import Keys
from hub.testing.redis_server import RedisServer

MODES = ("plain", "known", "friends")


async def evalsha_usec(client: Redis) -> float:
    stats = await client.info("commandstats")
    return float(stats.get("cmdstat_evalsha", {}).get("usec", 0))


async def run(args: argparse.Namespace) -> None:
    server = RedisServer()
    server.start()
    try:
        os.sched_setaffinity(server.proc.pid, {SERVER_CORE})  # type: ignore[union-attr]
        keys = Keys("kj")
        client = connect(server.url)
        broker = RedisBroker(connect(server.url), keys, "bench", 1000)
        owner = "owner"
        audience = [f"u{i:05d}" for i in range(args.audience)]
        await client.zadd(keys.usernames, dict.fromkeys([owner, *audience], 0))
        for user in audience:
            await client.sadd(keys.friends(user), owner)
        body = encode_event_body("mood", 1_700_000_000_000, {"mood": {"text": "x" * 200}})
        recipients = [owner, *audience]
        deliver = {
            "plain": lambda: broker.deliver(body, recipients),
            "known": lambda: broker.deliver(body, recipients, registered_only=True),
            "friends": lambda: broker.deliver(body, Audience.of(recipients, members_of=owner)),
        }
        for mode in MODES:  # warm: scripts loaded, inboxes created
            await deliver[mode]()
        per: dict[str, list[float]] = {mode: [] for mode in MODES}
        for _ in range(args.rounds):
            for mode in MODES:
                before = await evalsha_usec(client)
                for _ in range(args.events):
                    await deliver[mode]()
                spent = await evalsha_usec(client) - before
                per[mode].append(spent / (args.events * len(recipients)))
        await broker.close()
        await client.aclose()
    finally:
        server.stop()
    plain = statistics.median(per["plain"])
    rows = [[mode, f"{statistics.median(per[mode]):.3f}",
             f"{min(per[mode]):.3f}–{max(per[mode]):.3f}",
             f"{statistics.median(per[mode]) / plain:.2f}"] for mode in MODES]
    body = table(["deliver.lua mode", "µs in redis-server per delivery (median)",
                  "range over rounds", "× plain"], rows)
    body += (f"\n\n{args.rounds} rounds × {args.events} fan-outs per mode to "
             f"{len(recipients)} recipients (the owner and {args.audience} friends), modes "
             f"interleaved; redis-server pinned to core {SERVER_CORE}, `usec` of "
             f"`cmdstat_evalsha`. Load average after: {loadavg()}.")
    publish("redis-server time per delivery by deliver.lua mode (bench/deliver_cost.py)",
            body, args.no_append)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--audience", type=int, default=1000)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-append", action="store_true")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
