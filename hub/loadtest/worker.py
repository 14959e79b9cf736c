"""One client process of a load test: its share of users' connections, its share of the
op rate, and the receipts of everything its connections receive.

Each process is one asyncio loop. It talks to the coordinator (the parent) through a
multiprocessing queue up (`ready`, `tick`, `posted`, `final`, `fatal`) and a pipe down
(`go`, `expect`, `stop`). Every op's text carries `kjlt:<send time ns>`, so a receiver
measures op-send → receipt latency itself, whichever process sent it; which connections
*should* have received an event is decided by the coordinator when it joins the sent
lists with the receipts (see docs/loadtest.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import importlib.util
import os
import random
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, Protocol

from hub.client import KjClosed, KjError
from hub.loadtest.graph import COMMENT, EVENT_KIND, GIFT, MOOD, user_name
from hub.loadtest.hist import Histogram
from hub.loadtest.probe import raise_nofile
from hub.loadtest.wsclient import LeanClient

STAMP = "kjlt:"
TICK = 0.5
OPS = {MOOD: ("mood.post", "mood"), COMMENT: ("comment.post", "comment"),
       GIFT: ("gift.send", "gift")}
WORDS = ["今天", "天气", "不错", "sunny", "coffee", "加油", "周末", "好开心", "music",
         "晚安", "travel", "朋友", "lunch", "哈哈", "study", "空间"]


class Stopped(Exception):
    """The coordinator asked this process to stop."""


class UpQueue(Protocol):
    def put(self, obj: Any) -> None: ...


@dataclass
class WorkerConfig:
    index: int
    url: str
    prefix: str
    n_users: int
    users: list[int]
    tokens: list[str]
    friends: list[list[int]]  # of each of `users`
    tabs: int
    rate: float  # ops per second of this process
    mix: tuple[float, float, float]  # mood, comment, gift weights
    duration: float
    drain: float
    source_addrs: list[str]
    connect_concurrency: int
    op_timeout: float
    seed: int
    nofile_need: int
    urls: list[str] = field(default_factory=list)  # several hub nodes; [] = [url]
    loop: str = "asyncio"  # "uvloop" or "asyncio", resolved by resolve_loop


def uvloop_available() -> bool:
    return importlib.util.find_spec("uvloop") is not None


def resolve_loop(choice: str) -> str:
    """`auto` → uvloop where installed (a quarter less client CPU per receipt), else asyncio."""
    if choice == "auto":
        return "uvloop" if uvloop_available() else "asyncio"
    return choice


def url_of(urls: list[str], user: int) -> str:
    """The hub node user `user` connects to: urls[user % len(urls)], every tab alike."""
    return urls[user % len(urls)]


class Conn:
    __slots__ = ("client", "got", "idx", "last_seq", "tab", "user", "want")

    def __init__(self, idx: int, user: int, tab: int) -> None:
        self.idx, self.user, self.tab = idx, user, tab
        self.client: LeanClient | None = None
        self.last_seq: int | None = None
        self.got = 0  # distinct tracked events received
        self.want = -1  # set by `expect`


class Worker:
    def __init__(self, cfg: WorkerConfig, up: UpQueue, down: Connection) -> None:
        self.cfg, self.up, self.down = cfg, up, down
        self.rng = random.Random(cfg.seed * 1000 + cfg.index)
        self.conns = [Conn(i, cfg.users[i // cfg.tabs], i % cfg.tabs)
                      for i in range(len(cfg.users) * cfg.tabs)]
        self.by_user: dict[int, list[Conn]] = {}
        self.online: list[int] = []  # users with at least one connection
        self.friends = dict(zip(cfg.users, cfg.friends, strict=True))
        self.receipts: dict[str, set[int]] = {}
        self.recent: deque[tuple[str, int, int]] = deque(maxlen=512)  # mood, author, reader
        self.latency, self.tick_latency = Histogram(), Histogram()
        self.connect_hist, self.reply_hist = Histogram(), Histogram()
        self.counts = {"dups": 0, "gap_events": 0, "live_only": 0, "missing_seqs": 0,
                       "out_of_order": 0, "other_events": 0, "foreign": 0, "malformed": 0}
        self.tick_counts = {"deliveries": 0, "ops": 0, "errors": 0}
        self.errors: dict[str, int] = {}
        self.connect_errors: dict[str, int] = {}
        self.sent: list[tuple[str, str, int, int]] = []  # key, kind, actor, target
        self.ops_by_kind = {MOOD: 0, COMMENT: 0, GIFT: 0}
        self.gifts = ["rose", "cake", "balloon"]
        self.inbox: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()
        self.pending = 0
        self.drained = asyncio.Event()
        self.phase = "connect"
        self.main_task: asyncio.Task[Any] | None = None

    # plumbing
    def send_up(self, kind: str, payload: Any) -> None:
        self.up.put((kind, self.cfg.index, payload))

    def _on_down(self) -> None:
        # uvloop's add_reader makes the pipe non-blocking, and then recv() of a message
        # larger than the pipe buffer (`expect` at 10k users) raises BlockingIOError midway.
        os.set_blocking(self.down.fileno(), True)
        try:
            while self.down.poll():
                message = self.down.recv()
                if message[0] == "stop":
                    self._stop_now()
                self.inbox.put_nowait(message)
        except (EOFError, OSError):
            # The coordinator is gone (a closed pipe stays readable, so leaving the reader
            # registered would spin this callback): nobody is left to report to.
            asyncio.get_running_loop().remove_reader(self.down.fileno())
            self._stop_now()
            self.inbox.put_nowait(("stop",))

    def _stop_now(self) -> None:
        if self.main_task is not None:
            self.main_task.cancel()  # stop now, whatever phase we are in

    async def expect_message(self, kind: str) -> tuple[Any, ...]:
        while True:
            message = await self.inbox.get()
            if message[0] == "stop":
                raise Stopped
            if message[0] == kind:
                return message

    async def ticker(self) -> None:
        while True:
            await asyncio.sleep(TICK)
            self.tick()

    def tick(self) -> None:
        if self.phase != "connect":
            gc.collect(1)  # automatic GC is off after connecting (see `quiet_gc`)
        open_ = sum(1 for c in self.conns if c.client is not None and c.client.open)
        self.send_up("tick", {"t": time.time(), "phase": self.phase, "open": open_,
                              **self.tick_counts, "hist": self.tick_latency.state()})
        self.tick_counts = {"deliveries": 0, "ops": 0, "errors": 0}
        self.tick_latency = Histogram()

    # receiving
    def on_event(self, conn: Conn, frame: dict[str, Any] | None, now: int) -> None:
        """The client's callback: it must never raise (that would end the reader)."""
        try:
            if frame is None:
                raise ValueError("not JSON")
            self._receive(conn, frame, now)
        except Exception:  # a malformed event: counted, never fatal
            self.counts["malformed"] += 1

    def _receive(self, conn: Conn, frame: dict[str, Any], now: int) -> None:
        seq = frame.get("seq")
        if seq is None:  # live only (its actor is no friend of this user): no position
            self.counts["live_only"] += 1
        else:
            self._follow(conn, seq)
        kind = EVENT_KIND.get(frame.get("event"))
        obj = frame["data"].get(OPS[kind][1]) if kind else None
        if kind is None or not isinstance(obj, dict):
            self.counts["other_events"] += 1
            return
        text = obj.get("message" if kind == GIFT else "text") or ""
        if not text.startswith(STAMP):
            self.counts["foreign"] += 1
            return
        key = kind + str(obj["id"])
        seen = self.receipts.get(key)
        if seen is None:
            seen = self.receipts[key] = set()
        elif conn.idx in seen:
            self.counts["dups"] += 1
            return
        seen.add(conn.idx)
        sent_ns = int(text[len(STAMP):text.find(" ")])
        micros = (now - sent_ns) // 1000
        self.latency.add(micros)
        self.tick_latency.add(micros)
        self.tick_counts["deliveries"] += 1
        conn.got += 1
        if conn.got == conn.want:
            self.pending -= 1
            if self.pending <= 0:
                self.drained.set()
        if kind == MOOD and conn.tab == 0:
            author = str(obj.get("author", ""))
            if author.startswith(self.cfg.prefix) and author[len(self.cfg.prefix):].isdigit():
                self.recent.append((str(obj["id"]), int(author[len(self.cfg.prefix):]),
                                    conn.user))

    # connecting
    async def open_one(self, conn: Conn, gate: asyncio.Semaphore) -> None:
        cfg = self.cfg
        token = cfg.tokens[conn.idx // cfg.tabs]
        addrs = cfg.source_addrs
        local = (addrs[(conn.idx * 7919 + cfg.index) % len(addrs)], 0) if addrs else None
        async with gate:
            for attempt in range(3):
                started = time.monotonic_ns()
                try:
                    conn.client = await LeanClient.connect(
                        url_of(cfg.urls or [cfg.url], conn.user), token, reconnect=True,
                        timeout=15.0, local_addr=local,
                        on_event=functools.partial(self.on_event, conn))
                except (OSError, TimeoutError, KjClosed, KjError) as exc:
                    what = f"{type(exc).__name__}: {exc}"[:160]
                    self.connect_errors[what] = self.connect_errors.get(what, 0) + 1
                    await asyncio.sleep(0.2 * (attempt + 1))  # back-off before a retry
                    continue
                self.connect_hist.add((time.monotonic_ns() - started) // 1000)
                self.by_user.setdefault(conn.user, []).append(conn)
                return

    async def connect_all(self) -> None:
        gate = asyncio.Semaphore(self.cfg.connect_concurrency)
        await asyncio.gather(*(self.open_one(c, gate) for c in self.conns))
        self.online = sorted(self.by_user)
        live = next((c.client for c in self.conns if c.client is not None), None)
        if live is not None:
            with contextlib.suppress(KjError, KjClosed, TimeoutError, KeyError):
                catalog = await live.call("gifts.catalog", timeout=self.cfg.op_timeout)
                level1 = [g["id"] for g in catalog["gifts"] if g.get("min_level", 99) <= 1]
                self.gifts = level1 or self.gifts

    def _follow(self, conn: Conn, seq: int) -> None:
        """Check `seq` against the connection's position: contiguous, else counted."""
        if conn.last_seq is None:
            conn.last_seq = int(conn.client.hello.get("seq", 0)) if conn.client else 0
        if seq == conn.last_seq + 1:
            conn.last_seq = seq
        elif seq > conn.last_seq + 1:
            self.counts["gap_events"] += 1
            self.counts["missing_seqs"] += seq - conn.last_seq - 1
            conn.last_seq = seq
        else:
            self.counts["out_of_order"] += 1

    # sending
    def choose(self) -> tuple[str, int, int, dict[str, Any]] | None:
        """(kind, actor, target, data) of the next op, or None when no user is online."""
        cfg, rng = self.cfg, self.rng
        online = self.online
        if not online:
            return None
        kind = rng.choices((MOOD, COMMENT, GIFT), weights=cfg.mix)[0]
        if kind == COMMENT and not self.recent:
            kind = MOOD
        filler = " ".join(rng.choices(WORDS, k=rng.randint(2, 8)))
        if kind == COMMENT:
            mood_id, author, reader = rng.choice(self.recent)
            return kind, reader, author, {"mood_id": mood_id, "text": filler}
        actor = rng.choice(online)
        if kind == MOOD:
            vis = rng.choice(("friends", "friends", "friends", "public"))
            return kind, actor, actor, {"text": filler, "visibility": vis}
        friends = self.friends.get(actor) or []
        to = rng.choice(friends) if friends else rng.randrange(cfg.n_users)
        if to == actor:
            to = (actor + 1) % cfg.n_users
        return kind, actor, to, {"to": user_name(cfg.prefix, to),
                                 "gift": rng.choice(self.gifts), "message": filler}

    async def op_once(self) -> None:
        choice = self.choose()
        if choice is None:
            return
        kind, actor, target, data = choice
        conns = self.by_user.get(actor) or []
        if not conns or conns[0].client is None:
            return
        client = self.rng.choice(conns).client
        assert client is not None
        op, field = OPS[kind]
        text_key = "message" if kind == GIFT else "text"
        sent_ns = time.time_ns()
        data[text_key] = f"{STAMP}{sent_ns} {data[text_key]}"
        self.ops_by_kind[kind] += 1
        self.tick_counts["ops"] += 1
        try:
            reply = await client.request(op, data, timeout=self.cfg.op_timeout)
        except (TimeoutError, KjClosed) as exc:
            self._error("timeout" if isinstance(exc, TimeoutError) else "closed")
            return
        self.reply_hist.add((time.time_ns() - sent_ns) // 1000)
        if not reply.get("ok"):
            self._error(str((reply.get("error") or {}).get("code", "error")))
            return
        obj = (reply.get("data") or {}).get(field) or {}
        self.sent.append((kind + str(obj.get("id")), kind, actor, target))

    def _error(self, code: str) -> None:
        self.errors[code] = self.errors.get(code, 0) + 1
        self.tick_counts["errors"] += 1

    async def post_for(self, seconds: float) -> None:
        if self.cfg.rate <= 0:
            return
        tasks: set[asyncio.Task[None]] = set()
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        at = loop.time()
        while True:
            at += self.rng.expovariate(self.cfg.rate)  # Poisson arrivals
            if at >= end:
                break
            await asyncio.sleep(max(0.0, at - loop.time()))
            task = asyncio.create_task(self.op_once())
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.wait(tasks, timeout=self.cfg.op_timeout + 1)

    # the run
    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        self.main_task = asyncio.current_task()
        loop.add_reader(self.down.fileno(), self._on_down)
        ticker = asyncio.create_task(self.ticker())
        try:
            await self.connect_all()
            quiet_gc()
            established = {u: len(cs) for u, cs in self.by_user.items()}
            self.send_up("ready", {"established": established,
                                   "errors": self.connect_errors,
                                   "connect_hist": self.connect_hist.state()})
            await self.expect_message("go")
            self.phase = "run"
            await self.post_for(self.cfg.duration)
            self.phase = "drain"
            self.send_up("posted", {"sent": self.sent, "ops": dict(self.ops_by_kind),
                                    "errors": self.errors,
                                    "reply_hist": self.reply_hist.state()})
            message = await self.expect_message("expect")
            self.arm_drain(message[1])
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.drained.wait(), self.cfg.drain)
            self.tick()
            self.send_up("final", self.final())
        finally:
            ticker.cancel()
            loop.remove_reader(self.down.fileno())
            await self.close_all()

    def arm_drain(self, expected: dict[int, int]) -> None:
        self.pending = 0
        for conns in self.by_user.values():
            for conn in conns:
                conn.want = expected.get(conn.user, 0)
                if conn.got < conn.want:
                    self.pending += 1
        if self.pending == 0:
            self.drained.set()

    def final(self) -> dict[str, Any]:
        conns = [(c.user, c.client is not None,
                  max(0, c.client.connections - 1) if c.client else 0) for c in self.conns]
        return {"conns": conns, "receipts": {k: list(v) for k, v in self.receipts.items()},
                "counts": self.counts, "latency": self.latency.state()}

    async def close_all(self) -> None:
        clients = [c.client for c in self.conns if c.client is not None]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(c.close() for c in clients),
                                                  return_exceptions=True), 10)


def quiet_gc() -> None:
    """No cyclic-GC pauses while measuring. The connections' objects are frozen out of
    the collector (they live to the end anyway), automatic collection is off, and the
    ticker collects only the young generations, which hold little: receipts are sets of
    ints and frames are freed by reference counting. Before this, full collections over
    the connections' objects took 0.5-1 s in both client processes at once, and
    deliveries and ops stalled."""
    gc.collect()
    gc.freeze()
    gc.disable()


def main(cfg: WorkerConfig, up: UpQueue, down: Connection) -> None:
    """Entry point of a spawned client process."""
    ok, advice = raise_nofile(cfg.nofile_need)
    try:
        if not ok:
            raise RuntimeError(advice)
        if cfg.loop == "uvloop":
            import uvloop  # optional: resolve_loop only picks it where installed

            uvloop.run(Worker(cfg, up, down).run())
        else:
            asyncio.run(Worker(cfg, up, down).run())
    except (Stopped, KeyboardInterrupt, asyncio.CancelledError):
        pass
    except BaseException:  # report every failure to the coordinator, then exit non-zero
        up.put(("fatal", cfg.index, traceback.format_exc(limit=8)))
        raise SystemExit(1) from None
