"""Account routes: `POST /api/register`, `/api/login`, `/api/logout` and
`/api/password`. A login is a session: a random token whose hash the store keeps, sent
back in the body and as the HttpOnly `kj_session` cookie.

Each route first refuses what a foreign page could make a browser send
(hub/http/browser.py). Password checks go through the lock-out
(hub/http/credentials.py), new passwords through the rules of hub/passwords.py, and
all scrypt work onto the node's pools (hub/hashing.py). Registrations are throttled
per client address (`register_per_minute`).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from hub import auth, lockout, passwords, validate
from hub.errors import bad_request, conflict, forbidden
from hub.http import browser
from hub.http.common import (
    guarded,
    json_response,
    public_user,
    rate_limited,
    read_json,
    request_token,
    unauthenticated,
)
from hub.http.credentials import check_password
from hub.models import UserRecord
from hub.node import Node
from hub.protocol import encode_revoked
from hub.sessions import end_logins


async def _start_session(request: Request, node: Node, user: UserRecord, status: int
                         ) -> Response:
    token = auth.new_token()
    days = node.settings.session_days
    await node.store.create_session(auth.token_hash(token), user["username"],
                                    node.clock.now_ms() + days * 86_400_000)
    response = json_response({"token": token, "user": public_user(user)}, status)
    browser.set_session_cookie(response, request, token, days)
    return response


def _strings(data: dict[str, object], *keys: str) -> list[str]:
    values = [data.get(key) for key in keys]
    if not all(isinstance(value, str) for value in values):
        raise bad_request(" and ".join(f"'{key}'" for key in keys) + " must be strings")
    return values  # type: ignore[return-value]


@guarded
async def register(request: Request) -> Response:
    node: Node = request.app.state.node
    if (refusal := browser.refusal(request)) is not None:
        return refusal
    data = await read_json(request)
    username = validate.username(data, "username")
    password = passwords.new_password(data, "password")
    display = (validate.display_name(data, "display_name")
               if data.get("display_name") not in (None, "") else username)
    if node.register_limiter is not None:  # checked input spends; typos do not
        wait = node.register_limiter.take(lockout.client_key(browser.client_host(request)))
        if wait:
            return rate_limited(wait, f"too many registrations from your address; try "
                                      f"again in {wait} s")
    password_hash = await node.hashing.hash(password)
    user = UserRecord(username=username, display_name=display, password_hash=password_hash,
                      created=node.clock.now_ms(), signature="", head_portrait="cat",
                      skin="classic", music="none", points=0)
    if not await node.store.create_user(user):
        raise conflict(f"username '{username}' is taken")
    return await _start_session(request, node, user, 201)


@guarded
async def login(request: Request) -> Response:
    node: Node = request.app.state.node
    if (refusal := browser.refusal(request)) is not None:
        return refusal
    username, password = _strings(await read_json(request), "username", "password")
    if not validate.USERNAME_RE.fullmatch(username):  # no account can have it
        return unauthenticated("wrong username or password")
    user = await check_password(node, username, password, browser.client_host(request))
    if user is None:
        return unauthenticated("wrong username or password")
    return await _start_session(request, node, user, 200)


@guarded
async def logout(request: Request) -> Response:
    """Ends this login; with `{"everywhere": true}`, every login of the user."""
    node: Node = request.app.state.node
    if (refusal := browser.refusal(request)) is not None:
        return refusal
    everywhere = (await read_json(request)).get("everywhere", False)
    if not isinstance(everywhere, bool):
        raise bad_request("'everywhere' must be true or false")
    token = request_token(request)
    if token:
        hashed = auth.token_hash(token)
        user = await node.store.session_user(hashed, node.clock.now_ms())
        if user and everywhere:
            await end_logins(node.store, node.broker, user)
        else:
            await node.store.delete_session(hashed)
            if user:  # this login's open sockets, on every node, close with 4401
                await node.broker.signal(encode_revoked(auth.login_id(hashed)), [user])
    response = json_response({})
    browser.clear_session_cookie(response, request)
    return response


@guarded
async def change_password(request: Request) -> Response:
    """`{"password": old, "new_password": new}`: every other login of the user ends."""
    node: Node = request.app.state.node
    if (refusal := browser.refusal(request)) is not None:
        return refusal
    token = request_token(request)
    hashed = auth.token_hash(token) if token else None
    user = hashed and await node.store.session_user(hashed, node.clock.now_ms())
    if not hashed or not user:
        return unauthenticated()
    data = await read_json(request)
    (old,) = _strings(data, "password")
    new = passwords.new_password(data, "new_password")  # before the check: costs no try
    if await check_password(node, user, old, browser.client_host(request)) is None:
        raise forbidden("wrong password")
    await node.store.update_user(user, {"password_hash": await node.hashing.hash(new)})
    await end_logins(node.store, node.broker, user, keep=hashed)
    return json_response({})
