"""The node's live feed: one Redis pub/sub connection, read with hiredis.

Every live frame of every user this node serves arrives here, so this is the Redis
engine's hottest path. redis-py's `PubSub` would wrap each message in several layers of
Python objects; here `data_received` feeds the socket's bytes to hiredis's C parser
(half the CPU per message of the best pure-Python cut, bench/micro_fanout.py) and hands
the payloads — the exact frames a client will get — to the sink, a bounded batch per
event-loop turn.

It speaks only what a subscribed connection needs: `AUTH`, `SUBSCRIBE`, `UNSUBSCRIBE`,
`PING`, and their replies. `SUBSCRIBE` resolves only once Redis confirms it, which is what lets
the broker promise that nothing published after `subscribe()` returns is missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from typing import Any, cast

import hiredis

from hub.redis.endpoint import Endpoint
from hub.redis.resp import pack

log = logging.getLogger("hub.redis.live")

# Called with the published messages of one read, in order, each as hiredis gives it:
# [b"message", channel, payload].
MessageSink = Callable[[list[list[bytes]]], None]

# Published messages fanned out per event-loop turn (see `LiveConnection._drain`).
TURN_MESSAGES = 128

_MESSAGE = b"message"
_SUBSCRIBE = b"subscribe"


class LiveError(ConnectionError):
    """The live connection failed or was refused (for example a wrong password)."""


class LiveConnection(asyncio.Protocol):
    def __init__(self, sink: MessageSink) -> None:
        self.sink = sink
        self.transport: asyncio.Transport | None = None
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._reader = hiredis.Reader(replyError=LiveError)  # -ERR comes back as a value
        self._confirm: dict[bytes, list[asyncio.Future[None]]] = {}
        self._ok: list[asyncio.Future[None]] = []
        self._backlog = False  # parsed input left for the next loop turn; reading paused
        # When bytes last arrived: a connection that stays silent after a PING is dead
        # even though TCP has not said so (see `watch`).
        self.last_read = asyncio.get_running_loop().time()

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.Transport, transport)  # uvloop's is no subclass of it
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        error = LiveError(f"live connection lost: {exc or 'closed by Redis'}")
        for waiters in [*self._confirm.values(), self._ok]:
            for fut in waiters:
                if not fut.done():
                    fut.set_exception(error)
        self._confirm.clear()
        self._ok.clear()
        if not self.lost.done():
            self.lost.set_result(None)

    def data_received(self, data: bytes) -> None:
        self.last_read = asyncio.get_running_loop().time()
        self._reader.feed(data)
        if not self._backlog:
            self._drain()

    def _drain(self) -> None:
        """Hand on what the reader holds, at most `TURN_MESSAGES` published messages per
        loop turn. One recv can hold a few hundred frames; fanning them all out in one
        callback would keep the ops waiting on their own Redis replies for as long, so
        past the budget reading pauses and the rest goes on in the next turn."""
        reader, transport = self._reader, self.transport
        messages: list[list[bytes]] = []
        budget = TURN_MESSAGES
        try:
            while (item := reader.gets()) is not False:
                if type(item) is list and len(item) == 3 and item[0] == _MESSAGE:
                    messages.append(item)
                    budget -= 1
                    if budget:
                        continue
                    if not self._backlog and transport is not None:
                        transport.pause_reading()
                    self._backlog = True
                    asyncio.get_running_loop().call_soon(self._drain_later)
                    return
                if messages:  # in order: what was published before a confirmation first
                    batch, messages = messages, []
                    self.sink(batch)
                self._handle(item)
            if self._backlog:
                self._backlog = False
                if transport is not None and not transport.is_closing():
                    transport.resume_reading()
        except hiredis.ProtocolError as exc:  # not RESP: nothing after it can be trusted
            log.error("live connection: %s", exc)
            if transport is not None:
                transport.abort()
        finally:
            if messages:
                self.sink(messages)

    def _drain_later(self) -> None:
        # Outside data_received nothing closes the transport if the sink raises, and a
        # paused feed would stall: fail the connection the way asyncio would, so the
        # broker reconnects and every connection catches up.
        try:
            self._drain()
        except Exception:
            log.exception("live connection: delivering a frame failed")
            if self.transport is not None:
                self.transport.abort()

    def _handle(self, item: Any) -> None:
        if isinstance(item, list):
            kind = item[0] if item else None
            if kind == _SUBSCRIBE:
                channel = item[1]
                assert isinstance(channel, bytes)
                waiters = self._confirm.get(channel)
                if waiters:
                    fut = waiters.pop(0)
                    if not waiters:
                        del self._confirm[channel]
                    if not fut.done():
                        fut.set_result(None)
            return
        if not self._ok:
            log.warning("live connection: unexpected reply %r", item)
            return
        fut = self._ok.pop(0)
        if fut.done():
            return
        if isinstance(item, LiveError):
            fut.set_exception(item)
        else:
            fut.set_result(None)

    # commands
    def _write(self, data: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            raise LiveError("live connection is closed")
        self.transport.write(data)

    async def auth(self, endpoint: Endpoint) -> None:
        if endpoint.password is None:
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._ok.append(fut)
        if endpoint.username:
            self._write(pack("AUTH", endpoint.username, endpoint.password))
        else:
            self._write(pack("AUTH", endpoint.password))
        await fut

    async def subscribe(self, channels: Iterable[bytes]) -> None:
        """Subscribe and wait until Redis confirmed every channel."""
        names = list(channels)
        if not names:
            return
        loop = asyncio.get_running_loop()
        waits = []
        for name in names:
            fut: asyncio.Future[None] = loop.create_future()
            self._confirm.setdefault(name, []).append(fut)
            waits.append(fut)
        self._write(pack(b"SUBSCRIBE", *names))
        await asyncio.gather(*waits)

    def unsubscribe(self, channels: Iterable[bytes]) -> None:
        names = list(channels)
        if names:
            self._write(pack(b"UNSUBSCRIBE", *names))

    def ping(self) -> None:
        # Subscribed, Redis answers ["pong", ""]: any reply at all proves liveness.
        self._write(pack(b"PING"))

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    async def watch(self, every: float) -> None:
        """Return when the connection is lost, or when it stays silent for `every`
        seconds after a PING, which it then aborts. A Redis host that vanished (power,
        partition, a frozen VM) leaves the socket open: without this the node would wait
        for live frames that never come, and its tabs would silently stop updating.
        A PING goes out only after `every` seconds without input, so a busy feed costs
        nothing."""
        loop = asyncio.get_running_loop()
        pinged_at: float | None = None
        while not self.lost.done():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(every):
                    await asyncio.shield(self.lost)
                return
            if pinged_at is not None and self.last_read < pinged_at:
                log.warning("live connection silent %.1fs after a PING; dropping it",
                            loop.time() - pinged_at)
                self.abort()
                await asyncio.shield(self.lost)
                return
            pinged_at = None
            if loop.time() - self.last_read >= every:
                try:
                    self.ping()
                except LiveError:
                    return
                pinged_at = loop.time()


async def open_live(endpoint: Endpoint, sink: MessageSink, timeout: float) -> LiveConnection:
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(timeout):
        _, conn = await loop.create_connection(
            lambda: LiveConnection(sink), endpoint.host, endpoint.port,
            ssl=True if endpoint.tls else None,
        )
        try:
            await conn.auth(endpoint)
        except BaseException:
            conn.close()
            raise
    return conn


async def close_quietly(conn: LiveConnection | None) -> None:
    if conn is None:
        return
    conn.close()
    with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
        await asyncio.wait_for(asyncio.shield(conn.lost), 1.0)
