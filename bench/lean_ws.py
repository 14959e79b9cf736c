"""A lean websocket load-generator client: one `asyncio.Protocol` per connection.

Per message it does the least Python possible: parse the 2-10 byte frame header, count,
and — when the payload carries the marker (`"sent_ns":` by default) — read the 19-digit
send timestamp that follows it with one `bytes.find` and one `int()` on a slice, giving
an end-to-end latency against `time.time_ns()` taken once per `data_received` call.

* RFC 6455 client: HTTP/1.1 upgrade, masked client frames, unmasked server frames,
  fragmentation, ping → pong, close → close.
* `mode="kongjian"`: the first frame (`hello`) marks the connection ready; a
  `heartbeat` frame is answered with a `ping` op, as the browser client does.
* `mode="sio"`: socket.io / engine.io v4 over the websocket transport
  (`/socket.io/?EIO=4&transport=websocket`): `0{...}` open → send `40` → `40{...}` is
  ready; engine.io ping `2` → pong `3`; events arrive as `42["name",{...}]`.
* `mode="ws"`: the first text frame marks the connection ready.
"""

from __future__ import annotations

import asyncio
import base64
import os
import time
from collections.abc import Sequence
from typing import cast

from hub.loadtest.wsclient import mask_frame

MARKER = b'"sent_ns":'
NS_DIGITS = 19  # time.time_ns() has 19 digits until the year 2286

_time_ns = time.time_ns


class Stats:
    """Counters shared by all connections of one run."""

    def __init__(self) -> None:
        self.received = 0  # text messages
        self.marked = 0  # messages that carried the marker (deliveries)
        self.lat: list[int] = []  # ns, one per marked message
        self.record = True
        self.closed = 0
        self.close_codes: dict[int, int] = {}
        self._threshold = 1 << 62
        self._waiter: asyncio.Future[None] | None = None

    def reset(self) -> None:
        self.marked = 0
        self.lat = []

    def _reached(self) -> None:
        self._threshold = 1 << 62
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def until(self, marked: int, timeout: float) -> bool:
        """Wait until `marked` deliveries were counted; False on timeout."""
        if self.marked >= marked:
            return True
        self._waiter = asyncio.get_running_loop().create_future()
        self._threshold = marked
        try:
            await asyncio.wait_for(self._waiter, timeout)
            return True
        except TimeoutError:
            return False
        finally:
            self._threshold = 1 << 62
            self._waiter = None


class LeanWS(asyncio.Protocol):
    def __init__(self, host: str, port: int, path: str, stats: Stats, *,
                 mode: str = "ws", marker: bytes = MARKER, digits: int = NS_DIGITS) -> None:
        self.host, self.port, self.path = host, port, path
        self.stats = stats
        self.mode = mode
        self.sio = mode == "sio"
        self.kongjian = mode == "kongjian"
        self.marker = marker
        self.mlen = len(marker)
        self.digits = digits
        self.transport: asyncio.Transport | None = None
        self.upgraded = False
        self.buf = b""
        self.frag: list[bytes] | None = None
        self.now = 0
        self.first: bytes | None = None  # the ready frame (Kongjian's hello)
        loop = asyncio.get_running_loop()
        self.ready: asyncio.Future[None] = loop.create_future()
        self.lost: asyncio.Future[None] = loop.create_future()
        self.close_code: int | None = None
        self.replies: asyncio.Queue[bytes] | None = None  # control/other messages, if wanted

    # ---------------------------------------------------------------- asyncio
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.Transport, transport)  # uvloop's is no subclass of it
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write((
            f"GET {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())

    def connection_lost(self, exc: Exception | None) -> None:
        self.stats.closed += 1
        if self.close_code is not None:
            codes = self.stats.close_codes
            codes[self.close_code] = codes.get(self.close_code, 0) + 1
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(
                f"closed before ready (code {self.close_code}): {exc}"))
        if not self.lost.done():
            self.lost.set_result(None)

    def data_received(self, data: bytes) -> None:
        self.now = _time_ns()
        if self.buf:
            data = self.buf + data
            self.buf = b""
        if not self.upgraded:
            end = data.find(b"\r\n\r\n")
            if end < 0:
                self.buf = data
                return
            status = data[:data.find(b"\r\n")]
            if b" 101 " not in status + b" ":
                if not self.ready.done():
                    self.ready.set_exception(ConnectionError(f"upgrade refused: {status!r}"))
                assert self.transport is not None
                self.transport.close()
                return
            self.upgraded = True
            data = data[end + 4:]
        n = len(data)
        pos = 0
        while n - pos >= 2:
            b0 = data[pos]
            length = data[pos + 1] & 0x7F
            start = pos + 2
            if length == 126:
                if n - pos < 4:
                    break
                length = int.from_bytes(data[pos + 2:pos + 4], "big")
                start = pos + 4
            elif length == 127:
                if n - pos < 10:
                    break
                length = int.from_bytes(data[pos + 2:pos + 10], "big")
                start = pos + 10
            end = start + length
            if end > n:
                break
            opcode = b0 & 0x0F
            if opcode == 1 and b0 & 0x80:
                self._text(data, start, end)
            elif opcode in (0, 1, 2):
                self._fragment(data[start:end], opcode, b0 & 0x80)
            else:
                self._control(opcode, data[start:end])
            pos = end
        if pos < n:
            self.buf = data[pos:]

    # ---------------------------------------------------------------- messages
    def _text(self, data: bytes, start: int, end: int) -> None:
        stats = self.stats
        stats.received += 1
        i = data.find(self.marker, start, end)
        if i >= 0:
            if stats.record:
                j = i + self.mlen
                stats.lat.append(self.now - int(data[j:j + self.digits]))
            stats.marked += 1
            if stats.marked >= stats._threshold:
                stats._reached()
            return
        self._other(data[start:end])

    def _other(self, msg: bytes) -> None:
        if self.sio:
            if msg == b"2":
                self.send_text(b"3")
                return
            if msg[:1] == b"0":
                self.send_text(b"40")
                return
            if msg[:2] == b"40":
                if not self.ready.done():
                    self.first = msg
                    self.ready.set_result(None)
                return
        elif not self.ready.done():
            self.first = msg
            self.ready.set_result(None)
            return
        elif self.kongjian and msg.startswith(b'{"type":"heartbeat"'):
            self.send_text(b'{"op":"ping","ref":null,"data":{}}')
            return
        if self.replies is not None:
            self.replies.put_nowait(msg)

    def _fragment(self, payload: bytes, opcode: int, fin: int) -> None:
        if opcode != 0:
            self.frag = [payload]
            self.frag_text = opcode == 1
        elif self.frag is not None:
            self.frag.append(payload)
        if fin and self.frag is not None:
            whole = b"".join(self.frag)
            self.frag = None
            if self.frag_text:
                self._text(whole, 0, len(whole))

    def _control(self, opcode: int, payload: bytes) -> None:
        assert self.transport is not None
        if opcode == 9:  # ping
            if not self.transport.is_closing():
                self.transport.write(mask_frame(10, payload))
        elif opcode == 8:  # close
            self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            if not self.transport.is_closing():
                self.transport.write(mask_frame(8, payload[:2]))
                self.transport.close()

    # ---------------------------------------------------------------- sending
    def send_text(self, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(mask_frame(1, payload))

    def close(self, code: int = 1000) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(mask_frame(8, code.to_bytes(2, "big")))
            self.transport.close()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()


async def connect(host: str, port: int, path: str, stats: Stats, *, mode: str = "ws",
                  local_addr: str | None = None, timeout: float = 15.0,
                  marker: bytes = MARKER, digits: int = NS_DIGITS) -> LeanWS:
    loop = asyncio.get_running_loop()
    _, proto = await asyncio.wait_for(loop.create_connection(
        lambda: LeanWS(host, port, path, stats, mode=mode, marker=marker, digits=digits),
        host, port, local_addr=(local_addr, 0) if local_addr else None), timeout)
    try:
        await asyncio.wait_for(proto.ready, timeout)
    except BaseException:
        proto.abort()
        raise
    return proto


async def connect_many(host: str, port: int, paths: Sequence[str], stats: Stats, *,
                       mode: str = "ws", local_addrs: Sequence[str] = (),
                       concurrency: int = 200, timeout: float = 30.0,
                       marker: bytes = MARKER, digits: int = NS_DIGITS,
                       per_addr: int = 28000, offset: int = 0,
                       ) -> tuple[list[LeanWS], list[str]]:
    """Open one connection per path, at most `concurrency` handshakes at a time; spread
    over `local_addrs` (`per_addr` each, to stay inside one address's port range;
    `offset`: how many earlier calls already placed)."""
    sem = asyncio.Semaphore(concurrency)
    conns: list[LeanWS | None] = [None] * len(paths)
    errors: list[str] = []

    async def one(i: int, path: str) -> None:
        slot = min((offset + i) // per_addr, len(local_addrs) - 1)
        addr = local_addrs[slot] if local_addrs else None
        async with sem:
            try:
                conns[i] = await connect(host, port, path, stats, mode=mode, local_addr=addr,
                                         timeout=timeout, marker=marker, digits=digits)
            except (OSError, TimeoutError, ConnectionError) as exc:
                errors.append(f"{type(exc).__name__}: {exc}")

    await asyncio.gather(*(one(i, p) for i, p in enumerate(paths)))
    return [c for c in conns if c is not None], errors


async def close_all(conns: Sequence[LeanWS], within: float = 5.0) -> None:
    for c in conns:
        c.close()
    pending = [c.lost for c in conns if not c.lost.done()]
    if pending:
        _, still = await asyncio.wait(pending, timeout=within)
        if still:
            for c in conns:
                if not c.lost.done():
                    c.abort()
