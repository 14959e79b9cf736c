"""`GET /api/health`, `GET /metrics` and the client's page `GET /`."""

from __future__ import annotations

import os

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from hub.http.common import json_response
from hub.node import Node


async def health(request: Request) -> Response:
    node: Node = request.app.state.node
    store, broker = node.store.health(), node.broker.health()
    degraded = store.get("redis") == "down" or broker.get("listener") == "reconnecting"
    status = "draining" if node.draining else "degraded" if degraded else "ok"
    body = {"status": status, "engine": node.engine, "node": node.settings.node_id,
            "pid": os.getpid(), "connections": node.registry.count(), "store": store,
            "broker": broker}
    return json_response(body, 200 if status == "ok" else 503)


async def metrics(request: Request) -> Response:
    node: Node = request.app.state.node
    return Response(node.metrics.render(), media_type="text/plain; version=0.0.4")


async def index(request: Request) -> Response:
    return FileResponse(request.app.state.node.settings.static_dir / "index.html")
