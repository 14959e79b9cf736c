"""hub.client's reconnect: after the hub goes away it keeps trying — through refused
connections and HTTP errors from whatever answers on the port meanwhile (a proxy's
503) — and resumes without a gap once a hub is back; a refused token ends it."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from hub.client import Client, KjClosed
from tests.core.conftest import MakeHub
from tests.core.support import account
from tests.harness import Users, befriend
from tests.redis_server import free_port


async def _answer_503(attempts: asyncio.Event, port: int) -> asyncio.Server:
    """A stand-in for a proxy in front of a restarting hub."""
    count = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal count
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                     b"Connection: close\r\n\r\n")
        await writer.drain()
        writer.close()
        count += 1
        if count >= 2:
            attempts.set()

    return await asyncio.start_server(handle, "127.0.0.1", port)


async def test_reconnect_survives_http_errors_and_resumes(make_hub: MakeHub,
                                                          tmp_path: Path, engine: str) -> None:
    port = free_port()
    data = tmp_path if engine == "memory" else None  # both hubs must share the data
    first = await make_hub(port=port, data=data)
    users = Users(first.url)
    try:
        alice, bob = await users.new("ra"), await users.new("rb")
        await befriend(alice, bob)
        client = await Client.connect(first.url, alice.token, reconnect=True, name="re")
        users.clients.append(client)
        await first.stop()
        assert await client.wait_closed() == 1001

        attempts = asyncio.Event()
        proxy = await _answer_503(attempts, port)
        await asyncio.wait_for(attempts.wait(), 20)  # the client kept trying through 503s
        proxy.close()
        await proxy.wait_closed()

        second = await make_hub(port=port, data=data)
        bob_again = await Client.connect(second.url, bob.token)
        users.clients.append(bob_again)
        await bob_again.call("mood.post", {"text": "back again"})
        event = await client.next_event("mood", timeout=20)
        assert event.data["mood"]["text"] == "back again"
        assert client.connections == 2
        assert client.hello["gap"] is False
        assert [e.seq for e in client.inbox_events] == list(
            range(client.inbox_events[0].seq, client.last_seq + 1))
    finally:
        await users.close()


async def test_reconnect_stops_when_the_token_is_refused(make_hub: MakeHub) -> None:
    port = free_port()
    first = await make_hub(port=port)
    name, token = await account(first.url, "rt")
    client = await Client.connect(first.url, token, reconnect=True, name=name)
    try:
        await first.stop()
        assert await client.wait_closed() == 1001
        # a hub that does not know the token (fresh data) comes up on the same address
        await make_hub(port=port, key_prefix=f"kjt{uuid.uuid4().hex[:10]}")
        with pytest.raises(KjClosed) as info:
            await client.next_event(timeout=20)
        assert info.value.code == 4401 and client.close_code == 4401
        with pytest.raises(KjClosed):
            await client.call("ping")
    finally:
        await client.close()
