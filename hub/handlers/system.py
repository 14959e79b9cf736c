"""`ping`: liveness and clock, for clients and heartbeats."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hub.ops import Context, Handler


async def ping(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    return {"ts": ctx.node.clock.now_ms()}


HANDLERS: dict[str, Handler] = {"ping": ping}
