"""What every HTTP route shares: JSON answers and errors, bounded body reading, the
browser-origin rule (the websocket uses the same one), the login token of a request
and the `guarded` wrapper that turns any failure into its JSON answer.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from hub import levels
from hub.errors import EngineUnavailable, ErrorCode, OpError, RetryLater, bad_request
from hub.models import UserRecord

log = logging.getLogger("hub.http")

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


def guarded(fn: Any) -> Any:
    """Map OpError, an unreachable engine and any other failure to their HTTP answers
    (always the JSON `error` body, never a bare text 500)."""
    async def route(request: Request) -> Response:
        try:
            return await fn(request)  # type: ignore[no-any-return]
        except OpError as exc:
            response = error_response(exc)
            if isinstance(exc, RetryLater):
                response.headers["Retry-After"] = str(exc.retry_after)
            return response
        except EngineUnavailable as exc:
            return error_response(OpError(ErrorCode.UNAVAILABLE, f"storage unavailable ({exc})"))
        except ClientDisconnect:  # gone, or cut off by the edge (a stalled body): no one to answer
            return Response(status_code=400)
        except Exception:
            log.exception("%s %s failed", request.method, request.url.path)
            return error_response(OpError(ErrorCode.INTERNAL, "internal error; it has been logged"))
    return route
