"""The guestbook (留言板) of a space: who may sign it is the owner's setting; owner and
author see an entry live. An entry may be private (悄悄话: seen by the owner and the
author only), the owner may answer it (主人回复), and the owner or the author may delete
it, which removes it from every open view and from replays."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub import notes, validate
from hub.channels.audience import acted, pair
from hub.errors import bad_request, forbidden, not_found
from hub.handlers import guards
from hub.handlers.common import (
    award,
    existing_user,
    people,
    person,
    refusals,
    space_quota,
)

if TYPE_CHECKING:
    from hub.models import Entry
    from hub.ops import Context, Handler

MAX_TEXT = 500


def visible_to(entry: Entry, viewer: str) -> bool:
    """A private entry is for its owner and its author; any other for anyone who may
    read the guestbook."""
    return not entry.get("private") or viewer in (entry["owner"], entry["author"])


async def post(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    owner = validate.username(data, "to")
    text = validate.text(data, "text", MAX_TEXT)
    private = data.get("private", False)
    if not isinstance(private, bool):
        raise bad_request("'private' must be true or false")
    await existing_user(ctx, owner)
    if owner != ctx.user:
        await guards.may_write_guestbook(ctx, owner)
    node = ctx.node
    with refusals(owner):
        entry = await node.store.add_entry(owner, ctx.user, text, node.clock.now_ms(),
                                           private=private, quota=space_quota(ctx, owner))
    who = person(await people(node, [ctx.user]), ctx.user)
    entry["author_name"], entry["author_portrait"] = who["display_name"], who["head_portrait"]
    await node.publish("guestbook", {"entry": entry},
                       acted(pair(owner, ctx.user), ctx.user), notes=notes.on_guestbook(entry))
    if owner != ctx.user:
        await award(node, ctx.user, "guestbook.post")
    return {"entry": entry}


async def _entry(ctx: Context, data: dict[str, Any]) -> Entry:
    entry_id = validate.identifier(data, "entry_id")
    assert entry_id is not None
    entry = await ctx.node.store.entry(entry_id, owner=ctx.user)
    if entry is None or not visible_to(entry, ctx.user):
        raise not_found(f"no guestbook entry {entry_id}")
    return entry


async def delete(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    entry = await _entry(ctx, data)
    if ctx.user not in (entry["owner"], entry["author"]):
        raise forbidden("only the space's owner or the entry's author may delete it")
    if not await ctx.node.store.delete_entry(entry):
        raise not_found(f"no guestbook entry {entry['id']}")  # deleted meanwhile
    # Into both inboxes (no actor): whoever's inbox kept the entry must keep its end.
    await ctx.node.publish("guestbook.deleted", {"entry_id": entry["id"],
                                                 "owner": entry["owner"]},
                           pair(entry["owner"], entry["author"]),
                           notes=notes.on_guestbook_deleted(entry))
    return {}


async def reply(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    text = validate.text(data, "text", MAX_TEXT)
    entry = await _entry(ctx, data)
    if ctx.user != entry["owner"]:
        raise forbidden("only the space's owner replies to its guestbook")
    node = ctx.node
    updated = await node.store.reply_entry(entry, text, node.clock.now_ms())
    if updated is None:
        raise not_found(f"no guestbook entry {entry['id']}")
    who = person(await people(node, [updated["author"]]), updated["author"])
    updated["author_name"], updated["author_portrait"] = (
        who["display_name"], who["head_portrait"])
    await node.publish("guestbook.reply", {"entry": updated},
                       acted(pair(updated["owner"], updated["author"]), ctx.user),
                       notes=notes.on_guestbook_reply(updated, node.clock.now_ms()))
    return {"entry": updated}


HANDLERS: dict[str, Handler] = {
    "guestbook.post": post,
    "guestbook.delete": delete,
    "guestbook.reply": reply,
}
