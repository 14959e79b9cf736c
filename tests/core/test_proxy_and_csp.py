"""Behind a proxy: `X-Forwarded-Proto` and `X-Forwarded-For` are believed from the
peers in `forwarded_allow_ips` only (so `request.url.scheme` is `https` for a request
that reached a trusted proxy over TLS, and the client address is the real one); and
the page's CSP lets scripts connect to their own origin only."""

from __future__ import annotations

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.core.conftest import MakeHub
from tests.core.rawhttp import request
from tests.harness import InProcessHub

FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}


@pytest.fixture
def engine() -> str:
    return "memory"


async def _seen(request: Request) -> Response:
    client = request.client.host if request.client else None
    return JSONResponse({"scheme": request.url.scheme, "client": client})


def with_probe(hub: InProcessHub) -> InProcessHub:
    """A tiny route that says what the app believes about the request."""
    hub.app.router.routes.insert(0, Route("/test/seen", _seen))
    return hub


async def test_forwarded_headers_from_a_trusted_proxy_are_believed(make_hub: MakeHub) -> None:
    hub = with_probe(await make_hub())  # default: 127.0.0.1 and ::1 are trusted
    answer = await request(hub.settings.port, "GET", "/test/seen", FORWARDED)
    assert answer.json() == {"scheme": "https", "client": "203.0.113.7"}
    answer = await request(hub.settings.port, "GET", "/test/seen")
    assert answer.json() == {"scheme": "http", "client": "127.0.0.1"}


async def test_forwarded_headers_from_anyone_else_are_ignored(make_hub: MakeHub) -> None:
    hub = with_probe(await make_hub(forwarded_allow_ips="10.9.8.7"))
    answer = await request(hub.settings.port, "GET", "/test/seen", FORWARDED)
    assert answer.json() == {"scheme": "http", "client": "127.0.0.1"}


async def test_scripts_may_connect_to_their_own_origin_only(make_hub: MakeHub) -> None:
    hub = await make_hub()
    answer = await request(hub.settings.port, "GET", "/api/health")
    directives = dict(d.strip().split(" ", 1) for d in
                      answer.headers["content-security-policy"].split(";"))
    assert directives["connect-src"] == "'self'"
