"""A user's space (空间): looking at it (which records a visit), decorating one's own
(a new name or head portrait is announced to friends: `profile`), the unlockable
options, and finding people by username or display name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub import catalog, levels, notes, policy, validate
from hub.catalog import Unlockable
from hub.channels.audience import acted, visible_sources, visit_audience
from hub.clock import day_of
from hub.errors import bad_request, forbidden
from hub.handlers import guards
from hub.handlers.common import award, decorate, existing_user, people, person
from hub.handlers.guestbook import visible_to
from hub.handlers.posts import readable_by
from hub.models import profile_of
from hub.store.usersearch import ascii_lower
from hub.together import together

if TYPE_CHECKING:
    from hub.ops import Context, Handler

SPACE_MOODS = 20
SPACE_ENTRIES = 30
SPACE_VISITORS = 12
SPACE_GIFTS = 30


async def get(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    owner = validate.username(data, "user")
    user = await existing_user(ctx, owner)
    node, me = ctx.node, ctx.user
    store = node.store
    owner_friends, ties, settings = await together(
        store.friends(owner), store.ties(owner, me), store.settings_of([owner, me]))
    if not policy.may_enter(settings[owner], ties):
        guards.not_blocked(ties)
        raise forbidden(f"{owner}'s space is open to " + (
            "friends only" if settings[owner].space == "friends" else "no one but its owner"))
    now = node.clock.now_ms()
    if owner != me and settings[me].record_visits:
        if await store.add_visit(owner, me, now):
            # Once per visitor and day: a reload must not notify the owner again. The
            # visitor as drawn everywhere else: the owner's tab need not know them.
            who = person(await people(node, [me]), me)
            await node.publish("visit", {
                "owner": owner, "visitor": me, "ts": now, "visitor_name": who["display_name"],
                "visitor_portrait": who["head_portrait"]}, acted(visit_audience(owner, me), me),
                notes=notes.on_visit(owner, me, now, day_of(now)))
            await award(node, owner, "visit.received")
        user = await existing_user(ctx, owner)  # points may have changed
    sources = visible_sources(me, owner, me in owner_friends)
    if me == owner or (me in owner_friends and ties.groups):
        sources.append((owner, "groups"))
    moods = await decorate(node, readable_by(me, await store.timeline(
        sources, None, SPACE_MOODS), {owner: set(ties.groups)}), me)
    entries = [e for e in await store.entries(owner, SPACE_ENTRIES) if visible_to(e, me)]
    show_visitors = policy.may_see_visitors(settings[owner], ties)
    visitors = await store.visitors(owner, SPACE_VISITORS) if show_visitors else []
    today, total = await store.visit_counts(owner, day_of(now))
    gifts = await store.gifts(owner, SPACE_GIFTS)
    found = await people(node, {e["author"] for e in entries} | {v["user"] for v in visitors}
                         | {g["from"] for g in gifts})
    for entry in entries:
        who = person(found, entry["author"])
        entry["author_name"], entry["author_portrait"] = (
            who["display_name"], who["head_portrait"])
    return {
        "profile": profile_of(user),
        "level": levels.info(user["points"]),
        "moods": moods,
        "guestbook": entries,
        "visitors": [{**v, **person(found, v["user"])} for v in visitors],
        "gifts": [{**g, "message": g["message"] if me in (owner, g["from"]) else "",
                   "from_name": person(found, g["from"])["display_name"],
                   "from_portrait": person(found, g["from"])["head_portrait"]} for g in gifts],
        "visits": {"today": today, "total": total},
        "visitors_shown": show_visitors,
        "is_friend": me in owner_friends,
        "is_self": me == owner,
    }


def _unlocked(data: dict[str, Any], key: str, table: dict[str, Unlockable], level: int) -> str:
    value = validate.choice(data, key, table)
    need = table[value]["min_level"]
    if level < need:
        raise forbidden(f"{key} '{value}' needs level {need}; you are level {level}")
    return value


async def update(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    user = await existing_user(ctx, ctx.user)
    level = levels.level_for(user["points"])
    fields: dict[str, str] = {}
    if data.get("display_name") is not None:
        fields["display_name"] = validate.display_name(data, "display_name")
    if data.get("signature") is not None:
        fields["signature"] = validate.optional_text(data, "signature", 100)
    if data.get("head_portrait") is not None:
        fields["head_portrait"] = validate.choice(data, "head_portrait", catalog.HEAD_PORTRAITS)
    if data.get("skin") is not None:
        fields["skin"] = _unlocked(data, "skin", catalog.SKINS_BY_ID, level)
    if data.get("music") is not None:
        fields["music"] = _unlocked(data, "music", catalog.MUSIC_BY_ID, level)
    unknown = set(data) - {"display_name", "signature", "head_portrait", "skin", "music"}
    if unknown:
        raise bad_request(f"unknown field(s): {', '.join(sorted(unknown))}")
    store = ctx.node.store
    updated = await store.update_user(ctx.user, fields)
    assert updated is not None
    if any(updated[key] != user[key] for key in ("display_name", "head_portrait")):
        # Friends' open pages draw this user's name and portrait: tell them.
        await ctx.node.publish("profile", {
            "user": ctx.user, "display_name": updated["display_name"],
            "head_portrait": updated["head_portrait"]},
            {ctx.user} | await store.friends(ctx.user))
    return {"profile": profile_of(updated)}


async def options(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    return {"skins": catalog.SKINS, "music": catalog.MUSIC,
            "head_portraits": catalog.HEAD_PORTRAITS}


async def search(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    # Case-insensitive for ASCII only, as the stores compare (usernames are ASCII).
    query = ascii_lower(validate.text(data, "q", 20).strip())
    found = await ctx.node.store.search_users(query, validate.limit(data, default=10, maximum=50))
    found_people = await people(ctx.node, found)
    return {"users": [{"user": u, **person(found_people, u)} for u in found]}


HANDLERS: dict[str, Handler] = {
    "space.get": get,
    "space.update": update,
    "space.options": options,
    "users.search": search,
}
