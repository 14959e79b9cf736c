"""The closed vocabulary of failure: op error codes, their HTTP statuses, close codes.

Handlers raise `OpError`; dispatch turns it into a reply (websocket) or a status
(HTTP) in one place. Anything else a handler raises becomes `internal`.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class ErrorCode(StrEnum):
    BAD_REQUEST = "bad_request"
    UNKNOWN_OP = "unknown_op"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    RATE_LIMITED = "rate_limited"
    TOO_LARGE = "too_large"
    UNAVAILABLE = "unavailable"
    INTERNAL = "internal"
    UNAUTHENTICATED = "unauthenticated"  # HTTP only: a socket closes with 4401 instead


HTTP_STATUS: dict[ErrorCode, int] = {
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.UNKNOWN_OP: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.TOO_LARGE: 413,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.INTERNAL: 500,
    ErrorCode.UNAVAILABLE: 503,
}


class CloseCode(IntEnum):
    """Websocket close codes. Which ones invite a reconnect is said in docs/protocol.md."""

    NORMAL = 1000
    GOING_AWAY = 1001  # server draining or shutting down: reconnect and resume
    TOO_LARGE = 1009  # frame over the limit: reconnect and resume, don't resend it
    INTERNAL = 1011
    UNAUTHENTICATED = 4401  # final until the user logs in again
    ORIGIN_REFUSED = 4403  # final
    HEARTBEAT_TIMEOUT = 4408  # reconnect and resume
    TOO_SLOW = 4429  # reader fell behind or too many requests: back off, resume


class OpError(Exception):
    """A failure an op reports to its caller; `code` is one of `ErrorCode`."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def http_status(self) -> int:
        return HTTP_STATUS[self.code]

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code.value, "message": self.message}


class RetryLater(OpError):
    """A refusal that says when to try again (`rate_limited`, `unavailable`): over HTTP
    its answer carries `Retry-After: <retry_after>` (whole seconds)."""

    def __init__(self, code: ErrorCode, message: str, retry_after: int) -> None:
        super().__init__(code, message)
        self.retry_after = retry_after


def bad_request(message: str) -> OpError:
    return OpError(ErrorCode.BAD_REQUEST, message)


def not_found(message: str) -> OpError:
    return OpError(ErrorCode.NOT_FOUND, message)


def forbidden(message: str) -> OpError:
    return OpError(ErrorCode.FORBIDDEN, message)


def conflict(message: str) -> OpError:
    return OpError(ErrorCode.CONFLICT, message)


def too_large(message: str) -> OpError:
    return OpError(ErrorCode.TOO_LARGE, message)


def unavailable(message: str) -> OpError:
    return OpError(ErrorCode.UNAVAILABLE, message)


class EngineUnavailable(Exception):
    """Raised by an engine whose backing service (Redis) cannot be reached."""
