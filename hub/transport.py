"""How a session's frames reach its socket.

`DirectTransport` is the fast path under uvicorn's `websockets-sansio` protocol: it frames
our already-encoded JSON itself (a server frame is a 2–10 byte header plus the payload,
no masking) and writes to the asyncio transport synchronously, so fan-out to an idle
socket costs no task switch and no ASGI message. It respects the transport's flow control
(`writable`), and can close with a code even while the peer is not reading: the close
frame joins the buffer and the transport is aborted if the peer never collects it.

`AsgiTransport` is the portable fallback for any other ASGI server.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import Sequence
from typing import Any, Protocol

from starlette.websockets import WebSocket, WebSocketState

from hub.primitives import Flag, ReceiveQueue

RAW_SEND_KEY = "kj.raw_send"
ABORT_AFTER = 5.0  # seconds a closing peer gets to read our close frame


class Transport(Protocol):
    direct: bool

    def try_write(self, frame: bytes) -> bool:
        """Write `frame` now if the socket takes it without buffering up (True); False
        when it must wait. Raises ConnectionError once the socket is closing."""
        ...

    def write_now(self, frames: Sequence[bytes]) -> None: ...

    async def wait_writable(self) -> None: ...

    async def send_frame(self, frame: bytes) -> None: ...

    async def close(self, code: int, reason: str) -> None: ...


_SHORT_HEADERS = tuple(bytes((0x81, n)) for n in range(126))
_pack16 = struct.Struct("!BBH").pack
_pack64 = struct.Struct("!BBQ").pack


def text_frame_header(length: int) -> bytes:
    """RFC 6455 header of an unmasked, final text frame of `length` bytes."""
    if length < 126:
        return _SHORT_HEADERS[length]
    if length < 65536:
        return _pack16(0x81, 126, length)
    return _pack64(0x81, 127, length)


class AsgiTransport:
    direct = False

    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws

    def try_write(self, frame: bytes) -> bool:
        return False

    def write_now(self, frames: Sequence[bytes]) -> None:
        raise NotImplementedError

    async def wait_writable(self) -> None:
        return None

    async def send_frame(self, frame: bytes) -> None:
        await self.ws.send({"type": "websocket.send", "text": frame.decode()})

    async def close(self, code: int, reason: str) -> None:
        if self.ws.application_state != WebSocketState.DISCONNECTED:
            with contextlib.suppress(RuntimeError):
                await self.ws.close(code, reason)


class DirectTransport:
    direct = True

    def __init__(self, ws: WebSocket, proto: Any) -> None:
        self.ws = ws
        self.proto = proto
        self.writable = _slim(proto)

    def try_write(self, frame: bytes) -> bool:
        # The fan-out hot path: one call, the fewest attribute loads, one transport write.
        proto = self.proto
        if proto.close_sent or proto.disconnected:
            raise ConnectionError("socket closed")
        if not self.writable.value:
            return False
        size = len(frame)
        proto.transport.write((_SHORT_HEADERS[size] if size < 126 else text_frame_header(size))
                              + frame)
        return True

    def write_now(self, frames: Sequence[bytes]) -> None:
        proto = self.proto
        if proto.close_sent or proto.disconnected:
            raise ConnectionError("socket closed")
        if len(frames) == 1:
            frame = frames[0]
            proto.transport.write(text_frame_header(len(frame)) + frame)
        else:
            proto.transport.write(b"".join(
                text_frame_header(len(f)) + f for f in frames))

    async def wait_writable(self) -> None:
        await self.writable.wait()

    async def send_frame(self, frame: bytes) -> None:
        await self.wait_writable()
        self.write_now((frame,))

    async def close(self, code: int, reason: str) -> None:
        proto = self.proto
        if proto.close_sent or proto.disconnected or proto.transport.is_closing():
            return
        # What uvicorn does for an ASGI close, minus waiting for a writable buffer: a
        # peer that stopped reading must still get its close frame queued (4429).
        proto.queue.put_nowait({"type": "websocket.disconnect", "code": code, "reason": reason})
        proto.conn.send_close(code, reason)
        proto.transport.write(b"".join(proto.conn.data_to_send()))
        proto.close_sent = True
        if proto.read_paused:
            proto.read_paused = False
            proto.transport.resume_reading()
        transport = proto.transport
        proto.close_timer = asyncio.get_running_loop().call_later(ABORT_AFTER, transport.abort)


def _slim(proto: Any) -> Flag:
    """Drop what uvicorn keeps per socket but nobody uses after the handshake, and swap
    its receive queue and `writable` event for ones without deques: an idle connection
    should cost as little as possible (bench/conn_memory.py measures each item)."""
    request = getattr(proto, "request", None)
    if request is not None:
        # The upgrade request's headers (~2 KiB) stay referenced from the websockets
        # parser's generator frame for the socket's life, not only from uvicorn.
        request.headers.clear()
    proto.request = proto.response = None
    queue = getattr(proto, "queue", None)
    if isinstance(queue, asyncio.Queue):  # nobody awaits it yet: the endpoint is here
        pending = []
        while not queue.empty():
            pending.append(queue.get_nowait())
        proto.queue = ReceiveQueue(pending)
    if not isinstance(proto.writable, Flag):
        proto.writable = Flag(proto.writable.is_set())
    return proto.writable


def _sansio_protocol() -> type | None:
    try:
        from uvicorn.protocols.websockets.websockets_sansio_impl import (
            WebSocketsSansIOProtocol,
        )
    except ImportError:  # pragma: no cover - another server or uvicorn version
        return None
    return WebSocketsSansIOProtocol


_SANSIO = _sansio_protocol()


def transport_for(ws: WebSocket) -> Transport:
    raw_send = ws.scope.get(RAW_SEND_KEY)
    proto = getattr(raw_send, "__self__", None)
    if _SANSIO is not None and isinstance(proto, _SANSIO):
        return DirectTransport(ws, proto)
    return AsgiTransport(ws)
