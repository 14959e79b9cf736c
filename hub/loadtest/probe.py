"""What the load tester learns about its environment: is the URL a Kongjian hub, is the
hub process on this machine (then its RSS and CPU are sampled from /proc), how many
file descriptors a process may open, and which loopback source addresses to use."""

from __future__ import annotations

import ipaddress
import math
import os
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from hub.client import http_base

HEALTH_KEYS = {"status", "engine", "node", "pid", "connections"}
CONNS_PER_SOURCE = 20_000  # below a default ephemeral range (~28k ports) per source address


class ProbeError(Exception):
    """The URL is not a reachable Kongjian hub; the message says which."""


def check_hub(url: str, timeout: float = 5.0) -> dict[str, Any]:
    """GET /api/health and check its shape; raises ProbeError with a clear message."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "ws", "wss") or not parts.hostname:
        raise ProbeError(f"{url!r} is not an http(s):// or ws(s):// URL")
    target = http_base(url) + "/api/health"
    try:
        response = httpx.get(target, timeout=timeout, follow_redirects=False)
    except httpx.HTTPError as exc:
        raise ProbeError(f"cannot reach {target}: {exc or type(exc).__name__}") from None
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code in (200, 503) and isinstance(body, dict) and set(body) == {
            "status"}:
        raise ProbeError(f"{target} gives only its status: the hub serves its details on "
                         f"its --internal-port; pass that node's URL with --internal-url")
    if (response.status_code not in (200, 503) or not isinstance(body, dict)
            or not HEALTH_KEYS <= body.keys()):
        raise ProbeError(f"{target} answered {response.status_code} but is not a Kongjian "
                         f"hub (expected JSON with {', '.join(sorted(HEALTH_KEYS))})")
    if body["status"] == "draining":
        raise ProbeError(f"the hub at {url} is draining (shutting down)")
    return body


def loopback_host(url: str) -> bool:
    host = urlsplit(http_base(url)).hostname or ""
    try:
        return ipaddress.ip_address(host).is_loopback and ":" not in host
    except ValueError:
        return False


def source_addresses(url: str, connections: int, wanted: int | None) -> list[str]:
    """127.0.0.2, 127.0.0.3, … for a loopback IPv4 target on Linux (each source address
    has its own ephemeral port range); [] means let the OS choose."""
    if wanted == 0 or not sys.platform.startswith("linux") or not loopback_host(url):
        return []
    count = wanted or max(1, math.ceil(connections / CONNS_PER_SOURCE))
    return [f"127.0.{(i + 2) // 256}.{(i + 2) % 256}" for i in range(min(count, 60_000))]


def raise_nofile(need: int) -> tuple[bool, str]:
    """Raise this process's soft RLIMIT_NOFILE to the hard limit; (enough?, advice)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY or soft >= need:
        return True, ""
    return False, (f"a client process needs {need} file descriptors but may open {soft} "
                   f"(hard limit {hard}): raise it, e.g. `ulimit -n {need}` (as root: "
                   f"`ulimit -Hn {need}`, or nofile in /etc/security/limits.conf), "
                   f"or use more --processes")


@dataclass
class ServerStats:
    """RSS and CPU of a hub process on this machine, read from /proc/<pid>."""

    pid: int
    ticks: int = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    _last: tuple[float, float] | None = None
    peak_rss: int = 0
    cpu_start: float | None = None
    wait_start: float | None = None

    @classmethod
    def find(cls, health: dict[str, Any], url: str) -> tuple[ServerStats | None, str]:
        """The hub's process if it is provably local: its pid from /api/health owns the
        socket listening on the URL's port. Else (None, why)."""
        if not loopback_host(url) and urlsplit(http_base(url)).hostname != "localhost":
            return None, "hub is not on this machine"
        pid = health.get("pid")
        port = urlsplit(http_base(url)).port or 80
        if not isinstance(pid, int) or not Path(f"/proc/{pid}/stat").exists():
            return None, "hub pid not visible in /proc"
        if not _listens(pid, port):
            return None, f"pid {pid} does not own the socket on port {port}"
        stats = cls(pid)
        stats.cpu_start = stats.cpu_seconds()
        stats.wait_start = stats.runqueue_wait()
        return stats, ""

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self.ticks  # utime + stime

    def runqueue_wait(self) -> float | None:
        """Seconds the hub's main thread (its event loop) has spent runnable but waiting
        for a CPU (/proc/<pid>/schedstat; None without schedstats)."""
        try:
            return int(Path(f"/proc/{self.pid}/schedstat").read_text().split()[1]) / 1e9
        except (OSError, IndexError, ValueError):
            return None

    def rss(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def sample(self) -> dict[str, float] | None:
        """{"cpu": percent since the last sample, "rss": bytes}; None if gone."""
        try:
            now, cpu, rss = time.monotonic(), self.cpu_seconds(), self.rss()
        except (OSError, IndexError, ValueError):
            return None
        self.peak_rss = max(self.peak_rss, rss)
        last, self._last = self._last, (now, cpu)
        percent = 0.0 if last is None else 100 * (cpu - last[1]) / max(now - last[0], 1e-6)
        return {"cpu": round(percent, 1), "rss": rss}

    def open_files_limit(self) -> int | None:
        try:
            for line in Path(f"/proc/{self.pid}/limits").read_text().splitlines():
                if line.startswith("Max open files"):
                    value = line.split()[3]
                    return None if value == "unlimited" else int(value)
        except OSError:
            return None
        return None


def _listens(pid: int, port: int) -> bool:
    inodes: set[str] = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if len(cols) > 9 and cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(cols[9])
    if not inodes:
        return False
    try:
        for fd in os.scandir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(fd.path)
            except OSError:
                continue
            if link.startswith("socket:[") and link[8:-1] in inodes:
                return True
    except OSError:
        return False
    return False
