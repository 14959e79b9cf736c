"""The composition root: `create_app(settings)` builds the node (engine, registry,
metrics), the op registry and the routes, and starts and stops them in the lifespan.
Two apps on one Redis are two nodes — tests use exactly that."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket

from hub import engines, producers
from hub.admin import ADMIN_ROUTES
from hub.clock import Clock, SystemClock
from hub.config import Settings
from hub.gateway import websocket_endpoint
from hub.http import accounts, oproute, status
from hub.http.internal import PublicPortGuard
from hub.node import Node
from hub.ops import default_registry
from hub.transport import RAW_SEND_KEY

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; media-src 'self' blob: data:; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    """Adds CSP and friends to every HTTP response (pure ASGI: websockets untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HubApp(Starlette):
    """Starlette, with the hub's websocket endpoint dispatched before the middleware
    stack and the router: an open socket keeps its whole call chain alive, and at tens
    of thousands of idle connections every coroutine frame counts. Each websocket's
    scope also remembers the server's own `send`, so `transport.transport_for` can
    find the protocol object behind it."""

    def __init__(self, *, sockets: dict[str, Callable[[WebSocket], Awaitable[None]]],
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sockets = sockets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            scope[RAW_SEND_KEY] = send
            endpoint = self.sockets.get(scope["path"])
            if endpoint is not None:
                scope["app"] = self
                await endpoint(WebSocket(scope, receive=receive, send=send))
                return
        await super().__call__(scope, receive, send)


def create_app(settings: Settings, clock: Clock | None = None) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store, broker, engine = engines.build(settings)
        node = Node(settings, store, broker, clock or SystemClock(), engine)
        app.state.node = node
        app.state.ops = default_registry()
        await node.start()
        if engine == "redis":
            from hub.channels.ingress import IngressConsumer

            node.add_service(IngressConsumer(  # type: ignore[arg-type]
                node, broker, settings.ingress_claim_idle))
        try:
            yield
        finally:
            await node.close()

    routes = [
        Route("/", status.index),
        Route("/api/register", accounts.register, methods=["POST"]),
        Route("/api/login", accounts.login, methods=["POST"]),
        Route("/api/logout", accounts.logout, methods=["POST"]),
        Route("/api/password", accounts.change_password, methods=["POST"]),
        Route("/api/ops/{op:path}", oproute.op_route, methods=["POST"]),
        Route("/api/server/publish", producers.publish_route, methods=["POST"]),
        Route("/api/health", status.health),
        Route("/metrics", status.metrics),
        *ADMIN_ROUTES,
        WebSocketRoute("/ws", websocket_endpoint),
        Mount("/static", StaticFiles(directory=settings.static_dir, check_dir=False),
              name="static"),
    ]
    app = HubApp(routes=routes, lifespan=lifespan, sockets={"/ws": websocket_endpoint})
    if settings.internal_port is not None:
        app.add_middleware(PublicPortGuard, internal_port=settings.internal_port)
    app.add_middleware(SecurityHeaders)  # added last: outermost, so the guard's 404 has it
    return app
