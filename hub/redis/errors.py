"""How the Redis engines fail: every Redis connection or timeout error surfaces as
`errors.EngineUnavailable` (`engine_call`), and the outcome of the last command is kept
for `health()` (`Link`)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

import redis.exceptions as rex

from hub.errors import EngineUnavailable

# Errors meaning "Redis cannot serve us now" (as opposed to a bug in a command).
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    rex.ConnectionError,  # refused, reset, closed, BusyLoadingError, MaxConnectionsError
    rex.TimeoutError,
    rex.ReadOnlyError,  # talking to a replica after a failover
    rex.ClusterDownError,  # includes MasterDownError
    rex.TryAgainError,
    rex.OutOfMemoryError,
    OSError,
    TimeoutError,  # asyncio.TimeoutError is TimeoutError on 3.11+
)


class Link:
    """Whether the last command reached Redis — the `"redis": "up"|"down"` of health."""

    __slots__ = ("error", "up")

    def __init__(self) -> None:
        self.up = True
        self.error = ""

    def ok(self) -> None:
        self.up = True
        self.error = ""

    def failed(self, exc: BaseException) -> None:
        self.up = False
        self.error = f"{type(exc).__name__}: {exc}"

    @property
    def state(self) -> str:
        return "up" if self.up else "down"


class HasLink(Protocol):
    link: Link


S = TypeVar("S", bound=HasLink)
P = ParamSpec("P")
T = TypeVar("T")


def engine_call(
    fn: Callable[Concatenate[S, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, T]]:
    """Decorate an engine method: Redis trouble → `EngineUnavailable`, state → `link`."""

    @functools.wraps(fn)
    async def call(self: S, *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            result = await fn(self, *args, **kwargs)
        except UNAVAILABLE_ERRORS as exc:
            self.link.failed(exc)
            raise EngineUnavailable(f"redis unavailable: {type(exc).__name__}: {exc}") from exc
        self.link.ok()
        return result

    return call


def text(value: Any) -> str:
    """A reply as str, whether the client decodes responses or not."""
    if isinstance(value, bytes):
        return value.decode()
    return str(value)
