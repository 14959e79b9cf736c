"""The owner's say over their space: space settings (`settings.get`, `settings.update`)
and the blacklist (`block.set`, `blocks.list`). What the settings and blocks allow is
`hub.policy`'s rule, asked through `hub.handlers.guards` by every op they concern."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub import policy, validate
from hub.channels.audience import pair
from hub.errors import bad_request
from hub.handlers.common import existing_user, people, person

if TYPE_CHECKING:
    from hub.ops import Context, Handler


async def get_settings(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    return {"settings": (await ctx.node.store.settings(ctx.user)).wire()}


async def update_settings(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    if not data:
        raise bad_request("name at least one setting to change: "
                          + ", ".join(policy.SETTING_CHOICES))
    store = ctx.node.store
    settings = policy.updated_settings(await store.settings(ctx.user), data)
    await store.save_settings(ctx.user, settings)
    return {"settings": settings.wire()}


async def set_block(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    other = validate.username(data, "user")
    on = data.get("on")
    if not isinstance(on, bool):
        raise bad_request("'on' must be true or false")
    if other == ctx.user:
        raise bad_request("you cannot block yourself")
    await existing_user(ctx, other)
    _, ended = await ctx.node.store.set_block(ctx.user, other, on)
    if ended:  # both sides' views drop what was friends-only, as after friend.remove
        await ctx.node.publish("friend.removed", {"users": sorted((ctx.user, other))},
                               pair(ctx.user, other))
    return {"user": other, "blocked": on}


async def list_blocks(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    blocked = await ctx.node.store.blocks(ctx.user)
    found = await people(ctx.node, blocked)
    return {"blocks": [{"user": user, **person(found, user)} for user in blocked]}


HANDLERS: dict[str, Handler] = {
    "settings.get": get_settings,
    "settings.update": update_settings,
    "block.set": set_block,
    "blocks.list": list_blocks,
}
