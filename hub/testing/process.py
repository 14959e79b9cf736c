"""A hub node in a child process (`python -m hub serve`) on a free loopback port: what
the pytest plugin's `kj_hub` runs, and what tests use for restarts, signals and many
nodes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import httpx

from hub.testing.redis_server import free_port


class HubProcess:
    """`python -m hub serve` in a child process, for restarts, signals and many nodes."""

    def __init__(self, *, port: int | None = None, redis_url: str | None = None,
                 data: str | Path = "none", extra: list[str] | None = None,
                 env: dict[str, str] | None = None, node_id: str | None = None) -> None:
        self.port = port or free_port()
        self.args = [sys.executable, "-m", "hub", "serve", "--port", str(self.port),
                     "--data", str(data), *(extra or [])]
        if redis_url:
            self.args += ["--redis", redis_url]
        if node_id:
            self.args += ["--node-id", node_id]
        self.env = {**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"}
        self.proc: subprocess.Popen[str] | None = None
        self.output: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> HubProcess:
        self.proc = subprocess.Popen(self.args, env=self.env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hub exited {self.proc.returncode}: {self.read_output()}")
            try:
                if httpx.get(self.url + "/api/health", timeout=0.5).status_code in (200, 503):
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)  # polling a child process's port: no event to wait on
        raise RuntimeError(f"hub on {self.port} did not come up: {self.read_output()}")

    def read_output(self) -> str:
        if self.proc is not None and self.proc.stdout is not None and self.proc.poll() is not None:
            self.output.append(self.proc.stdout.read())
        return "".join(self.output)

    def signal(self, sig: int, timeout: float = 30.0) -> int:
        """Send `sig` and wait for the exit code. A hub still running after `timeout`
        (past its own shutdown deadline, hub.shutdown) is killed, and the error says
        what it printed."""
        assert self.proc is not None
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError(f"hub on {self.port} ignored signal {sig} for {timeout:.0f} s; "
                               f"it printed:\n{self.read_output()}") from None
        self.read_output()
        return code

    def stop(self) -> int | None:
        """SIGTERM, as an orchestrator stops a node. A hub that had to force its exit
        (code 1: its shutdown hung) is reported as a warning with its output, which
        names the tasks it was waiting for: a teardown should not fail on it, but
        nobody should miss it either."""
        if self.proc is None or self.proc.poll() is not None:
            return None
        code = self.signal(signal.SIGTERM)
        if code != 0:
            warnings.warn(f"hub on {self.port} exited {code} after SIGTERM; it printed:\n"
                          f"{self.read_output()[-6000:]}", RuntimeWarning, stacklevel=2)
        return code
