"""Friends (好友): requests, accepting and declining, removing, and the list with
who is online. A request to someone who already asked you is an accept."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub import notes, validate
from hub.channels.audience import acted, pair
from hub.errors import bad_request, conflict, not_found
from hub.handlers import guards
from hub.handlers.common import existing_user, people, person, refusals, space_quota
from hub.store.base import RequestRules

if TYPE_CHECKING:
    from hub.ops import Context, Handler


async def _befriend(ctx: Context, other: str) -> bool:
    """Make the friendship; False when a concurrent op already had (it announced it)."""
    if not await ctx.node.store.add_friendship(ctx.user, other):
        return False
    await ctx.node.publish("friend.added", {"users": sorted((ctx.user, other))},
                           pair(ctx.user, other),
                           notes=notes.on_friend_added(other, ctx.user, ctx.node.clock.now_ms()))
    return True


async def request(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    to = validate.username(data, "to")
    if to == ctx.user:
        raise bad_request("you cannot befriend yourself")
    await existing_user(ctx, to)
    await guards.may_reach(ctx, to)
    store = ctx.node.store
    if to in await store.friends(ctx.user):
        raise conflict(f"you and {to} are already friends")
    incoming, _ = await store.requests(ctx.user)
    if to in incoming:
        await _befriend(ctx, to)
        return {"friends": True}
    with refusals(to):
        added = await store.add_request(ctx.user, to,
                                        rules=RequestRules(now_ms=ctx.node.clock.now_ms()),
                                        quota=space_quota(ctx, to))
    if not added:
        raise conflict(f"a request to {to} is already pending")
    incoming, _ = await store.requests(ctx.user)
    if to in incoming:
        # Both asked at once (on Redis both reads above can miss the other's request):
        # the second to store its request sees the first's, so they end up friends.
        await _befriend(ctx, to)
        return {"friends": True}
    who = person(await people(ctx.node, [ctx.user]), ctx.user)  # drawn as everywhere else
    await ctx.node.publish("friend.request", {
        "from": ctx.user, "from_name": who["display_name"],
        "from_portrait": who["head_portrait"]}, acted({to}, ctx.user),
        notes=notes.on_friend_request(ctx.user, to, ctx.node.clock.now_ms()))
    return {}


async def accept(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    frm = validate.username(data, "from")
    incoming, _ = await ctx.node.store.requests(ctx.user)
    if frm not in incoming:
        raise not_found(f"no pending request from {frm}")
    if not await _befriend(ctx, frm):  # another tab accepted it meanwhile
        raise conflict(f"you and {frm} are already friends")
    return {}


async def decline(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    frm = validate.username(data, "from")
    if not await ctx.node.store.decline_request(frm, ctx.user, ctx.node.clock.now_ms()):
        raise not_found(f"no pending request from {frm}")
    await ctx.node.publish("friend.declined", {"users": sorted((ctx.user, frm))},
                           acted(pair(ctx.user, frm), ctx.user))
    return {}


async def remove(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    other = validate.username(data, "user")
    if not await ctx.node.store.remove_friendship(ctx.user, other):
        raise not_found(f"{other} is not your friend")
    await ctx.node.publish("friend.removed", {"users": sorted((ctx.user, other))},
                           pair(ctx.user, other))
    return {}


async def list_friends(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    node = ctx.node
    friends = sorted(await node.store.friends(ctx.user))
    online = await node.broker.online(friends)
    incoming, outgoing = await node.store.requests(ctx.user)
    found = await people(node, friends)
    return {
        "friends": [{"user": f, **person(found, f), "online": f in online} for f in friends],
        "incoming": incoming,
        "outgoing": outgoing,
    }


HANDLERS: dict[str, Handler] = {
    "friend.request": request,
    "friend.accept": accept,
    "friend.decline": decline,
    "friend.remove": remove,
    "friends.list": list_friends,
}
