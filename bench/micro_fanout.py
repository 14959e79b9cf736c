"""The Python cost of Kongjian's fan-out path per delivery, without sockets — and what
the optimisations proposed in bench/HISTORY.md would save.

In one process, with N real `Session`s on `DirectTransport`s whose asyncio transport is
a counter (so the `send()` syscall, which every server pays alike, is left out):

* `memory`: `MemoryBroker.deliver(body, N users)` → `LocalRegistry.fan_out` →
  `Session.push_event` → `Session.send` → `DirectTransport.write_now`;
* `redis-live`: `LiveConnection.data_received` fed the RESP bytes of N published
  messages in 256 KiB reads (what asyncio hands it) → `RedisBroker._on_messages` →
  `fan_out` → … the same;
* reference: `websockets.broadcast` of the same-sized frame to N open websockets
  connections over the same null transport.

Each variant: the median of `--repeat` interleaved rounds, µs of CPU (process_time)
per delivery, the cyclic GC running as in a server. The "patched" variants
monkeypatch the hub in this process only (see PATCHES below); the hub's files are
not touched.

    python bench/micro_fanout.py --conns 1000 --repeat 200
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import struct
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from redis.asyncio import Redis

from bench.common import loadavg, pin_self, publish, table
from hub import protocol
from hub.channels import redis_live
from hub.channels.memory import MemoryBroker
from hub.channels.redis import RedisBroker
from hub.channels.registry import LocalRegistry
from hub.metrics import Metrics
from hub.redis.keys import Keys
from hub.session import Session
from hub.transport import DirectTransport


class NullAsyncioTransport:
    __slots__ = ("bytes", "writes")

    def __init__(self) -> None:
        self.bytes = 0
        self.writes = 0

    def write(self, data: bytes) -> None:
        self.writes += 1
        self.bytes += len(data)

    def is_closing(self) -> bool:
        return False


class FakeProto:
    """The attributes of uvicorn's WebSocketsSansIOProtocol that DirectTransport reads."""

    def __init__(self) -> None:
        self.writable = asyncio.Event()
        self.writable.set()
        self.close_sent = False
        self.disconnected = False
        self.transport = NullAsyncioTransport()


async def _catch_up(session: Session, after: int) -> tuple[list[bytes], int]:
    return [], after


def make_sessions(n: int) -> tuple[LocalRegistry, list[str], list[Session]]:
    reg = LocalRegistry(broker=None, metrics=Metrics(),  # type: ignore[arg-type]
                        on_presence=lambda u, o: asyncio.sleep(0))
    users = [f"u{i:05d}" for i in range(n)]
    sessions = []
    for u in users:
        s = Session(DirectTransport(None, FakeProto()), u,  # type: ignore[arg-type]
                    max_queue_bytes=4 << 20, catch_up=_catch_up)
        s.go_live([], 0)
        s.start()
        reg.sessions[u] = {s}
        sessions.append(s)
    return reg, users, sessions


async def stop(sessions: list[Session]) -> None:
    for s in sessions:
        await s.finish()
    await asyncio.sleep(0)


BODY = protocol.encode_event_body("x.bench", 1_700_000_000_000,
                                  {"sent_ns": 1_700_000_000_000_000_000, "i": 1})


NO_GC = False  # --no-gc: leave the cyclic GC's share out of the timings


class MemoryPath:
    def __init__(self, n: int) -> None:
        self.reg, self.users, self.sessions = make_sessions(n)
        self.broker = MemoryBroker(retention=1000)
        self.n = n

    async def start(self) -> None:
        await self.broker.start(self.reg.fan_out, lambda: None)

    async def once(self) -> float:
        self.broker._sink = self.reg.fan_out  # the (possibly patched) method of now
        before = self.writes()
        if NO_GC:
            gc.disable()
        t = time.process_time()
        await self.broker.deliver(BODY, self.users)
        took = time.process_time() - t
        if NO_GC:
            gc.enable()
        assert self.writes() - before == self.n, "frames were queued instead of written"
        return took / self.n * 1e6

    def writes(self) -> int:
        return sum(s.transport.proto.transport.writes for s in self.sessions)


def resp_messages(channels: list[bytes], frames: list[bytes]) -> bytes:
    return b"".join(b"*3\r\n$7\r\nmessage\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n"
                    % (len(c), c, len(f), f) for c, f in zip(channels, frames, strict=True))


class RedisLivePath:
    def __init__(self, n: int) -> None:
        self.reg, self.users, self.sessions = make_sessions(n)
        self.broker = RedisBroker(Redis(), Keys("kj"), "bench-node", 1000)
        keys = Keys("kj")
        self.channels = [keys.live(u).encode() for u in self.users]
        self.broker._channels = dict(zip(self.channels, self.users, strict=True))
        self.seq = 0
        self.n = n

    async def start(self) -> None:
        pass

    async def once(self) -> float:
        self.broker._sink = self.reg.fan_out
        conn = redis_live.LiveConnection(self.broker._on_messages)
        self.seq += 1
        seq = self.seq
        raw = resp_messages(self.channels, [protocol.frame_event(f"abcd1234:{seq}", seq, BODY)
                                            for _ in self.users])
        chunks = [raw[i:i + 262144] for i in range(0, len(raw), 262144)]
        before = sum(s.transport.proto.transport.writes for s in self.sessions)
        if NO_GC:
            gc.disable()
        t = time.process_time()
        for chunk in chunks:
            conn.data_received(chunk)
            # it fans out 128 messages per loop turn, then goes on in the next: give it turns
            while conn._backlog:  # noqa: ASYNC110 - the turns are the point
                await asyncio.sleep(0)
        took = time.process_time() - t
        if NO_GC:
            gc.enable()
        after = sum(s.transport.proto.transport.writes for s in self.sessions)
        assert after - before == self.n, "frames lost or queued"
        return took / self.n * 1e6


class WebsocketsPath:
    """The reference: `websockets.broadcast` of one Kongjian-sized frame to N open
    connections over the same null transport (what bench/servers/ws_broadcast.py does
    per event, less the socket write)."""

    FRAME = (b'{"type":"event","id":"0badcafe:1","seq":1,"event":"x.bench",'
             b'"ts":1700000000000,"data":{"sent_ns":1700000000000000000,"i":1}}')

    def __init__(self, n: int) -> None:
        from websockets.asyncio.server import ServerConnection
        from websockets.protocol import State
        from websockets.server import ServerProtocol

        self.conns = []
        for _ in range(n):
            proto = ServerProtocol()
            proto.state = State.OPEN
            conn = ServerConnection(proto, server=None)  # type: ignore[arg-type]
            conn.transport = NullAsyncioTransport()  # type: ignore[assignment]
            self.conns.append(conn)
        self.n = n
        self.sessions: list[Session] = []

    async def start(self) -> None:
        pass

    async def once(self) -> float:
        from websockets.asyncio.server import broadcast

        if NO_GC:
            gc.disable()
        t = time.process_time()
        broadcast(self.conns, self.FRAME, text=True)
        took = time.process_time() - t
        if NO_GC:
            gc.enable()
        return took / self.n * 1e6


# ---------------------------------------------------------------------------- PATCHES
# What each proposal changes, as code. Applied cumulatively, in this order.

_HEADERS = [bytes((0x81, n)) for n in range(126)]
_H16 = struct.Struct("!BBH").pack


# Proposed hot-path changes, as functions that monkeypatch the hub in this process only,
# measured against the current hub in one interleaved run. The four measured on
# 2026-11-25 (header table, in-order push_event, inline metric, live RESP fast path)
# have landed in hub/; add the next proposal here.
PATCHES: list[tuple[str, Callable[[], None]]] = []


ORIGINALS = [
    *([(DirectTransport, "try_write", DirectTransport.try_write)]
      if hasattr(DirectTransport, "try_write") else []),
    (Session, "send", Session.send), (Session, "push_event", Session.push_event),
    (LocalRegistry, "fan_out", LocalRegistry.fan_out),
    (redis_live.LiveConnection, "data_received", redis_live.LiveConnection.data_received),
]


def apply(k: int) -> None:
    """The current hub plus the first `k` patches."""
    for owner, name, value in ORIGINALS:
        setattr(owner, name, value)
    if not any(name == "try_write" for _, name, _ in ORIGINALS) and \
            hasattr(DirectTransport, "try_write"):
        del DirectTransport.try_write
    for _, patch in PATCHES[:k]:
        patch()


async def run(args: argparse.Namespace) -> None:
    paths = {"memory": MemoryPath(args.conns), "redis-live": RedisLivePath(args.conns),
             "websockets": WebsocketsPath(args.conns)}
    for p in paths.values():
        await p.start()
    await asyncio.sleep(0)  # writers park
    variants = len(PATCHES) + 1
    samples: dict[tuple[str, int], list[float]] = {
        (name, k): [] for name in paths for k in range(variants)}
    # interleaved: every round measures every variant once, so load from other
    # processes hits all variants alike; each variant's median round is reported
    for _ in range(args.repeat):
        for k in range(variants):
            apply(k)
            for name, p in paths.items():
                samples[name, k].append(await p.once())
    best = {key: statistics.median(v) for key, v in samples.items()}
    apply(0)
    for p in paths.values():
        await stop(p.sessions)
    ref = statistics.median(samples["websockets", 0])
    rows = [["reference: `websockets.broadcast` (the ceiling's path)", f"{ref:.3f}", "–",
             "–", "–"]]
    m0, l0 = best["memory", 0], best["redis-live", 0]
    for k in range(variants):
        label = "current hub" if k == 0 else f"+ {PATCHES[k - 1][0]}"
        m, live = best["memory", k], best["redis-live", k]
        rows.append([label, f"{m:.3f}", f"{m / m0:.2f}", f"{live:.3f}", f"{live / l0:.2f}"])
    body = table(["variant (cumulative)", "memory engine µs/delivery", "× current",
                  "redis live path µs/delivery", "× current"], rows)
    body += (f"\n\nPython CPU per delivery without the socket write ({args.conns} sessions, "
             f"median of {args.repeat} interleaved rounds, cyclic GC "
             f"{'off' if NO_GC else 'on'}; the patched rows monkeypatch the hub "
             f"in the bench process only). Load average before/after: {args.load} / "
             f"{loadavg()}.")
    publish("Fan-out hot path, in-process (bench/micro_fanout.py)", body, args.no_append)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conns", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--no-gc", action="store_true",
                        help="disable the cyclic GC while timing (default: GC runs, as in a "
                             "server)")
    parser.add_argument("--no-append", action="store_true")
    args = parser.parse_args()
    global NO_GC
    NO_GC = args.no_gc
    args.load = loadavg()
    pin_self()
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
