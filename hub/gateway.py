"""The websocket endpoint `/ws`: authenticate, hello, resume, then the read loop.

A refused socket is accepted and closed with its code (a browser cannot read an HTTP
refusal). The order of a (re)connection is what makes resume exact: attach the session
(buffering live frames) → read the inbox after `since` → hello → replayed frames →
buffered frames newer than the replay → live.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.websockets import WebSocket

from hub import levels
from hub.auth import login_id, token_hash
from hub.errors import CloseCode, EngineUnavailable, ErrorCode, OpError
from hub.http.common import SESSION_COOKIE, origin_allowed
from hub.node import Node
from hub.ops import Context, OpRegistry
from hub.protocol import (
    FrameError,
    encode_error,
    encode_hello,
    encode_reply,
    parse_event_id,
    parse_frame,
    seq_of,
)
from hub.ratelimit import TokenBucket
from hub.session import Session
from hub.together import together
from hub.transport import transport_for

log = logging.getLogger("hub.gateway")


async def authenticate(node: Node, token: str | None) -> str | None:
    if not token:
        return None
    return await node.store.session_user(token_hash(token), node.clock.now_ms())


async def websocket_endpoint(ws: WebSocket) -> None:
    node: Node = ws.app.state.node
    ops: OpRegistry = ws.app.state.ops
    await ws.accept()
    if node.draining:
        await ws.close(CloseCode.GOING_AWAY, "server draining")
        return
    if not origin_allowed(ws.headers, node.settings.allowed_origins):
        await ws.close(CloseCode.ORIGIN_REFUSED, "origin not allowed")
        return
    token = ws.query_params.get("token") or ws.cookies.get(SESSION_COOKIE)
    try:
        user = await authenticate(node, token)
    except EngineUnavailable:
        await ws.close(CloseCode.INTERNAL, "storage unavailable; retry")
        return
    if user is None:
        await ws.close(CloseCode.UNAUTHENTICATED, "not authenticated")
        return
    if isinstance(ws.scope.get("headers"), list):
        # Nothing reads the upgrade request's headers again, yet the scope would keep
        # them (~1 KiB) for the socket's whole life.
        ws.scope["headers"].clear()
    settings = node.settings
    session = Session(transport_for(ws), user, max_queue_bytes=settings.max_queue_bytes,
                      catch_up=node.catch_up, on_overflow=node.metrics.slow_closes.inc)
    session.last_recv = node.clock.monotonic()
    session.token_hash = token_hash(token or "")
    session.login = login_id(session.token_hash)
    node.metrics.connections.inc()
    node.metrics.connections_total.inc()
    attached = False
    try:
        try:
            await node.registry.attach(session)
            attached = True
            if not await _resume(node, session, ws.query_params.get("since")):
                await session.close(CloseCode.UNAUTHENTICATED, "logged out")
                return
        except EngineUnavailable:
            await ws.close(CloseCode.INTERNAL, "storage unavailable; retry")
            return
        session.start()
        await _read_loop(ws, node, ops, session)
    finally:
        node.metrics.connections.dec()
        if attached:
            node.registry.detach(session)
        if not session.closed:
            await session.close(CloseCode.NORMAL)
        await session.finish()


async def _resume(node: Node, session: Session, since: str | None) -> bool:
    """Read the inbox head (and what follows `since`); queue hello and the replay.
    False when the login ended meanwhile: nothing is sent then.

    The token is read again here, beside the inbox read, because a logout's `revoked`
    signal reaches only sessions already attached: one that arrived while this socket
    was between its first check and `attach` was missed, but the logout deleted the
    login before it signalled, so this read sees it gone."""
    login = node.store.session_user(session.token_hash, node.clock.now_ms())
    if since:
        user, replay, holder = await together(node.store.get_user(session.user),
                                              node.replay(session.user, since), login)
        head, frames, gap = replay.head, replay.frames, replay.gap
    else:
        user, head, holder = await together(node.store.get_user(session.user),
                                            node.broker.head(session.user), login)
        frames, gap = [], False
    if holder != session.user:
        return False
    if frames:
        last_seq = seq_of(frames[-1]) or head.seq
    elif since and not gap:
        parsed = parse_event_id(since)
        last_seq = parsed[1] if parsed is not None else head.seq
    else:
        last_seq = head.seq
    session.epoch = head.epoch
    hello = encode_hello({
        "user": {
            "username": session.user,
            "display_name": user["display_name"] if user else session.user,
            "level": levels.info(user["points"] if user else 0),
        },
        "last_id": head.last_id, "epoch": head.epoch, "seq": head.seq, "gap": gap,
        "replayed": len(frames), "node": node.settings.node_id, "protocol": 1,
    })
    # Told the head (no frame replayed): it keeps the head's frame, for the crash check.
    session.go_live(frames, last_seq, first=hello,
                    at=head.frame if last_seq == head.seq else None)
    return True


async def _read_loop(ws: WebSocket, node: Node, ops: OpRegistry, session: Session) -> None:
    settings = node.settings
    bucket = TokenBucket(settings.ops_per_second, settings.ops_burst, node.clock.monotonic)
    ctx = Context(node=node, user=session.user)
    while not session.closed:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return
        session.last_recv = node.clock.monotonic()
        raw: Any = message.get("text")
        if raw is None:
            session.send(encode_error(None, ErrorCode.BAD_REQUEST,
                                      "binary frames are not supported; send JSON text"))
            continue
        try:
            request = parse_frame(raw)
        except FrameError as exc:
            session.send(encode_error(exc.ref, ErrorCode.BAD_REQUEST, exc.message))
            continue
        if not bucket.take() or not _user_budget(node, session.user, bucket):
            session.send(encode_error(request.ref, ErrorCode.RATE_LIMITED,
                                      "too many requests; slow down"))
            if bucket.strikes > settings.ops_burst:
                session.close_soon(CloseCode.TOO_SLOW, "too many requests")
            continue
        try:
            data = await ops.dispatch(ctx, request.op, request.data, request.ref)
        except OpError as exc:
            session.send(encode_error(request.ref, exc.code, exc.message))
            continue
        session.send(encode_reply(request.ref, data))


def _user_budget(node: Node, user: str, bucket: TokenBucket) -> bool:
    """Spend one of the user's own tokens (all their sockets and HTTP calls on this node
    share them); a refusal is a strike against this connection, as its own limit's is."""
    if node.user_op_limiter.take(user) == 0:
        return True
    bucket.strikes += 1
    return False
