"""The server edge: the one place that builds uvicorn's `Config` and `Server`, for
`kongjian serve` and for the tests' in-process hubs alike, and the HTTP/1.1 protocol
every connection starts on (`EdgeProtocol`). What it adds to uvicorn:

* Deadlines. A connection must send complete request headers within `header_timeout`
  seconds of connecting, or of the first byte of a later keep-alive request: one
  absolute deadline, not reset by each byte, so a client trickling header lines
  (slowloris) is closed like a silent one. A request body that makes no progress for
  as long is closed too (while the app has not asked for more, the client is not the
  one stalling). Where no answer has begun, the client is told `408` first; a socket
  that never sent a byte is just closed. Between requests, uvicorn's own keep-alive
  timeout rules.
* A limit on open connections, HTTP and websockets together (uvicorn's own check lets
  every websocket upgrade through and answers in plain text). A new connection past
  it gets `503` with the JSON error body, whether it asked for a page or an upgrade;
  a connection once admitted stays admitted. The internal port is never refused, so
  monitoring still sees an overloaded node.
* One `Server` on several listening sockets: the public port and `--internal-port`.
  Telling them apart is the app's business (`hub.http.internal`), by the port in
  `scope["server"]`.
* Trusted proxies: `X-Forwarded-For` / `-Proto` are believed from
  `forwarded_allow_ips` only (uvicorn's `ProxyHeadersMiddleware`).

It does not route, drain (`hub.__main__`, `Node.drain`) or decide what is logged
(`hub.logs`; this module only installs its configuration).

uvicorn private API used here, pinned in pyproject.toml and checked by
tests/unit/test_uvicorn_internals.py: `H11Protocol`'s `conn`, `cycle`, `flow`,
`connections`, `server`, `transport`, `app`, `loop`, `server_state`, `logger` and its
`handle_websocket_upgrade`; `RequestResponseCycle`'s `disconnected`, `message_event`,
`response_complete` and `waiting_for_100_continue`; `FlowControl.read_paused`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import socket
import sys
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import h11
import orjson
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from hub.config import Settings
from hub.errors import ErrorCode
from hub.logs import uvicorn_log_config

log = logging.getLogger("hub.server")

RESERVE = 64  # descriptors kept back from the limit: data file, Redis, logs, internal port
WARN_EVERY = 10.0  # seconds between two warnings that the connection limit refuses
BACKLOG = 2048  # uvicorn's default


def concurrency_limit(settings: Settings) -> int:
    """`limit_concurrency`, or by default the soft open-files limit less `RESERVE`: past
    that, accepting fails anyway (EMFILE) and takes Redis and the data file with it."""
    if settings.limit_concurrency is not None:
        return settings.limit_concurrency
    try:
        import resource
    except ImportError:  # pragma: no cover - not a Unix: nothing to derive it from
        return sys.maxsize
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return sys.maxsize
    return max(1, soft - RESERVE)


def error_body(code: ErrorCode, message: str) -> bytes:
    """The body of every HTTP error, here as elsewhere (`hub.http.common`)."""
    return orjson.dumps({"code": code.value, "message": message})


@dataclass
class Refusals:
    """Connections the limit turned away, shared by every connection of one server: one
    warning per `WARN_EVERY` seconds instead of one per refused connection."""

    limit: int
    body: bytes = b""
    since_warning: int = 0
    warned_at: float = -math.inf

    def __post_init__(self) -> None:
        self.body = error_body(ErrorCode.UNAVAILABLE, f"the server is at its limit of "
                               f"{self.limit} open connections; try again shortly")

    def note(self, now: float) -> None:
        self.since_warning += 1
        if now - self.warned_at >= WARN_EVERY:
            log.warning("connection limit (%d open) reached: %d new connection(s) refused "
                        "with 503 since the last warning", self.limit, self.since_warning)
            self.since_warning, self.warned_at = 0, now


class EdgeConfig(uvicorn.Config):
    """uvicorn's `Config` plus what `EdgeProtocol` reads from it."""

    def __init__(self, app: Any, *, header_timeout: float, connection_limit: int,
                 internal_port: int | None, **options: Any) -> None:
        super().__init__(app, **options)
        self.header_timeout = header_timeout
        self.connection_limit = connection_limit
        self.internal_port = internal_port
        self.refusals = Refusals(connection_limit)
        self.timed_out = error_body(
            ErrorCode.BAD_REQUEST, f"the request did not arrive within {header_timeout:g} s")


class EdgeProtocol(H11Protocol):
    """uvicorn's h11 protocol with the header and body deadlines and the connection
    limit (module docstring). After a websocket upgrade the connection belongs to the
    websocket protocol, and nothing here touches it again."""

    def __init__(self, config: EdgeConfig, server_state: Any, app_state: dict[str, Any],
                 _loop: asyncio.AbstractEventLoop | None = None) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.header_timeout = config.header_timeout
        self.connection_limit = config.connection_limit
        self.internal_port = config.internal_port
        self.refusals = config.refusals
        self.timed_out = config.timed_out
        self.routed_app = self.app
        self.app = self.admit_http  # what uvicorn runs for each request
        self.admitted = False
        self.upgraded = False
        self.header_timer: asyncio.TimerHandle | None = None
        self.body_timer: asyncio.TimerHandle | None = None
        self.body_progress = 0.0
        self.body_held = False  # the app, not the client, held the body back

    # -- the connection's life -------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.header_timer = self.loop.call_later(self.header_timeout, self.headers_late)

    def connection_lost(self, exc: Exception | None) -> None:
        self.stop_timers()
        self.app = self.routed_app  # drop the cycle through the bound method
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self.watch()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self.watch()  # a pipelined request may have been parsed from the buffer

    def handle_websocket_upgrade(self, event: h11.Request) -> None:
        self.stop_timers()
        # No HTTP request follows on this protocol object. Without the cycle through the
        # bound method it is freed by reference counting the moment the socket is
        # handed over, not left for the cyclic collector (hub.gcpolicy).
        self.app = self.routed_app
        if not self.admit():
            self.answer(503, self.refusals.body, (b"retry-after", b"1"))
            return
        self.upgraded = True
        super().handle_websocket_upgrade(event)

    # -- deadlines ---------------------------------------------------------------------

    def watch(self) -> None:
        """Arm or drop the deadlines for where the request now stands."""
        if self.upgraded or self.transport.is_closing():
            self.stop_timers()
            return
        state = self.conn.their_state
        if state is h11.IDLE:
            # Bytes of a request whose headers are not complete: the deadline of a later
            # keep-alive request starts at its first byte (of the first, at connect).
            if self.header_timer is None and self.conn.trailing_data[0]:
                self.header_timer = self.loop.call_later(self.header_timeout,
                                                         self.headers_late)
        elif state is h11.SEND_BODY:
            self.cancel_header_timer()
            self.body_progress = self.loop.time()
            if self.body_timer is None:
                self.body_timer = self.loop.call_later(self.header_timeout, self.body_check)
        else:
            self.stop_timers()

    def headers_late(self) -> None:
        self.header_timer = None
        if self.upgraded or self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        if self.conn.trailing_data[0]:
            log.debug("%s: request headers not complete within %g s", self._peer(),
                      self.header_timeout)
            self.answer(408, self.timed_out)
        else:  # never asked anything: there is nothing to answer
            with contextlib.suppress(h11.LocalProtocolError):
                self.conn.send(h11.ConnectionClosed())
            self.transport.close()

    def body_check(self) -> None:
        self.body_timer = None
        if (self.upgraded or self.transport.is_closing()
                or self.conn.their_state is not h11.SEND_BODY):
            return
        now = self.loop.time()
        cycle = self.cycle
        if self.flow.read_paused or (cycle is not None and cycle.waiting_for_100_continue):
            self.body_held = True  # the app has not asked for more yet: not a stall
        elif self.body_held:
            self.body_held, self.body_progress = False, now  # it has now: the clock restarts
        idle = now - self.body_progress
        if self.body_held or idle < self.header_timeout:
            delay = self.header_timeout if self.body_held else self.header_timeout - idle
            self.body_timer = self.loop.call_later(delay, self.body_check)
            return
        log.debug("%s: request body stalled for %g s", self._peer(), self.header_timeout)
        if cycle is not None and not cycle.response_complete:
            # The app's receive() now says `http.disconnect` and its send() does nothing,
            # so no late answer follows the 408 on the wire.
            cycle.disconnected = True
            cycle.message_event.set()
        if self.conn.our_state is h11.SEND_RESPONSE:  # nothing of an answer sent yet
            self.answer(408, self.timed_out)
        else:
            self.transport.close()

    def cancel_header_timer(self) -> None:
        if self.header_timer is not None:
            self.header_timer.cancel()
            self.header_timer = None

    def stop_timers(self) -> None:
        self.cancel_header_timer()
        if self.body_timer is not None:
            self.body_timer.cancel()
            self.body_timer = None

    # -- the connection limit ----------------------------------------------------------

    def admit(self) -> bool:
        """Whether this connection is served: once admitted, for its whole life."""
        if self.admitted:
            return True
        internal = self.server is not None and self.server[1] == self.internal_port
        # `connections` holds every open HTTP and websocket connection, this one included.
        if internal or len(self.connections) <= self.connection_limit:
            self.admitted = True
            return True
        self.refusals.note(self.loop.time())
        return False

    async def admit_http(self, scope: Any, receive: Any, send: Any) -> None:
        if self.admit():
            await self.routed_app(scope, receive, send)
            return
        body = self.refusals.body
        await send({"type": "http.response.start", "status": 503, "headers": [
            (b"content-type", b"application/json"), (b"content-length", b"%d" % len(body)),
            (b"retry-after", b"1"), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    # -- answering outside a request cycle ---------------------------------------------

    def answer(self, status: int, body: bytes, *extra: tuple[bytes, bytes]) -> None:
        """Write a whole JSON answer and close: for the moments h11 has no request to
        answer (headers never completed) or the app's cycle is being cut short."""
        headers = [*self.server_state.default_headers,
                   (b"content-type", b"application/json"),
                   (b"content-length", b"%d" % len(body)), *extra, (b"connection", b"close")]
        head = b"HTTP/1.1 %d %s\r\n" % (status, HTTPStatus(status).phrase.encode())
        self.transport.write(head + b"".join(b"%s: %s\r\n" % h for h in headers) + b"\r\n"
                             + body)
        self.transport.close()

    def _peer(self) -> str:
        return f"{self.client[0]}:{self.client[1]}" if self.client else "a client"


class CannotListen(Exception):
    """A listening socket could not be opened; the message says which and why."""


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket, made as asyncio's own `create_server` makes one. The
    protocol number matters: asyncio turns Nagle off (TCP_NODELAY) only on accepted
    sockets whose `proto` says TCP, and `socket.create_server` leaves it 0 — every
    answer written in two parts would then wait for the client's delayed ACK."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError as exc:
        sock.close()
        raise CannotListen(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


@dataclass
class Edge:
    """A built server: uvicorn's `Server` and the sockets it is to serve."""

    server: uvicorn.Server
    sockets: list[socket.socket] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.sockets[0].getsockname()[1])

    @property
    def internal_port(self) -> int | None:
        return int(self.sockets[1].getsockname()[1]) if len(self.sockets) > 1 else None

    async def serve(self) -> None:
        await self.server.serve(sockets=self.sockets)

    def close(self) -> None:
        """Close the sockets of a server that will not be served."""
        for sock in self.sockets:
            sock.close()


def build(app: Any, settings: Settings, *, server_class: type[uvicorn.Server] = uvicorn.Server,
          log_level: str | None = None, timeout_graceful_shutdown: int | None = None) -> Edge:
    """Bind the public (and internal) sockets and build the server for `app`.
    Raises `CannotListen`."""
    if settings.internal_port == 0:
        # The app recognises the internal port by its number, so it must know it.
        raise CannotListen("--internal-port 0 (any free port) is not supported: give a port")
    sockets = [listen(settings.host, settings.port)]
    try:
        if settings.internal_port is not None:
            sockets.append(listen(settings.internal_host or settings.host, settings.internal_port))
        config = EdgeConfig(
            app, header_timeout=settings.header_timeout,
            connection_limit=concurrency_limit(settings),
            internal_port=settings.internal_port,
            host=settings.host, port=int(sockets[0].getsockname()[1]),
            http=EdgeProtocol, ws="websockets-sansio", ws_max_size=settings.max_frame_bytes,
            # the hub's own heartbeats keep sockets alive (hub.node)
            ws_ping_interval=None, ws_ping_timeout=None, ws_per_message_deflate=False,
            lifespan="on", timeout_graceful_shutdown=timeout_graceful_shutdown,
            log_config=uvicorn_log_config(), log_level=log_level or settings.log_level,
            access_log=False, backlog=BACKLOG,
            proxy_headers=True, forwarded_allow_ips=settings.forwarded_allow_ips,
        )
        return Edge(server_class(config), sockets)
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
