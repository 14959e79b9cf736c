"""The load tester's lean websocket client against a real in-process hub: hello,
events in seq order, request/reply, heartbeat answers, resume after a dropped socket."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from hub.client import KjClosed
from hub.loadtest.wsclient import LeanClient, mask_frame
from tests.loadtest.conftest import SERVER_KEY, start_hub

KEY = {"authorization": f"Bearer {SERVER_KEY}"}


async def tokens(url: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=url) as http:
        r = await http.post("/api/admin/seed", headers=KEY, json={
            "users": ["lc_1", "lc_2"], "password": "password123",
            "friendships": [["lc_1", "lc_2"]]})
    return r.json()["tokens"]  # type: ignore[no-any-return]


async def until(check: Any, timeout: float = 5.0) -> None:
    """Poll client state that has no hook to wait on (connections, open)."""
    async with asyncio.timeout(timeout):
        while not check():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


def test_mask_frame_round_trips() -> None:
    for size in (0, 5, 125, 126, 70_000):
        payload = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
        frame = mask_frame(1, payload)
        head = 2 + (2 if 126 <= size < 65536 else 8 if size >= 65536 else 0)
        key, body = frame[head:head + 4], frame[head + 4:]
        assert bytes(b ^ key[i % 4] for i, b in enumerate(body)) == payload


async def test_events_replies_heartbeats_and_resume() -> None:
    hub = await start_hub(heartbeat_interval=0.2, idle_timeout=1.0)
    try:
        tok = await tokens(hub.url)
        got: list[dict[str, Any] | None] = []
        bob = await LeanClient.connect(hub.url, tok["lc_2"], on_event=lambda f, _: got.append(f))
        alice = await LeanClient.connect(hub.url, tok["lc_1"], on_event=lambda f, _: None)
        assert bob.open and bob.connections == 1 and "seq" in bob.hello
        mood = await alice.call("mood.post", {"text": "one", "visibility": "friends"})
        assert mood["mood"]["text"] == "one"
        await until(lambda: len(got) == 1)
        await asyncio.sleep(1.5)  # past idle_timeout: answered heartbeats keep bob open
        assert bob.open and bob.connections == 1
        assert bob.transport is not None
        bob.transport.abort()  # a dropped socket: resumes with since=<last id>
        await alice.call("mood.post", {"text": "two", "visibility": "friends"})
        await until(lambda: bob.connections == 2 and bob.open and len(got) == 2)
        assert [f["data"]["mood"]["text"] for f in got if f] == ["one", "two"]
        assert got[1] is not None and got[0] is not None and got[1]["seq"] == got[0]["seq"] + 1
        await asyncio.gather(alice.close(), bob.close())
        assert bob.close_code == 1000 and not bob.open
    finally:
        await hub.stop()


async def test_a_refused_token_fails_the_connect(hub: Any) -> None:
    with pytest.raises(KjClosed):
        await LeanClient.connect(hub.url, "not-a-token", on_event=lambda f, _: None, timeout=5)
