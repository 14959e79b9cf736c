"""A lean protocol-v1 websocket client for the load tester: one `asyncio.Protocol` per
connection, doing the least Python per received frame.

Why not `hub.client.Client` (websockets' asyncio client): per message it runs a frame
parser, an assembler queue, a reader task wake-up and a keepalive task per connection,
and keeps ~80 GC-tracked objects per connection. At 5,000 connections and ~7,500
deliveries/s per process that saturated the generator's core, and the cyclic GC's full
collections over those objects (0.5-1 s each, in both client processes at once) were
the throughput stalls. Here a connection is this object and its transport; a frame is
sliced out of the read buffer, and an event is parsed once with orjson and handed on.

Scope: RFC 6455 client (masked frames out, unmasked in, fragments, ping → pong, close),
Kongjian `hello`, `event`, `reply` and `heartbeat` frames (presence is dropped, as in
`Client`'s on_event mode), and resumption with `since=<last id>` after a drop.
"""

from __future__ import annotations

import asyncio
import base64
import os
import ssl
import time
from collections.abc import Callable
from typing import Any, cast
from urllib.parse import urlencode, urlsplit

import orjson

from hub.client import RESUMABLE_CLOSES, KjClosed, KjError, reply_data, ws_url

OnEvent = Callable[[dict[str, Any] | None, int], None]  # frame (None: malformed), recv ns
_EVENT = b'{"type":"event"'
_REPLY = b'{"type":"reply"'
_HEARTBEAT = b'{"type":"heartbeat"'
_PING_OP = b'{"op":"ping","ref":null,"data":{}}'
_time_ns = time.time_ns


def mask_frame(opcode: int, payload: bytes) -> bytes:
    """A final client frame; the payload XOR-ed with a random key as one big int."""
    n = len(payload)
    if n < 126:
        head = bytes((0x80 | opcode, 0x80 | n))
    elif n < 65536:
        head = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
    else:
        head = bytes((0x80 | opcode, 0x80 | 127)) + n.to_bytes(8, "big")
    key = os.urandom(4)
    if n:
        k = (key * (n // 4 + 1))[:n]
        payload = (int.from_bytes(payload, "big") ^ int.from_bytes(k, "big")).to_bytes(n, "big")
    return head + key + payload


class LeanClient(asyncio.Protocol):
    """One user's tab. `on_event(frame, now_ns)` gets each event frame as a dict (None
    for one that is not valid JSON); it must not raise."""

    def __init__(self, url: str, token: str | None, on_event: OnEvent, *,
                 reconnect: bool = True, local_addr: tuple[str, int] | None = None) -> None:
        parts = urlsplit(ws_url(url))
        self.tls = parts.scheme == "wss"
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or (443 if self.tls else 80)
        self.path = parts.path or "/ws"
        self.token, self.on_event = token, on_event
        self.reconnect, self.local_addr = reconnect, local_addr
        self.hello: dict[str, Any] = {}
        self.last_id: str | None = None
        self.close_code: int | None = None
        self.connections = 0  # how many times a socket was established
        self.transport: asyncio.Transport | None = None
        self._buf = b""
        self._upgraded = False
        self._frag: list[bytes] | None = None
        self._greeted = False  # this socket's hello arrived
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._ref = 0
        self._ready: asyncio.Future[None] | None = None  # upgrade + hello of this socket
        self._lost: asyncio.Future[None] | None = None
        self._reconnecting: asyncio.Task[None] | None = None
        self._closing = False

    @classmethod
    async def connect(cls, url: str, token: str | None, *, on_event: OnEvent,
                      reconnect: bool = True, timeout: float = 15.0,
                      local_addr: tuple[str, int] | None = None) -> LeanClient:
        client = cls(url, token, on_event, reconnect=reconnect, local_addr=local_addr)
        await client._open(timeout)
        return client

    @property
    def open(self) -> bool:
        return self.transport is not None and self._greeted and self.close_code is None

    # connection
    async def _open(self, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        self._ready, self._lost = loop.create_future(), loop.create_future()
        self._buf, self._upgraded, self._frag, self._greeted = b"", False, None, False
        ctx = ssl.create_default_context() if self.tls else None
        async with asyncio.timeout(timeout):
            await loop.create_connection(lambda: self, self.host, self.port, ssl=ctx,
                                         local_addr=self.local_addr)
            try:
                await self._ready
            except BaseException:
                if self.transport is not None:
                    self.transport.abort()
                raise

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.Transport, transport)  # uvloop's is no subclass of it
        self.transport = transport
        query = {k: v for k, v in (("token", self.token), ("since", self.last_id)) if v}
        target = self.path + ("?" + urlencode(query) if query else "")
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write((f"GET {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                         "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                         f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
                         ).encode())

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self.close_code is None:
            self.close_code = 1006
        code = self.close_code
        if self._ready is not None and not self._ready.done():
            self._ready.set_exception(KjClosed(code, "closed before hello"))
        if self._lost is not None and not self._lost.done():
            self._lost.set_result(None)
        for future in self._pending.values():
            if not future.done():
                future.set_exception(KjClosed(code))
        self._pending.clear()
        if (self.reconnect and not self._closing and self.connections
                and code in RESUMABLE_CLOSES | {1005, 1006}):
            self._reconnecting = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        delay = 0.05
        while not self._closing:
            try:
                await self._open(10.0)
                return
            except KjClosed as exc:
                if exc.code not in RESUMABLE_CLOSES | {1005, 1006}:  # 4401, 4403: final
                    self.reconnect = False
                    return
            except (TimeoutError, OSError, KjError, ValueError):
                pass
            await asyncio.sleep(delay)  # back-off between attempts
            delay = min(delay * 2, 2.0)

    # receiving
    def data_received(self, data: bytes) -> None:
        now = _time_ns()  # one clock read per read() from the socket
        if self._buf:
            data = self._buf + data
            self._buf = b""
        if not self._upgraded:
            end = data.find(b"\r\n\r\n")
            if end < 0:
                self._buf = data
                return
            status = data[:data.find(b"\r\n")]
            if b" 101 " not in status + b" ":
                self._fail(KjError("handshake", status.decode("latin-1")))
                return
            self._upgraded = True
            data = data[end + 4:]
        n, pos = len(data), 0
        while n - pos >= 2:
            b0, length = data[pos], data[pos + 1] & 0x7F
            start = pos + 2
            if length == 126:
                if n - pos < 4:
                    break
                length, start = int.from_bytes(data[pos + 2:pos + 4], "big"), pos + 4
            elif length == 127:
                if n - pos < 10:
                    break
                length, start = int.from_bytes(data[pos + 2:pos + 10], "big"), pos + 10
            end = start + length
            if end > n:
                break
            opcode = b0 & 0x0F
            if opcode == 1 and b0 & 0x80:
                self._text(data[start:end], now)
            elif opcode in (0, 1, 2):
                self._fragment(data[start:end], opcode, b0 & 0x80, now)
            else:
                self._control(opcode, data[start:end])
            pos = end
        if pos < n:
            self._buf = data[pos:]

    def _text(self, msg: bytes, now: int) -> None:
        if not self._greeted:
            self._hello(msg)
        elif msg.startswith(_EVENT):
            try:
                frame = orjson.loads(msg)
                self.last_id = frame.get("id") or self.last_id  # none: a live-only event
            except (orjson.JSONDecodeError, KeyError, TypeError):
                frame = None
            self.on_event(frame, now)
        elif msg.startswith(_REPLY):
            reply = orjson.loads(msg)
            future = self._pending.pop(reply.get("ref"), None)
            if future is not None and not future.done():
                future.set_result(reply)
        elif msg.startswith(_HEARTBEAT):
            self._write(mask_frame(1, _PING_OP))  # as a browser does: resets the idle timer

    def _hello(self, msg: bytes) -> None:
        assert self._ready is not None
        try:
            frame = orjson.loads(msg)
        except orjson.JSONDecodeError:
            frame = {}
        if not isinstance(frame, dict) or frame.get("type") != "hello":
            kind = frame.get("type") if isinstance(frame, dict) else None
            self._fail(KjError("protocol", f"expected hello, got {kind}"))
            return
        self.hello = frame["data"]
        if not self.last_id or self.hello.get("gap"):
            self.last_id = self.hello.get("last_id") or self.last_id
        self.close_code = None
        self._greeted = True
        self.connections += 1
        if not self._ready.done():
            self._ready.set_result(None)

    def _fragment(self, payload: bytes, opcode: int, fin: int, now: int) -> None:
        if opcode != 0:
            self._frag = [payload] if opcode == 1 else None  # binary: not ours, dropped
        elif self._frag is not None:
            self._frag.append(payload)
        if fin and self._frag is not None:
            whole, self._frag = b"".join(self._frag), None
            self._text(whole, now)

    def _control(self, opcode: int, payload: bytes) -> None:
        if opcode == 9:  # ping
            self._write(mask_frame(10, payload))
        elif opcode == 8:  # close: answer it; the server then closes the TCP connection
            self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            self._write(mask_frame(8, payload[:2]))
            if self.transport is not None:
                self.transport.close()

    def _fail(self, exc: Exception) -> None:
        if self._ready is not None and not self._ready.done():
            self._ready.set_exception(exc)
        if self.transport is not None:
            self.transport.close()

    # sending
    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def send(self, text: bytes) -> None:
        if not self.open:
            raise KjClosed(self.close_code)
        self._write(mask_frame(1, text))

    async def request(self, op: str, data: dict[str, Any] | None = None, *,
                      timeout: float = 10.0) -> dict[str, Any]:
        """Send an op and return the whole reply frame."""
        if not self.open and self._reconnecting is not None and not self._reconnecting.done():
            await asyncio.wait_for(asyncio.shield(self._reconnecting), timeout)
        self._ref += 1
        ref = f"r{self._ref}"
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[ref] = future
        try:
            self.send(orjson.dumps({"op": op, "ref": ref, "data": data or {}}))
            return await asyncio.wait_for(future, timeout)
        finally:
            self._pending.pop(ref, None)

    async def call(self, op: str, data: dict[str, Any] | None = None, *,
                   timeout: float = 10.0) -> dict[str, Any]:
        """Send an op and return its reply data; raises `KjError` with the error code."""
        return reply_data(await self.request(op, data, timeout=timeout))

    async def close(self, within: float = 5.0) -> None:
        self._closing = True
        if self._reconnecting is not None:
            self._reconnecting.cancel()
        if self.transport is None:
            return
        self._write(mask_frame(8, (1000).to_bytes(2, "big")))
        assert self._lost is not None
        try:
            await asyncio.wait_for(asyncio.shield(self._lost), within)
        except TimeoutError:
            if self.transport is not None:
                self.transport.abort()
