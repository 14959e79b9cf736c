"""A loopback TCP proxy that can freeze connections: their sockets stay open but no
byte passes either way any more, as when a host vanishes or a NAT forgets the flow.
Connections made after a freeze pass normally."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable


class Flow:
    """One proxied connection."""

    def __init__(self) -> None:
        self.sent = b""  # the client's first bytes, to tell connections apart
        self.frozen = False
        self.writers: list[asyncio.StreamWriter] = []


class FreezingProxy:
    def __init__(self, target_port: int, host: str = "127.0.0.1") -> None:
        self.host = host
        self.target_port = target_port
        self.port = 0
        self.flows: list[Flow] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    async def start(self) -> FreezingProxy:
        self._server = await asyncio.start_server(self._accept, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def freeze(self, which: Callable[[Flow], bool]) -> int:
        """Freeze the open connections `which` picks; returns how many."""
        picked = [flow for flow in self.flows if not flow.frozen and which(flow)]
        for flow in picked:
            flow.frozen = True
        return len(picked)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for flow in self.flows:
            for writer in flow.writers:
                writer.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
                      ) -> None:
        flow = Flow()
        up_reader, up_writer = await asyncio.open_connection(self.host, self.target_port)
        flow.writers = [writer, up_writer]
        self.flows.append(flow)
        for source, sink, upstream in ((reader, up_writer, True), (up_reader, writer, False)):
            task = asyncio.create_task(self._pump(flow, source, sink, upstream))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pump(self, flow: Flow, source: asyncio.StreamReader,
                    sink: asyncio.StreamWriter, upstream: bool) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await source.read(65536):
                if upstream and len(flow.sent) < 256:
                    flow.sent += data[: 256 - len(flow.sent)]
                if flow.frozen:
                    continue  # swallowed: the peer hears nothing, and no FIN either
                sink.write(data)
                await sink.drain()
        if not flow.frozen:
            sink.close()
