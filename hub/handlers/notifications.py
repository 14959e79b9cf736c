"""与我相关: reading one's notifications (`notifications.list`) and marking them read
(`notifications.read`). The hub writes them as the events that cause them happen
(hub.notes, `Node.publish(notes=...)`); here they are grouped, and whatever the reader
may no longer read (a post made private, deleted, or an ex-friend's) is left out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub import notes, policy, validate
from hub.errors import bad_request
from hub.handlers.common import people
from hub.handlers.posts import load
from hub.subjects import Subject
from hub.together import all_of, together

if TYPE_CHECKING:
    from hub.ops import Context, Handler

SCAN = 4  # raw notifications read per item asked for, so that grouping fills a page


async def list_notes(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    before = validate.identifier(data, "before", optional=True)
    limit = validate.limit(data, default=20, maximum=50)
    store = ctx.node.store
    raw, unread = await together(store.notes(ctx.user, before, limit * SCAN),
                                 store.unread_notes(ctx.user))
    readable = await _readable(ctx, {s for n, _ in raw if (s := notes.subject_of(n))})
    kept = [(n, r) for n, r in raw
            if (s := notes.subject_of(n)) is None or s in readable]
    items = notes.grouped(kept)[:limit]
    shown = {i for item in items for i in item.ids}
    found = await people(ctx.node, notes.actors_of(items))
    # the next page starts below the oldest notification this one took in
    consumed = [n["id"] for n, _ in raw if n["id"] in shown] if items else []
    more = len(raw) == limit * SCAN or len(notes.grouped(kept)) > limit
    return {"items": [item.wire(found) for item in items], "unread": unread,  # type: ignore[arg-type]
            "next": min(consumed, key=int) if consumed and more else None}


async def _readable(ctx: Context, subjects: set[Subject]) -> set[Subject]:
    """Of these posts, those that still exist and that the reader may read."""
    store, me = ctx.node.store, ctx.user
    readable: set[Subject] = set()

    async def check(subject: Subject) -> None:
        post = await load(ctx.node, subject)
        if post is None:
            return
        ties, settings = await together(store.ties(post["author"], me),
                                        store.settings(post["author"]))
        if policy.may_read(settings, post["visibility"], ties):
            readable.add(subject)

    await all_of(check(s) for s in subjects)
    return readable


async def mark_read(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    ids, everything = data.get("ids"), data.get("all")
    if everything is True and ids is None:
        chosen = None
    elif (everything in (None, False) and isinstance(ids, list) and 0 < len(ids) <= 500):
        chosen = [validate.identifier({"id": i}, "id") or "" for i in ids]
    else:
        raise bad_request("give 'ids' (1 to 500 notification ids) or 'all': true")
    node = ctx.node
    unread, frame = await node.store.read_notes(ctx.user, chosen, node.clock.now_ms())
    if frame:  # every tab and device of the reader: their red dots agree
        await node.broker.signal(frame, [ctx.user])
    return {"unread": unread}


HANDLERS: dict[str, Handler] = {
    "notifications.list": list_notes,
    "notifications.read": mark_read,
}
