"""Shared plumbing of the benchmarks: machine facts, /proc readings, child servers
pinned to a core, a minimal HTTP/1.1 client and the RESULTS.md appender.

Everything here runs on 127.0.0.1 and every child process is killed in `finally`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as _dt
import os
import platform
import resource
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "RESULTS.md"
PYTHON = sys.executable
CLK_TCK = os.sysconf("SC_CLK_TCK")
SERVER_CORE = 0
LOAD_CORE = 1


# ---------------------------------------------------------------- machine & noise
def machine() -> str:
    cores = os.cpu_count()
    model = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with contextlib.suppress(OSError), open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)
    return (f"{cores} cores ({model or platform.processor()}), "
            f"{mem_kib / 1048576:.1f} GiB RAM, Linux {platform.release()}, "
            f"Python {platform.python_version()}, RLIMIT_NOFILE hard {nofile[1]}")


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def pin_self(core: int = LOAD_CORE) -> None:
    with contextlib.suppress(OSError, AttributeError):
        os.sched_setaffinity(0, {core})


def raise_nofile() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


# ---------------------------------------------------------------- /proc
def cpu_seconds(pid: int) -> float:
    """utime + stime of `pid` (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        raw = f.read()
    fields = raw[raw.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # fields 14 and 15 of stat


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


class CpuMeter:
    """CPU seconds of a set of pids over a window; and of the whole machine (noise)."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.start: dict[str, float] = {}
        self.machine_start = _machine_jiffies()
        self.t0 = time.monotonic()

    def begin(self) -> None:
        self.start = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        self.machine_start = _machine_jiffies()
        self.t0 = time.monotonic()

    def end(self) -> dict[str, float]:
        out = {name: cpu_seconds(pid) - self.start[name] for name, pid in self.pids.items()}
        busy0, total0 = self.machine_start
        busy1, total1 = _machine_jiffies()
        out["_wall"] = time.monotonic() - self.t0
        out["_machine_busy"] = (busy1 - busy0) / max(1, total1 - total0)  # 0..1 of all cores
        return out


def _machine_jiffies() -> tuple[int, int]:
    with open("/proc/stat") as f:
        parts = [int(x) for x in f.readline().split()[1:]]
    idle = parts[3] + parts[4]
    return sum(parts) - idle, sum(parts)


# ---------------------------------------------------------------- ports & children
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen | None = None, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)  # polling a child's port: there is no event to wait on
    raise RuntimeError(f"nothing listening on {port} after {timeout}s")


def spawn(argv: Sequence[str], core: int | None, log: Path | None = None,
          env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.Popen:
    """Start a child (pinned with taskset, which execs: the pid is the server's)."""
    full = (["taskset", "-c", str(core)] if core is not None else []) + list(argv)
    out = open(log, "ab") if log else subprocess.DEVNULL
    return subprocess.Popen(full, stdout=out, stderr=subprocess.STDOUT, cwd=cwd or ROOT,
                            env={**os.environ, **(env or {})}, start_new_session=True)


def stop(proc: subprocess.Popen | None, grace: float = 5.0) -> None:
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait(5)


@contextlib.contextmanager
def children() -> Iterator[list[subprocess.Popen]]:
    procs: list[subprocess.Popen] = []
    try:
        yield procs
    finally:
        for p in reversed(procs):
            stop(p)


def kongjian_argv(port: int, key: str, redis_url: str | None = None,
                  extra: Sequence[str] = (), data: str = "none") -> list[str]:
    """`kongjian serve` for a benchmark; `data` is `--data` ("none": in memory only, or
    a directory: the default configuration's journaled data file)."""
    # the mood/comment/gift paths post as fast as they can over HTTP with one login:
    # lift the op rate limit (per connection and per HTTP token), which would refuse them
    argv = [PYTHON, "-m", "hub", "serve", "--host", "127.0.0.1", "--port", str(port),
            "--data", data, "--server-key", key, "--log-level", "warning",
            "--ops-per-second", "1000000", "--ops-burst", "1000000",
            "--user-ops-per-second", "1000000", "--user-ops-burst", "1000000"]
    if redis_url:
        argv += ["--redis", redis_url]
    return argv + list(extra)


# ---------------------------------------------------------------- minimal HTTP/1.1
class MiniHTTP:
    """One keep-alive HTTP/1.1 connection; one request in flight."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> MiniHTTP:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def request(self, method: str, path: str, body: bytes = b"",
                      headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        if self.writer is None:
            await self.open()
        assert self.reader is not None and self.writer is not None
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                f"Content-Length: {len(body)}", "Content-Type: application/json"]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        length, chunked = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
        if chunked:
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                data = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                parts.append(data[:-2])
            return status, b"".join(parts)
        return status, await self.reader.readexactly(length)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
            self.writer = None


# ---------------------------------------------------------------- numbers & results
def percentile(sorted_values: Sequence[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[k]


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def append_results(title: str, body: str) -> None:
    stamp = _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    command = "python " + " ".join(shlex.quote(a) for a in
                                   [os.path.relpath(sys.argv[0], ROOT), *sys.argv[1:]])
    text = (f"\n## {title} — {stamp}\n\n"
            f"* command: `{command}`\n* machine: {machine()}\n\n{body.rstrip()}\n")
    new = not RESULTS.exists()
    with open(RESULTS, "a") as f:
        if new:
            f.write("# Kongjian benchmark results\n\nAppended by `bench/*.py`; newest last.\n")
        f.write(text)
    print(f"(appended to {os.path.relpath(RESULTS, os.getcwd())})")


def publish(title: str, body: str, no_append: bool) -> None:
    """Print a benchmark's figures and, unless told not to, append them to RESULTS.md."""
    print()
    print(body)
    if not no_append:
        append_results(title, body)

