"""`GET /api/health`, `GET /metrics` and the client's page `GET /`.

With `--internal-port`, the public port's health says only the status (what a balancer
needs), and the details (node, pid, connections, engine state) are for the internal
port; `/metrics` is not reachable from the public port at all (`hub.http.internal`).
"""

from __future__ import annotations

import os

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from hub.http.common import json_response
from hub.http.internal import on_internal_port
from hub.node import Node


async def health(request: Request) -> Response:
    node: Node = request.app.state.node
    store, broker = node.store.health(), node.broker.health()
    degraded = store.get("redis") == "down" or broker.get("listener") == "reconnecting"
    status = "draining" if node.draining else "degraded" if degraded else "ok"
    code = 200 if status == "ok" else 503
    if not on_internal_port(request.scope, node.settings.internal_port):
        return json_response({"status": status}, code)
    body = {"status": status, "engine": node.engine, "node": node.settings.node_id,
            "pid": os.getpid(), "connections": node.registry.count(), "store": store,
            "broker": broker}
    return json_response(body, code)


async def metrics(request: Request) -> Response:
    node: Node = request.app.state.node
    return Response(node.metrics.render(), media_type="text/plain; version=0.0.4")


async def index(request: Request) -> Response:
    return FileResponse(request.app.state.node.settings.static_dir / "index.html")
