"""The node's live feed: one Redis pub/sub connection, read by a small RESP parser.

Every live frame of every user this node serves arrives here, so this is the Redis
engine's hottest path. redis-py's `PubSub` would parse each message through several
layers of Python objects; here `data_received` splits the socket's bytes into messages
and hands the payloads — the exact frames a client will get — to the sink, all of one
read in one call.

It speaks only what a subscribed connection needs (RESP2): `AUTH`, `SUBSCRIBE`,
`UNSUBSCRIBE`, and the replies `+OK`, `-ERR`, and arrays of bulk strings and integers.
`SUBSCRIBE` resolves only once Redis confirms it, which is what lets the broker promise
that nothing published after `subscribe()` returns is missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

log = logging.getLogger("hub.redis.live")

MessageSink = Callable[[list[tuple[bytes, bytes]]], None]  # [(channel, payload), …]

_MESSAGE = b"message"
_SUBSCRIBE = b"subscribe"
# How every published message starts: `*3 $7 message $<channel length>`.
_MESSAGE_HEAD = b"*3\r\n$7\r\nmessage\r\n$"
_MESSAGE_HEAD_LEN = len(_MESSAGE_HEAD)


class LiveError(ConnectionError):
    """The live connection failed or was refused (for example a wrong password)."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: bool = False

    @classmethod
    def from_url(cls, url: str) -> Endpoint:
        parts = urlsplit(url)
        if parts.scheme not in ("redis", "rediss"):
            raise ValueError(f"unsupported Redis URL scheme {parts.scheme!r}")
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 6379,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            tls=parts.scheme == "rediss",
        )


def pack(*args: bytes | str) -> bytes:
    """One command in RESP."""
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        raw = arg.encode() if isinstance(arg, str) else arg
        out.append(b"$%d\r\n%s\r\n" % (len(raw), raw))
    return b"".join(out)


class LiveConnection(asyncio.Protocol):
    def __init__(self, sink: MessageSink) -> None:
        self.sink = sink
        self.transport: asyncio.Transport | None = None
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tail = b""
        self._confirm: dict[bytes, list[asyncio.Future[None]]] = {}
        self._ok: list[asyncio.Future[None]] = []

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
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
        if self._tail:
            data = self._tail + data
        end = len(data)
        pos = 0
        find = data.find
        messages: list[tuple[bytes, bytes]] = []
        try:
            while pos < end:
                if data.startswith(_MESSAGE_HEAD, pos):
                    # The fast path, for nearly everything this connection reads: a
                    # published message, cut out with two finds and two int()s.
                    head = pos + _MESSAGE_HEAD_LEN
                    stop = find(b"\r\n", head)
                    if stop < 0:
                        break
                    channel_start = stop + 2
                    channel_end = channel_start + int(data[head:stop])
                    head = channel_end + 3  # past "\r\n$"
                    if head > end:
                        break
                    if data[channel_end:head] != b"\r\n$":
                        raise ValueError(f"bad message at {pos}")
                    stop = find(b"\r\n", head)
                    if stop < 0:
                        break
                    payload_start = stop + 2
                    payload_end = payload_start + int(data[head:stop])
                    if payload_end + 2 > end:
                        break
                    messages.append((data[channel_start:channel_end],
                                     data[payload_start:payload_end]))
                    pos = payload_end + 2
                    continue
                parsed = _parse(data, pos)
                if parsed is None:
                    break
                item, pos = parsed
                if messages:  # in order: what was published before a confirmation first
                    self.sink(messages)
                    messages = []
                self._handle(item)
        except ValueError as exc:  # not RESP: nothing after this point can be trusted
            log.error("live connection: %s", exc)
            if self.transport is not None:
                self.transport.abort()
            end = pos  # drop the rest, but not the whole messages read before it
        finally:
            if messages:
                self.sink(messages)
        self._tail = data[pos:] if pos < end else b""

    def _handle(self, item: list[bytes | int] | bytes | LiveError) -> None:
        if isinstance(item, list):
            kind = item[0]
            if kind == _MESSAGE:
                channel, payload = item[1], item[2]
                assert isinstance(channel, bytes) and isinstance(payload, bytes)
                self.sink([(channel, payload)])
            elif kind == _SUBSCRIBE:
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

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


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


def _line(data: bytes, pos: int) -> tuple[bytes, int] | None:
    end = data.find(b"\r\n", pos)
    if end < 0:
        return None
    return data[pos:end], end + 2


def _parse(data: bytes, pos: int) -> tuple[list[bytes | int] | bytes | LiveError, int] | None:
    """One RESP2 reply at `pos`: (reply, position after it), or None if incomplete."""
    head = _line(data, pos)
    if head is None:
        return None
    line, pos = head
    marker = line[:1]
    if marker == b"+":
        return line[1:], pos
    if marker == b"-":
        return LiveError(line[1:].decode(errors="replace")), pos
    if marker != b"*":
        raise ValueError(f"unexpected reply {line[:40]!r}")
    items: list[bytes | int] = []
    for _ in range(int(line[1:])):
        head = _line(data, pos)
        if head is None:
            return None
        line, pos = head
        marker = line[:1]
        if marker == b"$":
            size = int(line[1:])
            stop = pos + size
            if stop + 2 > len(data):
                return None
            items.append(data[pos:stop])
            pos = stop + 2
        elif marker == b":":
            items.append(int(line[1:]))
        else:
            raise ValueError(f"unexpected array element {line[:40]!r}")
    return items, pos


async def close_quietly(conn: LiveConnection | None) -> None:
    if conn is None:
        return
    conn.close()
    with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
        await asyncio.wait_for(asyncio.shield(conn.lost), 1.0)
