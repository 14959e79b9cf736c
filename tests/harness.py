"""Running real hubs for tests: in this process (uvicorn on a free port, same event
loop, injectable settings) or as separate `kongjian serve` processes (`HubProcess`, from
`hub.testing`: multi-node, restarts, signals)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import uvicorn

from hub import server
from hub.app import create_app
from hub.client import Client, register
from hub.config import Settings
from hub.shutdown import report_tasks
from hub.testing.process import HubProcess

__all__ = ["HubProcess", "InProcessHub", "Users", "befriend", "eventually"]

PASSWORD = "kj-harness-9pw"  # not on hub/data/common_passwords.txt


class InProcessHub:
    """A hub app served by uvicorn inside the test's event loop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = create_app(settings)
        self.server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.port}"

    @property
    def internal_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.internal_port}"

    @property
    def node(self) -> Any:
        return self.app.state.node

    async def start(self) -> InProcessHub:
        # The same edge as `kongjian serve` (hub/server.py): deadlines, connection
        # limit, internal port, trusted proxies.
        edge = server.build(self.app, self.settings, log_level="warning")
        self.server = edge.server
        self.server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self._task = asyncio.create_task(edge.serve())
        async with asyncio.timeout(10):
            while not self.server.started:
                if self._task.done():
                    self._task.result()
                await asyncio.sleep(0.01)  # uvicorn offers no startup event to await
        return self

    async def stop(self) -> None:
        if self.server is not None and self._task is not None:
            await self.node.drain()
            self.server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                try:
                    await asyncio.wait_for(asyncio.shield(self._task), 15)
                except TimeoutError:
                    report_tasks(15)  # which await the shutdown is stuck on
                    raise


_names = itertools.count(1)


class Users:
    """Registers users with unique names and opens connected clients for them."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.clients: list[Client] = []

    async def new(self, prefix: str = "u", *, connect: bool = True, url: str | None = None
                  ) -> Client:
        name = f"{prefix}{next(_names)}_{os.getpid() % 1000}"[:20]
        reg = await register(url or self.url, name, PASSWORD)
        client = Client(url or self.url, reg["token"], name=name)
        if connect:
            client = await Client.connect(url or self.url, reg["token"], name=name)
        client.name = name
        self.clients.append(client)
        return client

    async def tab(self, of: Client, url: str | None = None, **kw: Any) -> Client:
        """Another connection (tab) of the same user."""
        client = await Client.connect(url or self.url, of.token, name=of.name, **kw)
        self.clients.append(client)
        return client

    async def close(self) -> None:
        for client in self.clients:
            with contextlib.suppress(Exception):
                await client.close()


async def befriend(a: Client, b: Client) -> None:
    """Make a and b friends; returns once both saw `friend.added`."""
    assert b.name is not None and a.name is not None
    await a.call("friend.request", {"to": b.name})
    await b.next_event("friend.request")
    await b.call("friend.accept", {"from": a.name})
    await a.next_event("friend.added")
    await b.next_event("friend.added")


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    """Poll an external condition (a process, a port) until true; tests of our own frames
    wait on the frames themselves instead."""
    async with asyncio.timeout(timeout):
        while not await check():  # noqa: ASYNC110 - no event exists for another process
            await asyncio.sleep(0.02)


async def until(holds: Callable[[], bool], timeout: float = 5.0) -> None:
    """`eventually` for a condition on in-process state that no event announces (a
    registry entry gone, a background task's effect)."""
    async def check() -> bool:
        return holds()
    await eventually(check, timeout)


async def healthy(url: str) -> bool:
    """The hub answers `GET /api/health` with 200 (serving, its engine reachable)."""
    async with httpx.AsyncClient() as http:
        try:
            response = await http.get(url + "/api/health", timeout=1)
        except httpx.HTTPError:
            return False
    return response.status_code == 200
