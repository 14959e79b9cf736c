"""What a node logs: session tokens, cookies and `Authorization` headers never reach
its output, at any level (here `debug`, where the websocket handshake is logged header
by header); and `--log-level trace`, which would log every request's headers and body,
is refused before anything starts."""

from __future__ import annotations

import subprocess
import sys

import httpx

from hub.client import login, register
from tests.core.support import Raw
from tests.harness import PASSWORD, HubProcess
from tests.redis_server import free_port


async def test_no_secret_reaches_the_log_at_debug() -> None:
    hub = HubProcess(extra=["--log-level", "debug"]).start()
    try:
        name = f"lg_{free_port()}"
        token = str((await register(hub.url, name, PASSWORD))["token"])
        cookie = str((await login(hub.url, name, PASSWORD))["token"])
        by_query, _ = await Raw.hello(hub.url, token)  # ?token=<token>
        await by_query.ping()
        by_cookie, _ = await Raw.hello(hub.url, None,
                                       headers={"Cookie": f"kj_session={cookie}; theme=dark",
                                                "Authorization": f"Bearer {token}"})
        await by_cookie.ping()
        async with httpx.AsyncClient(base_url=hub.url) as http:
            answer = await http.post("/api/ops/ping", json={},
                                     headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 200, answer.text
        await by_query.close()
        await by_cookie.close()
    finally:
        hub.stop()
    output = hub.read_output()
    assert "< GET /ws" in output, output[-3000:]  # the handshake was logged at debug...
    for secret in (token, cookie, PASSWORD):
        assert secret not in output, f"{secret!r} leaked into the log"
    assert "<redacted>" in output  # ...with its secrets taken out


def test_log_level_trace_is_refused_in_one_line() -> None:
    done = subprocess.run([sys.executable, "-m", "hub", "serve", "--log-level", "trace",
                           "--data", "none", "--port", str(free_port())],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kongjian: "), done.stderr
    assert "log_level" in lines[0]
    assert "Traceback" not in done.stderr + done.stdout
