"""Which port a request came in on, and what the public port may not serve.

With `--internal-port`, one server listens on two sockets and the app tells them apart
by the port in `scope["server"]` (a client cannot forge it; `X-Forwarded-*` never
touches it). `/metrics`, `/api/admin/*` and `/api/server/*` are then served on the
internal port only: on the public one `PublicPortGuard` answers them `404` however the
path is spelled — Starlette routes on the percent-decoded path, so `/%6detrics` is
`/metrics` — and `/api/health` there gives only the status (`hub.http.status`).
Without the flag there is one port and it serves everything, as before.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote

from starlette.types import ASGIApp, Receive, Scope, Send

from hub.errors import ErrorCode
from hub.http.common import json_response

# Beginning-with matches on the normalised path, the same as deploy/haproxy.cfg's.
INTERNAL_PREFIXES = ("/metrics", "/api/admin", "/api/server")
_SLASHES = re.compile(r"/+")


def normalized(path: str) -> str:
    """`path` as any router might come to read it: percent-decoded until it stops
    changing, backslashes and repeated slashes as one slash, dot segments resolved,
    no trailing slash, lower case."""
    for _ in range(5):
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    path = _SLASHES.sub("/", "/" + path.replace("\\", "/"))
    return posixpath.normpath(path).lower()


def internal_only(path: str) -> bool:
    """Whether `path` names (or could reach) a route of the internal port."""
    return normalized(path).startswith(INTERNAL_PREFIXES)


def on_internal_port(scope: Scope, internal_port: int | None) -> bool:
    """Whether this request may see internal routes and details: it came in on the
    internal port, or there is none and one port serves everything."""
    if internal_port is None:
        return True
    server = scope.get("server")
    return bool(server) and server[1] == internal_port


class PublicPortGuard:
    """404 for every spelling of an internal route that reaches the public port."""

    def __init__(self, app: ASGIApp, internal_port: int) -> None:
        self.app = app
        self.internal_port = internal_port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not on_internal_port(scope, self.internal_port):
            raw = scope.get("raw_path") or b""
            if internal_only(scope["path"]) or internal_only(raw.decode("latin-1")):
                response = json_response(
                    {"code": ErrorCode.NOT_FOUND.value, "message": "not found"}, 404)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
