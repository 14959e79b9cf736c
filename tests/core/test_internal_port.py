"""`--internal-port`: `/metrics`, the detailed health, `/api/admin/*` and
`/api/server/publish` are served there only. The public port answers them `404` however
the path is spelled (Starlette routes on the percent-decoded path, so `/%6detrics` is
`/metrics`), and its `/api/health` says only the status. Without the flag nothing
changes."""

from __future__ import annotations

import httpx
import orjson
import pytest

from tests.core.conftest import MakeHub
from tests.core.rawhttp import request
from tests.core.support import Raw, account
from tests.harness import HubProcess
from tests.redis_server import free_port

KEY = "internal-test-key"
AUTH = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
SEED = orjson.dumps({"users": []})
PUBLISH = orjson.dumps({"event": "x.ping", "to": [], "data": {}})

METRICS = ["/metrics", "/%6detrics", "/%6D%65trics", "/metrics/", "//metrics", "/metrics//",
           "/./metrics", "/api/../metrics", "/%2fmetrics", "/METRICS", "/metrics?x=1",
           "/%256detrics"]
ADMIN = ["/api/admin/seed", "/api/%61dmin/seed", "/api%2Fadmin/seed", "/api//admin/seed",
         "/api/admin/seed/", "/api/admin//seed", "/api/Admin/seed", "/api/admin/%73eed"]
PUBLISHES = ["/api/server/publish", "/api/%73erver/publish", "/api/server%2Fpublish",
             "//api/server/publish", "/api/server/publish/", "/api/./server/publish"]


@pytest.fixture
def engine() -> str:
    """Routing by port is the same on both engines: run it on one."""
    return "memory"


async def test_internal_routes_are_404_on_the_public_port_in_any_spelling(
        make_hub: MakeHub) -> None:
    internal = free_port()
    hub = await make_hub(internal_port=internal, server_key=KEY)
    public = hub.settings.port
    for path in METRICS:
        answer = await request(public, "GET", path)
        assert answer.status == 404, (path, answer)
    for path in ADMIN:
        answer = await request(public, "POST", path, AUTH, SEED)
        assert answer.status == 404, (path, answer)
    for path in PUBLISHES:
        answer = await request(public, "POST", path, AUTH, PUBLISH)
        assert answer.status == 404, (path, answer)

    # On the internal port they work, spelled plainly or percent-encoded.
    for path in ("/metrics", "/%6detrics"):
        answer = await request(internal, "GET", path)
        assert answer.status == 200 and b"kj_connections" in answer.body, (path, answer)
    for path in ("/api/admin/seed", "/api/%61dmin/seed"):
        answer = await request(internal, "POST", path, AUTH, SEED)
        assert answer.status == 200, (path, answer)
    answer = await request(internal, "POST", "/api/server/publish", AUTH, PUBLISH)
    assert answer.status not in (404, 401), answer  # reached the route, key accepted


async def test_public_health_says_only_the_status(make_hub: MakeHub) -> None:
    internal = free_port()
    hub = await make_hub(internal_port=internal)
    for path in ("/api/health", "/api/%68ealth"):
        answer = await request(hub.settings.port, "GET", path)
        assert answer.status == 200 and answer.json() == {"status": "ok"}, (path, answer)
    detailed = (await request(internal, "GET", "/api/health")).json()
    assert isinstance(detailed, dict) and detailed["status"] == "ok"
    assert {"engine", "node", "connections", "store", "broker"} <= set(detailed)

    await hub.node.drain()  # the same 200/503 rule on both ports
    assert (await request(hub.settings.port, "GET", "/api/health")).status == 503
    assert (await request(internal, "GET", "/api/health")).status == 503


async def test_the_public_port_still_serves_users(make_hub: MakeHub) -> None:
    hub = await make_hub(internal_port=free_port())
    _, token = await account(hub.url, "ip")
    raw, _ = await Raw.hello(hub.url, token)
    await raw.ping()
    await raw.close()
    answer = await request(hub.settings.port, "POST", "/api/ops/ping",
                           {"Authorization": f"Bearer {token}"}, b"{}")
    assert answer.status == 200, answer


async def test_without_the_flag_everything_stays_on_the_one_port(make_hub: MakeHub) -> None:
    hub = await make_hub(server_key=KEY)
    port = hub.settings.port
    answer = await request(port, "GET", "/metrics")
    assert answer.status == 200 and b"kj_connections" in answer.body, answer
    health = (await request(port, "GET", "/api/health")).json()
    assert isinstance(health, dict) and "node" in health and "store" in health
    answer = await request(port, "POST", "/api/admin/seed", AUTH, SEED)
    assert answer.status == 200, answer


def test_kongjian_serve_listens_on_both_ports_and_says_so() -> None:
    internal = free_port()
    hub = HubProcess(extra=["--internal-port", str(internal)]).start()
    try:
        assert httpx.get(f"{hub.url}/metrics").status_code == 404
        assert httpx.get(f"{hub.url}/api/health").json() == {"status": "ok"}
        assert httpx.get(f"http://127.0.0.1:{internal}/metrics").status_code == 200
    finally:
        hub.stop()
    assert f"internal: http://127.0.0.1:{internal}/" in hub.read_output()
