"""Awaiting independent store calls at once.

On Redis every sequential store call is a round trip whose reply waits its turn in a
busy event loop: under the social benchmark's load a single command took 4–11 ms at the
median inside the hub, and an op's latency was its number of round trips in a row
(bench/HISTORY.md). So handlers and the gateway issue the calls that do not depend on
each other together."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from typing import Any, TypeVar, overload

A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")


async def all_of(calls: Iterable[Awaitable[Any]]) -> list[Any]:
    """Await `calls` at once; their results in argument order. The first error (in
    argument order) is raised only once every call has finished: none is left running,
    none goes unobserved."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


@overload
async def together(a: Awaitable[A], b: Awaitable[B], /) -> tuple[A, B]: ...
@overload
async def together(a: Awaitable[A], b: Awaitable[B], c: Awaitable[C], /) -> tuple[A, B, C]: ...
async def together(*calls: Awaitable[Any]) -> tuple[Any, ...]:
    """`all_of`, typed for two or three calls."""
    return tuple(await all_of(calls))
