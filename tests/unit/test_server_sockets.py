"""The listening sockets hub.server makes must give accepted connections TCP_NODELAY,
as asyncio's own `create_server` does: without it every answer written in two parts
(headers, then body) waited for the client's delayed ACK, ~40 ms a request (seen: the
resume tests' 200 HTTP posts went from 0.6 s to 14 s)."""

from __future__ import annotations

import asyncio
import socket

from hub.server import listen


async def test_accepted_connections_have_nagle_off() -> None:
    loop = asyncio.get_running_loop()
    made: asyncio.Future[int] = loop.create_future()

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            sock = transport.get_extra_info("socket")
            made.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    sock = listen("127.0.0.1", 0)
    assert sock.proto == socket.IPPROTO_TCP
    server = await loop.create_server(Probe, sock=sock)
    try:
        port = sock.getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await asyncio.wait_for(made, 5) != 0
        writer.close()
    finally:
        server.close()
        await server.wait_closed()
