"""HTTP routes: accounts, ops over HTTP, health, metrics and the static client.

Ops over HTTP go through the same `OpRegistry` as the websocket; each error code maps
to its status (errors.HTTP_STATUS) with the reply's `error` object as the body. They are
rate-limited per login token (hub/http_ratelimit.py), as the socket limits a connection.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import logging
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import orjson
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from hub import auth, levels, validate
from hub.errors import EngineUnavailable, ErrorCode, OpError, bad_request, conflict
from hub.models import UserRecord
from hub.node import Node
from hub.ops import Context, OpRegistry
from hub.protocol import encode_revoked

log = logging.getLogger("hub.web")

SESSION_COOKIE = "kj_session"
MAX_BODY = 64 * 1024


def json_response(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


def error_response(exc: OpError) -> Response:
    return json_response(exc.as_dict(), exc.http_status)


def unauthenticated(message: str = "not authenticated") -> Response:
    return json_response({"code": ErrorCode.UNAUTHENTICATED.value, "message": message}, 401)


def rate_limited(retry_after: int, message: str = "too many requests; slow down"
                 ) -> Response:
    """429 `rate_limited`, with `Retry-After`: whole seconds until a try is let through."""
    response = error_response(OpError(ErrorCode.RATE_LIMITED, message))
    response.headers["Retry-After"] = str(retry_after)
    return response


def origin_allowed(headers: Mapping[str, str], allowed: tuple[str, ...]) -> bool:
    """Browsers send Origin: it must be this host or a configured origin. Programs
    that send none (load testers, services) are let through."""
    origin = headers.get("origin")
    if not origin:
        return True
    if origin in allowed or "*" in allowed:
        return True
    return urlsplit(origin).netloc == headers.get("host", "")


def server_key_refusal(request: Request, api: str) -> Response | None:
    """None when the request carries `Bearer <server key>` (compared in constant time);
    otherwise the 401 to answer, saying whether `api` is off or the key is wrong."""
    key = request.app.state.node.settings.server_key
    if not key:
        return unauthenticated(f"{api} is off: start the hub with --server-key")
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer ") and hmac.compare_digest(
            header[7:].strip().encode(), key.encode()):
        return None
    return unauthenticated("wrong or missing server key")


def public_user(user: UserRecord) -> dict[str, Any]:
    return {"username": user["username"], "display_name": user["display_name"],
            "level": levels.info(user["points"])}


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused as `too_large` once it passes `limit` — before it is all read,
    so a huge upload on an unauthenticated route costs nothing."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise OpError(ErrorCode.TOO_LARGE, f"request body over {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise OpError(ErrorCode.TOO_LARGE, f"request body over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request, limit: int = MAX_BODY) -> dict[str, Any]:
    body = await read_body(request, limit)
    if not body:
        return {}
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise bad_request("body is not valid JSON") from None
    if not isinstance(data, dict):
        raise bad_request("body must be a JSON object")
    return data


def request_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    if origin_allowed(request.headers, request.app.state.node.settings.allowed_origins):
        return request.cookies.get(SESSION_COOKIE)
    return None


async def _start_session(node: Node, user: UserRecord, status: int) -> Response:
    token = auth.new_token()
    days = node.settings.session_days
    await node.store.create_session(auth.token_hash(token), user["username"],
                                    node.clock.now_ms() + days * 86_400_000)
    response = json_response({"token": token, "user": public_user(user)}, status)
    response.set_cookie(SESSION_COOKIE, token, max_age=days * 86400, httponly=True,
                        samesite="lax", path="/")
    return response


def guarded(fn: Any) -> Any:
    """Map OpError, an unreachable engine and any other failure to their HTTP answers
    (always the JSON `error` body, never a bare text 500)."""
    async def route(request: Request) -> Response:
        try:
            return await fn(request)  # type: ignore[no-any-return]
        except OpError as exc:
            return error_response(exc)
        except EngineUnavailable as exc:
            return error_response(OpError(ErrorCode.UNAVAILABLE, f"storage unavailable ({exc})"))
        except Exception:
            log.exception("%s %s failed", request.method, request.url.path)
            return error_response(OpError(ErrorCode.INTERNAL, "internal error; it has been logged"))
    return route


@guarded
async def register(request: Request) -> Response:
    node: Node = request.app.state.node
    data = await read_json(request)
    username = validate.username(data, "username")
    password = validate.text(data, "password", auth.MAX_PASSWORD, min_len=auth.MIN_PASSWORD)
    display = validate.optional_text(data, "display_name", 30).strip() or username
    password_hash = await asyncio.to_thread(
        functools.partial(auth.hash_password, password, pepper=node.settings.secret))
    user = UserRecord(username=username, display_name=display, password_hash=password_hash,
                      created=node.clock.now_ms(), signature="", head_portrait="cat",
                      skin="classic", music="none", points=0)
    if not await node.store.create_user(user):
        raise conflict(f"username '{username}' is taken")
    return await _start_session(node, user, 201)


@guarded
async def login(request: Request) -> Response:
    node: Node = request.app.state.node
    data = await read_json(request)
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise bad_request("'username' and 'password' must be strings")
    if not validate.USERNAME_RE.fullmatch(username):  # no account can have it
        return unauthenticated("wrong username or password")
    wait = node.login_failures.retry_after(username)
    if wait:
        return rate_limited(wait, f"too many wrong passwords for this user; try again in"
                                  f" {wait} s")
    user = await node.store.get_user(username)
    ok = user is not None and await asyncio.to_thread(
        functools.partial(auth.verify_password, password, user["password_hash"],
                          pepper=node.settings.secret))
    if not ok or user is None:
        node.login_failures.failed(username)
        return unauthenticated("wrong username or password")
    return await _start_session(node, user, 200)


@guarded
async def logout(request: Request) -> Response:
    node: Node = request.app.state.node
    token = request_token(request)
    if token:
        hashed = auth.token_hash(token)
        user = await node.store.session_user(hashed, node.clock.now_ms())
        await node.store.delete_session(hashed)
        if user:  # this login's open sockets, on every node, close with 4401
            await node.broker.signal(encode_revoked(auth.login_id(hashed)), [user])
    response = json_response({})
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


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
    wait = node.http_op_limiter.take(hashed)
    if wait:
        return rate_limited(wait)
    result = await ops.dispatch(Context(node=node, user=user), request.path_params["op"], data)
    return json_response(result)


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
