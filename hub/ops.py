"""The op registry and dispatch, shared by the websocket (`/ws`) and HTTP
(`POST /api/ops/{op}`): one place maps `OpError` kinds to replies, times every op and
turns an unexpected exception into `internal` without harming the connection.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from hub.errors import EngineUnavailable, ErrorCode, OpError
from hub.node import Node

log = logging.getLogger("hub.ops")


@dataclass(frozen=True, slots=True)
class Context:
    node: Node
    user: str


Handler = Callable[[Context, dict[str, Any]], Awaitable[dict[str, Any]]]


class OpRegistry:
    def __init__(self, handlers: dict[str, Handler]) -> None:
        self.handlers = dict(handlers)

    def names(self) -> list[str]:
        return sorted(self.handlers)

    async def dispatch(self, ctx: Context, op: str, data: dict[str, Any], ref: Any = None
                       ) -> dict[str, Any]:
        """Run `op`; returns its reply data or raises `OpError` (never anything else)."""
        metrics = ctx.node.metrics
        handler = self.handlers.get(op)
        metrics.ops_total.inc()
        if handler is None:
            metrics.op_errors.inc()
            raise OpError(ErrorCode.UNKNOWN_OP, f"unknown op '{op}'")
        started = time.perf_counter()
        try:
            return await handler(ctx, data)
        except OpError:
            metrics.op_errors.inc()
            raise
        except EngineUnavailable as exc:
            metrics.op_errors.inc()
            raise OpError(ErrorCode.UNAVAILABLE, f"storage is unavailable, retry later ({exc})"
                          ) from None
        except Exception:
            metrics.op_errors.inc()
            log.exception("op %s (ref %r) of %s failed", op, ref, ctx.user)
            raise OpError(ErrorCode.INTERNAL, "internal error; it has been logged") from None
        finally:
            metrics.op_latency.observe(op, time.perf_counter() - started)


def default_registry() -> OpRegistry:
    from hub.handlers import ALL_HANDLERS

    return OpRegistry(ALL_HANDLERS)
