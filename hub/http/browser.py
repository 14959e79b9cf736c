"""What the account routes ask of the request before anything else, and the session
cookie they set: the defence against cross-site request forgery, and `Secure`.

A browser page from another site can make a browser POST to the hub — a form with
`enctype="text/plain"` can even carry a JSON-looking body, with the victim's cookies
(same-site pages on other ports get `SameSite=Lax` cookies too). So the account routes
refuse a browser `Origin` the websocket would refuse (403, `common.origin_allowed`),
and any body not declared `application/json` (415), which no form can send. Programs
that send no `Origin` pass, as on the socket. The cookie is `Secure` whenever the
request came over HTTPS (as the trusted proxy says, through uvicorn's proxy headers)
or the hub is told to (`--cookie-secure`).
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response

from hub.errors import ErrorCode
from hub.http.common import SESSION_COOKIE, json_response, origin_allowed

JSON_TYPE = "application/json"


def _has_body(headers: Mapping[str, str]) -> bool:
    length = headers.get("content-length")
    return "transfer-encoding" in headers or (length is not None and length.strip() != "0")


def refusal(request: Request) -> Response | None:
    """The 403 (foreign origin) or 415 (a body that is not JSON) to answer, or None."""
    settings = request.app.state.node.settings
    if not origin_allowed(request.headers, settings.allowed_origins):
        return json_response({"code": ErrorCode.FORBIDDEN.value,
                              "message": "origin not allowed"}, 403)
    declared = request.headers.get("content-type")
    if declared is None:
        if not _has_body(request.headers):
            return None  # no body at all (a program's bodiless logout)
    elif declared.split(";", 1)[0].strip().lower() == JSON_TYPE:
        return None
    return json_response({"code": ErrorCode.BAD_REQUEST.value,
                          "message": f"the body must be JSON, sent as Content-Type: "
                                     f"{JSON_TYPE}"}, 415)


def client_host(request: Request) -> str | None:
    """The client's address (the proxy's X-Forwarded-For when uvicorn trusts it)."""
    return request.client.host if request.client else None


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or bool(request.app.state.node.settings.cookie_secure)


def set_session_cookie(response: Response, request: Request, token: str, days: int) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=days * 86400, httponly=True,
                        samesite="lax", path="/", secure=_secure(request))


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=_secure(request))
