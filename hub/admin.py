"""Admin HTTP API, guarded by the server key: bulk seeding for load tests.

`POST /api/admin/seed` with `Authorization: Bearer <server key>` and a body

    {"users": ["lt1_0", ...], "password": "...", "display_name"?: str,
     "friendships": [["lt1_0", "lt1_7"], ...]}

creates the accounts and friendships straight through `node.store` — no events, no
friend requests — and answers

    {"created": n, "existing": [names], "tokens": {name: token},
     "friendships": {"added": n, "existing": n, "unknown": [[a, b], ...]}}

The password is hashed ONCE per request and that one salted hash is stored for every
account the request creates (so seeded accounts share a salt: fine for throwaway load
test users, never for real ones). Each created account gets a session, made exactly as
`POST /api/login` makes one, whose token is returned. Names that already exist are
reported in `existing` (no token, nothing changed); a friendship naming an unknown user
is reported in `unknown`. Neither is fatal.

Without a configured server key (`--server-key` / `KJ_SERVER_KEY`) the API is off and
every call is refused with 401, as is a wrong or missing key. A malformed body is 400;
at most `MAX_USERS` users and `MAX_FRIENDSHIPS` pairs per request (batch bigger seeds).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub import auth, validate
from hub.errors import ErrorCode, OpError, bad_request, too_large
from hub.http.common import guarded, json_response, read_json, server_key_refusal
from hub.models import UserRecord
from hub.node import Node

MAX_BODY = 8 * 1024 * 1024
MAX_USERS = 10_000
MAX_FRIENDSHIPS = 200_000
CONCURRENCY = 512  # store calls in flight at once (a Redis store pipelines them)

T = TypeVar("T")


async def _body(request: Request) -> dict[str, Any]:
    try:
        return await read_json(request, MAX_BODY)
    except OpError as exc:
        if exc.code is ErrorCode.TOO_LARGE:
            raise too_large(f"request body over {MAX_BODY} bytes; send smaller batches"
                            ) from None
        raise


def _name(value: Any, where: str) -> str:
    if not isinstance(value, str) or not validate.USERNAME_RE.fullmatch(value):
        raise bad_request(f"{where} = {str(value)[:40]!r} is not a valid username "
                          "([a-z0-9_]{3,20})")
    return value


def parse_seed(data: dict[str, Any]) -> tuple[list[str], str, str | None, list[tuple[str, str]]]:
    """Validate a seed body: (users, password, display_name, friendships)."""
    users = data.get("users", [])
    if not isinstance(users, list):
        raise bad_request("'users' must be a list of usernames")
    if len(users) > MAX_USERS:
        raise too_large(f"at most {MAX_USERS} users per request")
    names = [_name(u, f"users[{i}]") for i, u in enumerate(users)]
    password = ""
    if names:
        password = validate.text(data, "password", auth.MAX_PASSWORD, min_len=auth.MIN_PASSWORD)
    display = data.get("display_name")
    if display is not None:
        display = validate.display_name(data, "display_name") if display != "" else None
    pairs = data.get("friendships", [])
    if not isinstance(pairs, list):
        raise bad_request("'friendships' must be a list of [user, user] pairs")
    if len(pairs) > MAX_FRIENDSHIPS:
        raise too_large(f"at most {MAX_FRIENDSHIPS} friendships per request")
    friendships: list[tuple[str, str]] = []
    for pair in pairs:
        if (not isinstance(pair, list) or len(pair) != 2
                or not all(isinstance(u, str) for u in pair)):
            raise bad_request("each friendship must be a [user, user] pair of usernames")
        a, b = _name(pair[0], "friendships[][0]"), _name(pair[1], "friendships[][1]")
        if a == b:
            raise bad_request(f"'{a}' cannot befriend themselves")
        friendships.append((a, b))
    return list(dict.fromkeys(names)), password, display, friendships


async def _bounded(calls: list[Callable[[], Awaitable[T]]]) -> list[T]:
    """Run the calls at most CONCURRENCY at a time, results in order."""
    results: list[T] = []
    for start in range(0, len(calls), CONCURRENCY):
        results += await asyncio.gather(*(c() for c in calls[start:start + CONCURRENCY]))
    return results


async def seed(node: Node, names: list[str], password: str, display: str | None,
               friendships: list[tuple[str, str]]) -> dict[str, Any]:
    store, now = node.store, node.clock.now_ms()
    tokens: dict[str, str] = {}
    existing: list[str] = []
    if names:
        password_hash = await node.hashing.hash(password)  # once
        records = [UserRecord(username=n, display_name=display or n,
                              password_hash=password_hash, created=now, signature="",
                              head_portrait="cat", skin="classic", music="none", points=0)
                   for n in names]
        created = await _bounded([functools.partial(store.create_user, r) for r in records])
        fresh = [n for n, ok in zip(names, created, strict=True) if ok]
        existing = [n for n, ok in zip(names, created, strict=True) if not ok]
        expires = now + node.settings.session_days * 86_400_000
        tokens = {n: auth.new_token() for n in fresh}
        await _bounded([functools.partial(store.create_session, auth.token_hash(t), n, expires)
                        for n, t in tokens.items()])
    added = already = 0
    unknown: list[list[str]] = []
    if friendships:
        known = await store.get_users({u for pair in friendships for u in pair})
        good = [(a, b) for a, b in friendships if a in known and b in known]
        unknown = [[a, b] for a, b in friendships if a not in known or b not in known]
        done = await _bounded([functools.partial(store.add_friendship, a, b) for a, b in good])
        added = sum(1 for ok in done if ok)
        already = len(done) - added
    return {"created": len(tokens), "existing": existing, "tokens": tokens,
            "friendships": {"added": added, "existing": already, "unknown": unknown}}


@guarded
async def seed_route(request: Request) -> Response:
    refusal = server_key_refusal(request, "the admin API")
    if refusal is not None:
        return refusal
    names, password, display, friendships = parse_seed(await _body(request))
    return json_response(await seed(request.app.state.node, names, password, display,
                                    friendships))


ADMIN_ROUTES: list[Route] = [
    Route("/api/admin/seed", seed_route, methods=["POST"]),
]
