"""Gifts (礼物): the catalog and sending; a gift above the sender's level is refused."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub import catalog, levels, notes, validate
from hub.channels.audience import acted, pair
from hub.errors import bad_request, forbidden
from hub.handlers import guards
from hub.handlers.common import awards, existing_user, refusals, space_quota
from hub.together import together

if TYPE_CHECKING:
    from hub.ops import Context, Handler

MAX_MESSAGE = 200


async def list_catalog(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    return {"gifts": catalog.GIFTS}


async def send(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    to = validate.username(data, "to")
    gift_id = validate.choice(data, "gift", catalog.GIFTS_BY_ID)
    message = validate.optional_text(data, "message", MAX_MESSAGE)
    if to == ctx.user:
        raise bad_request("a gift goes to someone else")
    node = ctx.node
    _, me, _ = await together(existing_user(ctx, to), node.store.get_user(ctx.user),
                              guards.may_reach(ctx, to))
    item = catalog.GIFTS_BY_ID[gift_id]
    level = levels.level_for(me["points"] if me else 0)
    if level < item["min_level"]:
        raise forbidden(f"{item['name']} needs level {item['min_level']}; you are level {level}")
    with refusals(to):
        gift = await node.store.add_gift(ctx.user, to, gift_id, item["name"],
                                         item["animation"], message, node.clock.now_ms(),
                                         quota=space_quota(ctx, to))
    sender_name, sender_portrait = (me["display_name"], me["head_portrait"]) if me else (
        ctx.user, "")
    gift = {**gift, "from_name": sender_name,  # type: ignore[typeddict-unknown-key]
            "from_portrait": sender_portrait}
    await node.publish("gift", {"gift": gift}, acted(pair(to, ctx.user), ctx.user),
                       notes=notes.on_gift(gift))
    await awards(node, (to, "gift.received"), (ctx.user, "gift.sent"))
    return {"gift": gift}


HANDLERS: dict[str, Handler] = {"gifts.catalog": list_catalog, "gift.send": send}
