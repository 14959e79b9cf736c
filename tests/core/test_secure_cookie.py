"""The session cookie is `Secure` when the request came over HTTPS — as a trusted
proxy says with `X-Forwarded-Proto`, which uvicorn applies only for peers in
`forwarded_allow_ips` — or when `cookie_secure` is set. The hub here is served by a
uvicorn built in this file with the proxy-header settings under test."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
import uvicorn

from hub.app import create_app
from hub.config import Settings
from tests.core.support import unique_name
from tests.harness import PASSWORD
from tests.redis_server import free_port

Serve = Callable[..., Awaitable[str]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """Start a memory hub with `Settings` overrides, its uvicorn trusting proxy headers
    from `settings.forwarded_allow_ips`; its URL."""
    servers: list[tuple[uvicorn.Server, asyncio.Task[None]]] = []

    async def start(**overrides: Any) -> str:
        settings = Settings(**{"port": free_port(), "data": None, "node_id": "cookie-node",
                               "register_per_minute": 0, **overrides})
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=settings.port,
                                log_level="warning", lifespan="on", access_log=False,
                                proxy_headers=True,
                                forwarded_allow_ips=settings.forwarded_allow_ips)
        server = uvicorn.Server(config)
        server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        task = asyncio.create_task(server.serve())
        servers.append((server, task))
        async with asyncio.timeout(10):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)  # uvicorn offers no startup event to await
        return f"http://127.0.0.1:{settings.port}"

    yield start
    for server, task in servers:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 15)


async def cookie_flags(url: str, headers: dict[str, str] | None = None) -> list[str]:
    """The attributes of the kj_session cookie set by a registration and a login, and
    cleared by a logout (each Set-Cookie's attributes, lower-cased)."""
    flags = []
    async with httpx.AsyncClient(base_url=url, timeout=30, headers=headers or {}) as http:
        name = unique_name("sc")
        made = await http.post("/api/register", json={"username": name, "password": PASSWORD})
        login = await http.post("/api/login", json={"username": name, "password": PASSWORD})
        out = await http.post("/api/logout",
                              headers={"authorization": f"Bearer {login.json()['token']}"})
        for response in (made, login, out):
            assert response.status_code in (200, 201), response.text
            flags.append(response.headers["set-cookie"].lower())
    return flags


async def test_https_through_a_trusted_proxy_gets_a_secure_cookie(serve: Serve) -> None:
    url = await serve()  # trusts 127.0.0.1, where the test's requests come from
    for flags in await cookie_flags(url, {"x-forwarded-proto": "https"}):
        assert "; secure" in flags and "httponly" in flags and "samesite=lax" in flags
    for flags in await cookie_flags(url):  # plain HTTP
        assert "secure" not in flags


async def test_an_untrusted_peer_cannot_claim_https(serve: Serve) -> None:
    url = await serve(forwarded_allow_ips="")
    for flags in await cookie_flags(url, {"x-forwarded-proto": "https"}):
        assert "secure" not in flags


async def test_cookie_secure_marks_it_even_over_plain_http(serve: Serve) -> None:
    url = await serve(cookie_secure=True)
    for flags in await cookie_flags(url):
        assert "; secure" in flags
