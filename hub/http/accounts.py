"""Account routes: `POST /api/register`, `/api/login` and `/api/logout`. A login is a
session: a random token whose hash the store keeps, sent back in the body and as the
HttpOnly `kj_session` cookie."""

from __future__ import annotations

import asyncio
import functools

from starlette.requests import Request
from starlette.responses import Response

from hub import auth, validate
from hub.errors import bad_request, conflict
from hub.http.common import (
    SESSION_COOKIE,
    guarded,
    json_response,
    public_user,
    rate_limited,
    read_json,
    request_token,
    unauthenticated,
)
from hub.models import UserRecord
from hub.node import Node
from hub.protocol import encode_revoked


async def _start_session(node: Node, user: UserRecord, status: int) -> Response:
    token = auth.new_token()
    days = node.settings.session_days
    await node.store.create_session(auth.token_hash(token), user["username"],
                                    node.clock.now_ms() + days * 86_400_000)
    response = json_response({"token": token, "user": public_user(user)}, status)
    response.set_cookie(SESSION_COOKIE, token, max_age=days * 86400, httponly=True,
                        samesite="lax", path="/")
    return response


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
