"""`POST /api/ops/<op>`: the websocket's ops over HTTP, through the same `OpRegistry`.
Each error code maps to its status (errors.HTTP_STATUS) with the reply's `error` object
as the body. Ops are rate-limited per login token (hub/http_ratelimit.py), as the
socket limits a connection, and per user, with the user's sockets."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from hub import auth
from hub.http.common import (
    guarded,
    json_response,
    rate_limited,
    read_json,
    request_token,
    unauthenticated,
)
from hub.node import Node
from hub.ops import Context, OpRegistry


@guarded
async def op_route(request: Request) -> Response:
    node: Node = request.app.state.node
    ops: OpRegistry = request.app.state.ops
    token = request_token(request)
    hashed = auth.token_hash(token) if token else None
    user = hashed and await node.store.session_user(hashed, node.clock.now_ms())
    if not hashed or not user:  # refused before the limiter: no bucket for a bad token
        return unauthenticated()
    data = await read_json(request)  # as on the socket, a malformed body spends no token
    wait = node.http_op_limiter.take(hashed) or node.user_op_limiter.take(user)
    if wait:
        return rate_limited(wait)
    result = await ops.dispatch(Context(node=node, user=user), request.path_params["op"], data)
    return json_response(result)
