"""The parent of a load test: spawns the client processes, moves them through the
phases (connect → go → post → expect → drain → final), shows live progress, samples
the hub's RSS and CPU, enforces the hard ceiling and collects everything for the join.

Phases are barriers: posting starts only when every process has opened its
connections, so every event has a well-defined set of connections that must see it.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from hub.loadtest import hubtime
from hub.loadtest.accounting import expected_per_user
from hub.loadtest.graph import Graph
from hub.loadtest.hist import Histogram
from hub.loadtest.probe import ServerStats
from hub.loadtest.progress import StatusLine, bar
from hub.loadtest.worker import WorkerConfig, main


class RunAborted(Exception):
    """The run could not finish; `code` is the exit code to use."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Second:
    deliveries: int = 0
    ops: int = 0
    errors: int = 0
    hist: Histogram = field(default_factory=Histogram)
    cpu: float | None = None
    rss: int | None = None


@dataclass
class Plan:
    url: str
    duration: float
    rate: float
    tabs: int
    processes: int
    mix: tuple[float, float, float]
    drain: float
    seed: int
    source_addrs: list[str]
    connect_concurrency: int
    op_timeout: float
    urls: list[str] = field(default_factory=list)  # user u → urls[u % len]; [] = [url]
    loop: str = "asyncio"  # the client processes' event loop: "uvloop" or "asyncio"
    # where each node's /metrics is read: its --internal-port URL, if it has one
    status_urls: list[str] = field(default_factory=list)  # [] = urls

    @property
    def metrics_urls(self) -> list[str]:
        return self.status_urls or self.urls or [self.url]


class Coordinator:
    def __init__(self, plan: Plan, graph: Graph, tokens: dict[int, str],
                 server: ServerStats | None, status: StatusLine, deadline: float) -> None:
        self.plan, self.graph, self.tokens = plan, graph, tokens
        self.server, self.status, self.deadline = server, status, deadline
        self.procs: list[BaseProcess] = []
        self.pipes: list[Connection] = []
        self.up: Any = None
        self.ready: dict[int, dict[str, Any]] = {}
        self.posted: dict[int, dict[str, Any]] = {}
        self.finals: dict[int, dict[str, Any]] = {}
        self.open: dict[int, int] = {}
        self.timeline: dict[int, Second] = {}
        self.go_wall = 0.0
        self.phase = "connect"
        self.connect_seconds = 0.0
        self.run_seconds = 0.0
        self._sampled = 0.0
        self._exited: dict[int, float] = {}
        self.hub_ops: dict[str, dict[str, Any]] | None = None  # hubtime.summary of the run

    def shares(self) -> list[list[int]]:
        p = self.plan.processes
        return [[u for u in range(self.graph.n) if u % p == i] for i in range(p)]

    def start(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.up = ctx.Queue()
        plan, shares = self.plan, self.shares()
        need = max(len(s) for s in shares) * plan.tabs + 256
        for i, users in enumerate(shares):
            cfg = WorkerConfig(
                index=i, url=plan.url, prefix=self.graph.prefix, n_users=self.graph.n,
                users=users, tokens=[self.tokens[u] for u in users],
                friends=[self.graph.friends[u] for u in users], tabs=plan.tabs,
                rate=plan.rate / plan.processes, mix=plan.mix, duration=plan.duration,
                drain=plan.drain, source_addrs=plan.source_addrs,
                connect_concurrency=plan.connect_concurrency, op_timeout=plan.op_timeout,
                seed=plan.seed, nofile_need=need, urls=plan.urls, loop=plan.loop)
            reader, writer = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=main, args=(cfg, self.up, reader), daemon=True,
                               name=f"kongjian-loadtest-{i}")
            proc.start()
            reader.close()
            self.procs.append(proc)
            self.pipes.append(writer)

    def broadcast(self, message: tuple[Any, ...],
                  per_process: Callable[[int], tuple[Any, ...]] | None = None) -> None:
        for i, pipe in enumerate(self.pipes):
            with contextlib.suppress(OSError):
                pipe.send(per_process(i) if per_process else message)

    # the message pump
    def pump(self, done: Callable[[], bool]) -> None:
        while not done():
            now = time.monotonic()
            if now > self.deadline:
                raise RunAborted("hard ceiling reached: the run took longer than --duration "
                                 "+ --ceiling; stopping", 3)
            try:
                kind, index, payload = self.up.get(timeout=0.25)
            except queue.Empty:
                kind = ""
            if kind == "fatal":
                raise RunAborted(f"client process {index} failed:\n{payload}", 2)
            if kind == "tick":
                self.on_tick(index, payload)
            elif kind == "ready":
                self.ready[index] = payload
            elif kind == "posted":
                self.posted[index] = payload
            elif kind == "final":
                self.finals[index] = payload
            self.check_alive(now)
            if now - self._sampled >= 1.0:
                self._sampled = now
                self.sample_server()
            self.show()

    def check_alive(self, now: float) -> None:
        """A process that exited without its final report (and without a `fatal` message
        arriving within a grace for the queue to flush) aborts the run."""
        for i, proc in enumerate(self.procs):
            if proc.exitcode is None or i in self.finals:
                continue
            noticed = self._exited.setdefault(i, now)
            if now - noticed > 3.0:
                raise RunAborted(f"client process {i} exited with {proc.exitcode}", 2)

    def on_tick(self, index: int, tick: dict[str, Any]) -> None:
        self.open[index] = tick["open"]
        if not self.go_wall or tick["phase"] == "connect":
            return
        second = self.timeline.setdefault(max(0, int(tick["t"] - self.go_wall)), Second())
        second.deliveries += tick["deliveries"]
        second.ops += tick["ops"]
        second.errors += tick["errors"]
        second.hist.merge(Histogram.from_state(tick["hist"]))

    def sample_server(self) -> None:
        if self.server is None or not self.go_wall:
            return
        sample = self.server.sample()
        if sample is not None:
            second = self.timeline.setdefault(max(0, int(time.time() - self.go_wall)), Second())
            second.cpu, second.rss = sample["cpu"], int(sample["rss"])

    def show(self) -> None:
        target = self.graph.n * self.plan.tabs
        opened = sum(self.open.values())
        if self.phase == "connect":
            self.status.show(f"connecting {bar(opened, target)}")
            return
        now = int(time.time() - self.go_wall)
        recent = [self.timeline[s] for s in (now - 2, now - 1) if s in self.timeline]
        window = Histogram()
        for s in recent:
            window.merge(s.hist)
        span = max(len(recent), 1)
        deliveries = sum(s.deliveries for s in recent) / span
        ops = sum(s.ops for s in recent) / span
        errors = sum(s.errors for s in self.timeline.values())
        clock = (f"{min(now, int(self.plan.duration))}/{self.plan.duration:.0f}s"
                 if self.phase == "run" else "draining")
        self.status.show(f"{clock}  conns {opened}/{target}  ops {ops:.0f}/s  "
                         f"deliveries {deliveries:.0f}/s  p99 {window.percentile(99) / 1000:.1f}"
                         f" ms  errors {errors}")

    # the run
    def run(self) -> None:
        self.start()
        started = time.monotonic()
        n = len(self.procs)
        try:
            self.pump(lambda: len(self.ready) == n)
            self.connect_sample()
            self.connect_seconds = time.monotonic() - started
            if sum(sum(r["established"].values()) for r in self.ready.values()) == 0:
                errors = {k: v for r in self.ready.values() for k, v in r["errors"].items()}
                raise RunAborted(f"no connection could be opened: {errors}", 2)
            ops_before = hubtime.scrape(self.plan.metrics_urls)
            self.go_wall = time.time()
            self.phase = "run"
            run_started = time.monotonic()
            self.broadcast(("go",))
            self.pump(lambda: len(self.posted) == n)
            self.phase = "drain"
            sent = [s for p in self.posted.values() for s in p["sent"]]
            expected = expected_per_user(self.graph, sent)
            shares = self.shares()
            self.broadcast(("expect",), lambda i: ("expect", {u: expected.get(u, 0)
                                                              for u in shares[i]}))
            self.pump(lambda: len(self.finals) == n)
            self.run_seconds = time.monotonic() - run_started
            ops_after = hubtime.scrape(self.plan.metrics_urls)
            if ops_before is not None and ops_after is not None:
                self.hub_ops = hubtime.summary(ops_before, ops_after)
            self.sample_server()
            self.status.done()
        except BaseException:
            self.status.done()
            self.broadcast(("stop",))
            raise
        finally:
            self.stop()

    def connect_sample(self) -> None:
        """The last open counts before `go` (ticks race the ready messages)."""
        for index, ready in self.ready.items():
            self.open[index] = sum(ready["established"].values())

    def stop(self) -> None:
        """Wait for the client processes to exit; terminate the ones that don't."""
        until = time.monotonic() + 15
        for proc in self.procs:
            proc.join(max(0.1, until - time.monotonic()))
        for proc in self.procs:
            if proc.is_alive():
                proc.terminate()
                proc.join(5)
        for pipe in self.pipes:
            pipe.close()
        if self.up is not None:
            self.up.close()
            self.up.cancel_join_thread()
