"""External producers: other services put events into Kongjian without a websocket.

Two doors lead to the same place — `Node.publish`, so an external event gets a `seq`,
resume and fan-out like every built-in one:

* HTTP: `POST /api/server/publish` with `Authorization: Bearer <server key>`;
* Redis: an entry in the ingress stream (`channels.ingress`, Redis engine only).

An external event's name always carries the `x.` namespace (`notice` is delivered as
`x.notice`), so a producer can never impersonate `mood`, `gift` or any built-in event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from hub.errors import bad_request, not_found, too_large
from hub.http.common import guarded, json_response, read_json, server_key_refusal
from hub.node import Node

NAMESPACE = "x."
_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,39}")
MAX_DATA_BYTES = 16 * 1024
MAX_RECIPIENTS = 10_000


@dataclass(frozen=True, slots=True)
class Publication:
    event: str  # with its namespace
    to: tuple[str, ...]  # explicit recipients, or
    friends_of: str | None  # everyone who is a friend of this user
    data: dict[str, Any]


def event_name(raw: Any) -> str:
    if not isinstance(raw, str):
        raise bad_request("'event' must be a string")
    name = raw[len(NAMESPACE):] if raw.startswith(NAMESPACE) else raw
    if not _NAME.fullmatch(name):
        raise bad_request("'event' must be 1-40 of a-z 0-9 _ . - (delivered as x.<event>)")
    return NAMESPACE + name


def parse_publication(body: dict[str, Any]) -> Publication:
    """Validate a publish request (HTTP body or decoded ingress entry)."""
    event = event_name(body.get("event"))
    to, friends_of = body.get("to"), body.get("friends_of")
    if (to is None) == (friends_of is None):
        raise bad_request("give exactly one of 'to' (a list of usernames) or 'friends_of'")
    if to is not None:
        if not isinstance(to, list) or not all(isinstance(u, str) and u for u in to):
            raise bad_request("'to' must be a list of usernames")
        if len(to) > MAX_RECIPIENTS:
            raise too_large(f"'to' names more than {MAX_RECIPIENTS} users")
    elif not isinstance(friends_of, str) or not friends_of:
        raise bad_request("'friends_of' must be a username")
    data = body.get("data", {})
    if not isinstance(data, dict):
        raise bad_request("'data' must be a JSON object")
    if len(orjson.dumps(data)) > MAX_DATA_BYTES:
        raise too_large(f"'data' is over {MAX_DATA_BYTES} bytes")
    return Publication(event, tuple(dict.fromkeys(to or ())), friends_of, data)


async def recipients(node: Node, publication: Publication) -> list[str]:
    """The users to deliver to; unknown users are a `not_found` error."""
    if publication.friends_of is not None:
        if await node.store.get_user(publication.friends_of) is None:
            raise not_found(f"no user '{publication.friends_of}'")
        return sorted(await node.store.friends(publication.friends_of))
    known = await node.store.existing_users(publication.to)
    _refuse_unknown([u for u in publication.to if u not in known])
    return list(publication.to)


def _refuse_unknown(missing: list[str]) -> None:
    if missing:
        raise not_found(f"no such users: {', '.join(missing[:10])}")


@guarded
async def publish_route(request: Request) -> Response:
    refusal = server_key_refusal(request, "server publishing")
    if refusal is not None:
        return refusal
    node: Node = request.app.state.node
    publication = parse_publication(await read_json(request))
    if publication.friends_of is not None:
        users = await recipients(node, publication)
        await node.publish(publication.event, publication.data, users)
    else:  # the hot path: the recipients are checked within the delivery itself
        users = list(publication.to)
        _refuse_unknown(await node.publish_to(publication.event, publication.data, users))
    return json_response({"event": publication.event, "recipients": len(users)})
