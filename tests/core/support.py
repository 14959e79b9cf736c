"""Helpers of the core suite: a raw websocket peer that can send anything and reads
frame by frame, accounts without a client, and a hub with an injected clock."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import socket
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from hub.app import create_app
from hub.client import register, ws_url
from hub.clock import Clock
from hub.config import Settings
from tests.harness import PASSWORD, InProcessHub

_names = itertools.count(1)


def unique_name(prefix: str = "c") -> str:
    return f"{prefix}{next(_names)}_{os.getpid() % 1000}"[:20]


async def account(url: str, prefix: str = "c") -> tuple[str, str]:
    """Register a fresh user; (username, token)."""
    name = unique_name(prefix)
    reg = await register(url, name, PASSWORD)
    return name, str(reg["token"])


class ClockedHub(InProcessHub):
    """An in-process hub whose node reads time from `clock` (e.g. `ManualClock`)."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        super().__init__(settings)
        self.app = create_app(settings, clock)


def ws_target(url: str, token: str | None = None, since: str | None = None) -> str:
    query = {k: v for k, v in (("token", token), ("since", since)) if v is not None}
    return ws_url(url) + ("?" + urlencode(query) if query else "")


class Raw:
    """A websocket peer speaking protocol v1 by hand: sends any bytes, reads frames in
    order, waits with timeouts."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.refs = itertools.count(1)

    @classmethod
    async def open(cls, url: str, token: str | None = None, *, since: str | None = None,
                   headers: dict[str, str] | None = None, origin: str | None = None,
                   **kw: Any) -> Raw:
        ws = await connect(ws_target(url, token, since), additional_headers=headers,
                           origin=Origin(origin) if origin else None, max_size=None,
                           compression=None, open_timeout=10, ping_interval=None, **kw)
        return cls(ws)

    @classmethod
    async def hello(cls, url: str, token: str | None, *, since: str | None = None, **kw: Any
                    ) -> tuple[Raw, dict[str, Any]]:
        """Connect and read the `hello` frame; (peer, hello data)."""
        raw = await cls.open(url, token, since=since, **kw)
        first = await raw.recv()
        assert first["type"] == "hello", first
        return raw, first["data"]

    async def send(self, frame: str | bytes | dict[str, Any]) -> None:
        if isinstance(frame, dict):
            frame = json.dumps(frame, ensure_ascii=False)  # any int, unlike orjson
        await self.ws.send(frame)

    async def recv(self, timeout: float = 5.0) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.ws.recv(), timeout)
        frame = orjson.loads(raw)
        assert isinstance(frame, dict), frame
        return frame

    async def recv_type(self, kind: str, timeout: float = 5.0) -> dict[str, Any]:
        """The next frame of `type` kind, skipping others (heartbeats, events)."""
        async with asyncio.timeout(timeout):
            while True:
                frame = await self.recv(timeout)
                if frame.get("type") == kind:
                    return frame

    async def reply(self, timeout: float = 5.0) -> dict[str, Any]:
        return await self.recv_type("reply", timeout)

    async def request(self, op: str, data: Any = None, timeout: float = 5.0
                      ) -> dict[str, Any]:
        """Send an op; its reply (skipping replies to frames sent before it)."""
        ref = f"q{next(self.refs)}"
        await self.send({"op": op, "ref": ref, "data": {} if data is None else data})
        async with asyncio.timeout(timeout):
            while True:
                frame = await self.reply(timeout)
                if frame["ref"] == ref:
                    return frame

    async def ping(self) -> None:
        """The connection still answers: a ping gets an ok reply with its ref."""
        frame = await self.request("ping")
        assert frame["ok"] is True and isinstance(frame["data"]["ts"], int), frame

    async def closed(self, timeout: float = 5.0, frames: list[dict[str, Any]] | None = None
                     ) -> int | None:
        """Read frames (into `frames`, if given) until the server closes; the close
        code it sent."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    raw = await self.ws.recv()
                    if frames is not None:
                        frames.append(orjson.loads(raw))
        except ConnectionClosed as exc:
            return exc.rcvd.code if exc.rcvd else None

    async def close(self) -> None:
        await self.ws.close()


async def post_mood(http: httpx.AsyncClient, token: str, text: str, **extra: Any
                    ) -> dict[str, Any]:
    """`mood.post` over HTTP; the mood."""
    response = await http.post("/api/ops/mood.post", json={"text": text, **extra},
                               headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json()["mood"]  # type: ignore[no-any-return]


async def small_rcvbuf_socket(host: str, port: int, size: int = 4096) -> socket.socket:
    """A connected TCP socket whose receive buffer is small, so a peer that stops
    reading backs up to the server quickly."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (host, port))
    return sock
