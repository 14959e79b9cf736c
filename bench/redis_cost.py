"""Redis cost of a fanned-out event: commands and round trips per event, for audiences
of 1, 10, 100 and 1000 connected users — Kongjian's Redis engine on a throwaway
redis-server.

Three independent counts, taken over `--events` events per audience size:

* MONITOR (a direct connection to the throwaway server): every command the hub sent,
  top level (`EVALSHA <sha>` is named after its script: `EVALSHA deliver`) and the
  commands each script ran inside Redis (`lua:XADD` …). Background work (the node
  heartbeat script, the ingress consumer's XREADGROUP) is shown separately, not
  counted per event.
* A counting TCP proxy between the hub and Redis (the hub's `--redis` URL points at
  it): a *round trip* is each time a connection starts sending after having
  received; it is named by the first command it carries. *Waits* count the round
  trips an op waits for one after another: turns that overlap in time (sent together
  on several connections) count once.
* `INFO commandstats` deltas (what Redis itself counted, Lua-internal calls included).

Two paths per audience size: `publish` — `POST /api/server/publish` to the first A
users — and `mood` — `mood.post` by a user with A friends; `comment` (a friend's
`comment.post` on that user's mood) and `gift` (`gift.send` from that user to one friend)
on request.

    python bench/redis_cost.py --audiences 1,10,100,1000 --events 20 \
        --paths publish,mood,comment,gift
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import secrets
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    SERVER_CORE,
    MiniHTTP,
    children,
    free_port,
    kongjian_argv,
    loadavg,
    publish,
    raise_nofile,
    spawn,
    table,
)
from bench.fanout import _RedisHandle, seed, wait_http
from bench.lean_ws import Stats, close_all, connect_many
from hub.testing.redis_server import RedisServer

HUB = Path(__file__).resolve().parent.parent / "hub"
# the node heartbeat script (and what it runs), the ingress consumer, and our own INFO
BACKGROUND = {"EVALSHA node_beat", "XREADGROUP", "XAUTOCLAIM", "lua:ZADD",
              "lua:ZREMRANGEBYSCORE", "lua:TIME", "ZRANGEBYSCORE", "PING", "INFO"}


def script_names() -> dict[str, str]:
    names = {}
    for d in (HUB / "channels" / "lua", HUB / "store" / "lua"):
        for p in d.glob("*.lua"):
            names[hashlib.sha1(p.read_bytes()).hexdigest()] = p.stem
    return names


SHAS = script_names()


def command_name(args: list[bytes]) -> str:
    if not args:
        return "?"
    name = args[0].decode(errors="replace").upper()
    if name == "EVALSHA" and len(args) > 1:
        return f"EVALSHA {SHAS.get(args[1].decode(errors='replace').lower(), args[1][:8])}"
    return name


def first_command(data: bytes) -> str:
    """Name of the first RESP command in `data` (enough of it for the name)."""
    try:
        if not data.startswith(b"*"):
            return data.split(None, 1)[0].decode(errors="replace").upper()
        pos = data.index(b"\r\n") + 1
        args = []
        for _ in range(2):
            if not data.startswith(b"$", pos + 1):
                break
            end = data.index(b"\r\n", pos + 1)
            size = int(data[pos + 2:end])
            args.append(data[end + 2:end + 2 + size])
            pos = end + 2 + size + 1
        return command_name(args)
    except (ValueError, IndexError):
        return "?"


# ------------------------------------------------------------------ counting proxy
class Proxy:
    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.turns: Counter[str] = Counter()
        self.spans: list[list[float]] = []  # per turn: [sent, last reply byte]
        self.server: asyncio.AbstractServer | None = None
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _handle(self, creader: asyncio.StreamReader,
                      cwriter: asyncio.StreamWriter) -> None:
        ureader, uwriter = await asyncio.open_connection("127.0.0.1", self.upstream)
        last = ["s"]
        span = [0.0, 0.0]

        async def up() -> None:
            nonlocal span
            with contextlib.suppress(ConnectionError):
                while data := await creader.read(1 << 16):
                    if last[0] != "c":
                        last[0] = "c"
                        self.turns[first_command(data)] += 1
                        now = time.perf_counter()
                        span = [now, now]
                        self.spans.append(span)
                    uwriter.write(data)
                    await uwriter.drain()
            uwriter.close()

        async def down() -> None:
            with contextlib.suppress(ConnectionError):
                while data := await ureader.read(1 << 16):
                    last[0] = "s"
                    span[1] = time.perf_counter()
                    cwriter.write(data)
                    await cwriter.drain()
            cwriter.close()

        with contextlib.suppress(asyncio.CancelledError):  # the bench is ending
            await asyncio.gather(up(), down(), return_exceptions=True)

    def waits(self, since: float) -> int:
        """Round trips waited one after another since `since`: overlapping turns once."""
        groups, end = 0, -1.0
        for start, stop in sorted(s for s in self.spans if s[0] >= since):
            if start > end:
                groups += 1
            end = max(end, stop)
        return groups

    def close(self) -> None:
        if self.server is not None:
            self.server.close()


# ------------------------------------------------------------------ MONITOR
class Monitor:
    def __init__(self, port: int) -> None:
        self.port = port
        self.top: Counter[str] = Counter()
        self.lua: Counter[str] = Counter()
        self.task: asyncio.Task[None] | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def start(self) -> None:
        reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port,
                                                            limit=64 << 20)
        self.writer.write(b"MONITOR\r\n")
        assert (await reader.readline()).startswith(b"+OK")
        self.task = asyncio.create_task(self._read(reader))

    async def _read(self, reader: asyncio.StreamReader) -> None:
        while line := await reader.readline():
            # +1700000000.123456 [0 127.0.0.1:5555] "EVALSHA" "sha" ...   or  [0 lua] ...
            start = line.find(b"[")
            end = line.find(b"]", start)
            if start < 0 or end < 0:
                continue
            source = line[start + 1:end]
            rest = line[end + 2:]
            args = _quoted(rest, 2)
            name = command_name(args)
            if source.endswith(b" lua"):
                self.lua[f"lua:{name}"] += 1
            else:
                self.top[name] += 1

    def snapshot(self) -> tuple[Counter[str], Counter[str]]:
        return Counter(self.top), Counter(self.lua)

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
        if self.writer is not None:
            self.writer.close()


def _quoted(raw: bytes, limit: int) -> list[bytes]:
    """The first `limit` "quoted" arguments of a MONITOR line (escapes left as is)."""
    out = []
    pos = 0
    while len(out) < limit:
        start = raw.find(b'"', pos)
        if start < 0:
            break
        end = start + 1
        while True:
            end = raw.find(b'"', end)
            if end < 0 or raw[end - 1:end] != b"\\":
                break
            end += 1
        if end < 0:
            break
        out.append(raw[start + 1:end])
        pos = end + 1
    return out


async def commandstats(port: int) -> tuple[dict[str, int], int]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        stats: dict[str, int] = {}
        total = 0
        for section in (b"commandstats", b"stats"):
            writer.write(b"INFO " + section + b"\r\n")
            size = int((await reader.readline())[1:])
            body = (await reader.readexactly(size + 2)).decode()
            for line in body.splitlines():
                if line.startswith("cmdstat_"):
                    name, _, rest = line.partition(":")
                    calls = int(rest.split(",")[0].split("=")[1])
                    stats[name[8:].upper()] = calls
                elif line.startswith("total_commands_processed:"):
                    total = int(line.split(":")[1])
        return stats, total
    finally:
        writer.close()


# ------------------------------------------------------------------ main
def per_event(delta: Counter[str], events: int, background: bool) -> list[tuple[str, float]]:
    return sorted(((k, v / events) for k, v in delta.items()
                   if v and ((k in BACKGROUND) == background)), key=lambda kv: -kv[1])


def fmt_counts(items: list[tuple[str, float]]) -> str:
    return ", ".join(f"{k} {v:g}" for k, v in items) or "–"


async def run(args: argparse.Namespace) -> None:
    audiences = [int(a) for a in args.audiences.split(",")]
    biggest = max(audiences)
    logdir = Path(tempfile.mkdtemp(prefix="kj-bench-redis-"))
    load_before = loadavg()
    rows: list[list[Any]] = []
    raw_rows: list[list[Any]] = []
    bg_notes: list[str] = []
    with children() as procs:
        redis = RedisServer()
        redis.start()
        procs.append(_RedisHandle(redis))
        proxy = Proxy(redis.port)
        await proxy.start()
        monitor = Monitor(redis.port)
        conns: list = []
        try:
            port = free_port()
            key = secrets.token_hex(16)
            proc = spawn(kongjian_argv(port, key, f"redis://127.0.0.1:{proxy.port}/0"),
                         SERVER_CORE, logdir / "kj.log")
            procs.append(proc)
            await wait_http(port, "/api/health", proc)
            users = [f"ru{i:05d}" for i in range(biggest)]
            pubs = {a: f"rpub{a}" for a in audiences}
            friendships = [[pubs[a], u] for a in audiences for u in users[:a]]
            tokens = await seed(port, key, [*users, *pubs.values()], friendships)
            stats = Stats()
            stats.record = False  # count every event frame; no timestamps here
            conns, errors = await connect_many(
                "127.0.0.1", port, [f"/ws?token={tokens[u]}" for u in users], stats,
                mode="kongjian", marker=b'{"type":"event"')
            if errors:
                raise RuntimeError(f"connect errors: {errors[:3]}")
            await monitor.start()
            http = await MiniHTTP("127.0.0.1", port).open()
            await asyncio.sleep(1.0)
            for path in args.paths.split(","):
                for a in audiences:
                    if path == "publish":
                        head = (b'{"event":"bench","to":' + orjson.dumps(users[:a])
                                + b',"data":{"i":')
                        req = ("/api/server/publish", {"Authorization": f"Bearer {key}"})
                    elif path == "mood":
                        req = ("/api/ops/mood.post",
                               {"Authorization": f"Bearer {tokens[pubs[a]]}"})
                    elif path == "comment":  # by a friend, on a mood of the A-friend author
                        before = stats.marked
                        status, raw = await http.request(
                            "POST", "/api/ops/mood.post", b'{"text":"to comment on"}',
                            {"Authorization": f"Bearer {tokens[pubs[a]]}"})
                        mood_id = orjson.loads(raw)["mood"]["id"]
                        await stats.until(before + a, 30)
                        req = ("/api/ops/comment.post",
                               {"Authorization": f"Bearer {tokens[users[0]]}"})
                    elif path == "gift":  # to one connected friend, whatever A is
                        req = ("/api/ops/gift.send",
                               {"Authorization": f"Bearer {tokens[pubs[a]]}"})
                    else:
                        raise SystemExit(f"unknown path {path!r}")
                    # quiesce, then snapshot
                    await asyncio.sleep(0.5)
                    top0, lua0 = monitor.snapshot()
                    turns0 = Counter(proxy.turns)
                    cs0, total0 = await commandstats(redis.port)
                    marked0 = stats.marked
                    t0 = time.perf_counter()
                    for i in range(args.events):
                        body = (head + b"%d}}" % i if path == "publish" else
                                b'{"text":"bench %d","visibility":"friends"}' % i
                                if path == "mood" else
                                b'{"mood_id":"%s","text":"bench %d"}' % (mood_id.encode(), i)
                                if path == "comment" else
                                b'{"to":"%s","gift":"rose","message":"%d"}' % (
                                    users[0].encode(), i))
                        status, raw = await http.request("POST", req[0], body, req[1])
                        if status != 200:
                            raise RuntimeError(f"{path}: {status} {raw[:200]!r}")
                    # every delivery in (the mood author is not connected)
                    await stats.until(marked0 + (1 if path == "gift" else a) * args.events, 30)
                    wall = time.perf_counter() - t0
                    await asyncio.sleep(0.3)  # MONITOR lines trail the replies
                    cs1, total1 = await commandstats(redis.port)
                    top1, lua1 = monitor.snapshot()
                    e = args.events
                    d_top = top1 - top0
                    d_lua = lua1 - lua0
                    d_turns = Counter(proxy.turns) - turns0
                    d_cs = Counter({k: v - cs0.get(k, 0) for k, v in cs1.items()})
                    d_cs = +d_cs
                    top_cmds = per_event(d_top, e, False)
                    lua_cmds = per_event(d_lua, e, False)
                    rts = per_event(d_turns, e, False)
                    waits = proxy.waits(t0) / e
                    bg = per_event(d_top + d_turns, e, True)
                    delivered = stats.marked - marked0
                    rows.append([
                        path, a, f"{delivered:,}",
                        f"{sum(v for _, v in top_cmds):g}", fmt_counts(top_cmds),
                        f"{sum(v for _, v in rts):g}", fmt_counts(rts), f"{waits:g}",
                        f"{sum(v for _, v in lua_cmds):g}", fmt_counts(lua_cmds),
                    ])
                    raw_rows.append([path, a, f"{(total1 - total0) / e:g}",
                                     fmt_counts(sorted(((k, v / e) for k, v in d_cs.items()),
                                                       key=lambda kv: -kv[1]))])
                    if bg:
                        bg_notes.append(f"{path} A={a} ({wall:.2f}s): {fmt_counts(bg)}")
                    print(f"[{path} A={a}] per event: top-level {fmt_counts(top_cmds)} | "
                          f"round trips {fmt_counts(rts)} ({waits:g} waits) | "
                          f"in Lua {fmt_counts(lua_cmds)}", flush=True)
            await http.close()
        finally:
            await close_all(conns)
            await monitor.stop()
            proxy.close()
    body = table(["path", "audience", "deliveries", "commands sent per event",
                  "which (per event)", "round trips per event", "which",
                  "waits per event (overlapping round trips once)",
                  "commands run inside Lua per event", "which"], rows)
    body += "\n\n`INFO` view (Redis's own counters, per event; background included):\n\n"
    body += table(["path", "audience", "total_commands_processed per event",
                   "commandstats calls per event"], raw_rows)
    body += (f"\n\n{args.events} events per row, one request in flight; the hub's "
             "Redis traffic goes through a counting proxy; MONITOR on a direct "
             "connection. Background traffic seen during the rows (per event, not "
             "counted above): " + ("; ".join(bg_notes) or "none") +
             f". Load average before/after: {load_before} / {loadavg()}.")
    publish("Redis cost per fanned-out event (bench/redis_cost.py)", body, args.no_append)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audiences", default="1,10,100,1000")
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--paths", default="publish,mood")
    parser.add_argument("--no-append", action="store_true")
    args = parser.parse_args()
    raise_nofile()
    asyncio.run(asyncio.wait_for(run(args), 600))


if __name__ == "__main__":
    main()
