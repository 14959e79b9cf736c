"""A connection's life on the server: `hello` comes first whatever else is going on,
and after the client goes its session leaves the registry and its writer task is gone
(no task left behind per closed socket)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.core.conftest import MakeHub
from tests.core.support import Raw, account
from tests.harness import InProcessHub, eventually


def _tasks_of(user: str) -> list[asyncio.Task[object]]:
    return [t for t in asyncio.all_tasks() if not t.done() and t.get_name().endswith(f":{user}")]


async def test_closed_connections_leave_no_tasks_behind(hub: InProcessHub) -> None:
    name, token = await account(hub.url, "lc")
    for _ in range(5):
        raw, _ = await Raw.hello(hub.url, token)
        await raw.ping()
        await raw.close()
    raw, _ = await Raw.hello(hub.url, token)
    raw.ws.transport.abort()  # a dropped TCP connection, no close handshake

    async def released() -> bool:
        return name not in hub.node.registry.sessions and not _tasks_of(name)

    await eventually(released)


async def test_server_closed_connections_leave_no_tasks_behind(hub: InProcessHub) -> None:
    name, token = await account(hub.url, "ls")
    raw, _ = await Raw.hello(hub.url, token)
    await raw.send(b"\x00" * 70_000)  # over the frame limit: the server closes (1009)
    assert await raw.closed() == 1009

    async def released() -> bool:
        return name not in hub.node.registry.sessions and not _tasks_of(name)

    await eventually(released)


async def test_hello_is_the_first_frame_even_if_heartbeats_come_during_the_resume(
        make_hub: MakeHub, monkeypatch: pytest.MonkeyPatch) -> None:
    """DESIGN §4: the first frame is `hello`. A session is attached (and so reachable by
    heartbeats and presence) before its inbox head is read; nothing may overtake hello."""
    hub = await make_hub(heartbeat_interval=0.05, idle_timeout=5.0)
    name, token = await account(hub.url, "ho")
    _, other_token = await account(hub.url, "hw")
    watcher, _ = await Raw.hello(hub.url, other_token)  # sees the node's heartbeat ticks

    broker = hub.node.broker
    entered, release = asyncio.Event(), asyncio.Event()
    original_head = broker.head

    async def slow_head(user: str) -> Any:
        if user == name:
            entered.set()
            await release.wait()
        return await original_head(user)

    monkeypatch.setattr(broker, "head", slow_head)
    opening = asyncio.create_task(Raw.open(hub.url, token))
    await asyncio.wait_for(entered.wait(), 5)  # attached, reading its inbox head
    for _ in range(2):  # at least one whole heartbeat tick while the resume waits
        await watcher.recv_type("heartbeat")
    release.set()
    raw = await opening
    first = await raw.recv()
    assert first["type"] == "hello", first
    assert (await raw.recv_type("heartbeat"))["type"] == "heartbeat"  # and then the rest
    await raw.close()
    await watcher.close()
