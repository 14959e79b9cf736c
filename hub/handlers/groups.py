"""Friend groups (分组): `group.set`, `group.delete`, `groups.list`. A mood may be for
some of the author's groups (visibility `{"groups": [names]}`): it reaches the author
and those members who are still friends, checked when it is written, and is read by
whoever is a friend in one of its groups at the time they read (hub.policy).

Special care (特别关心): `care.set`, `care.list` — a cared-for friend's new mood raises a
notification for the one who cares (moods.post)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub import validate
from hub.errors import bad_request, not_found
from hub.handlers.common import people, person

if TYPE_CHECKING:
    from hub.ops import Context, Handler

MAX_GROUPS = 20
MAX_MEMBERS = 500
MAX_NAME = 20


def group_name(data: dict[str, Any]) -> str:
    return validate.display_name(data, "name", MAX_NAME)


async def set_group(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    name = group_name(data)
    members = data.get("members")
    if not isinstance(members, list) or len(members) > MAX_MEMBERS:
        raise bad_request(f"'members' must be a list of at most {MAX_MEMBERS} usernames")
    names = list(dict.fromkeys(validate.username({"m": m}, "m") for m in members))
    store = ctx.node.store
    groups, friends = await store.groups(ctx.user), await store.friends(ctx.user)
    strangers = sorted(set(names) - friends)
    if strangers:
        raise bad_request(f"only friends can be in a group; not friends: {', '.join(strangers)}")
    if name not in groups and len(groups) >= MAX_GROUPS:
        raise bad_request(f"at most {MAX_GROUPS} groups; delete one first")
    await store.set_group(ctx.user, name, names)
    return {"group": {"name": name, "members": sorted(names)}}


async def delete_group(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    name = group_name(data)
    if not await ctx.node.store.delete_group(ctx.user, name):
        raise not_found(f"no group '{name}'")
    return {}


async def list_groups(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    groups = await ctx.node.store.groups(ctx.user)
    found = await people(ctx.node, {m for members in groups.values() for m in members})
    return {"groups": [{"name": name, "members": [{"user": m, **person(found, m)}
                                                  for m in members]}
                       for name, members in groups.items()]}


async def set_care(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    other = validate.username(data, "user")
    on = data.get("on")
    if not isinstance(on, bool):
        raise bad_request("'on' must be true or false")
    store = ctx.node.store
    if on and other not in await store.friends(ctx.user):
        raise bad_request(f"special care is for friends; {other} is not your friend")
    await store.set_care(ctx.user, other, on)
    return {"user": other, "care": on}


async def list_care(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    store = ctx.node.store
    cared, friends = await store.cares(ctx.user), await store.friends(ctx.user)
    shown = [u for u in cared if u in friends]  # an ex-friend's care lapses
    found = await people(ctx.node, shown)
    return {"care": [{"user": u, **person(found, u)} for u in shown]}


HANDLERS: dict[str, Handler] = {
    "care.set": set_care,
    "care.list": list_care,
    "group.set": set_group,
    "group.delete": delete_group,
    "groups.list": list_groups,
}
