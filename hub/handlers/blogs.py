"""Blogs (日志): a title, a plain-text body with line breaks (never HTML), a category and
a visibility, as a mood has. A blog's feed entry holds its summary (the body's start),
which is what `blog` events carry and feeds list; `blog.get` reads the whole body and
counts the read (阅读量)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub import notes, policy, validate
from hub.channels.audience import post_audience
from hub.errors import bad_request, forbidden, not_found
from hub.handlers.common import award, decorate
from hub.handlers.posts import (
    audience_of,
    chosen_visibility,
    load,
    reached_by,
    readable_by,
    space_sources,
    told,
    visible_post,
)
from hub.models import Mood
from hub.subjects import Subject, deletion
from hub.together import together

if TYPE_CHECKING:
    from hub.ops import Context, Handler

MAX_TITLE = 100
MAX_BODY = 20_000
MAX_CATEGORY = 20
SUMMARY = 140  # characters of the body a feed shows
UPDATABLE = frozenset(("blog_id", "title", "body", "category", "visibility"))


def summary(body: str) -> str:
    """The body's start as one line: what a feed card shows and `blog` events carry."""
    flat = " ".join(body.split())
    return flat if len(flat) <= SUMMARY else flat[:SUMMARY - 1] + "…"


def _topical(title: str, body: str) -> str:
    """The text whose @mentions notify (the title and the whole body)."""
    return f"{title}\n{body}"


async def post(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    title = validate.text(data, "title", MAX_TITLE).strip()
    body = validate.text(data, "body", MAX_BODY)
    category = validate.optional_text(data, "category", MAX_CATEGORY).strip()
    visibility, stored, names = await chosen_visibility(ctx, data)
    node, store = ctx.node, ctx.node.store
    blog, reached = await together(
        store.add_mood(ctx.user, summary(body), stored, "", node.clock.now_ms(), groups=names,
                       kind="blog", extra={"title": title, "category": category}, body=body),
        reached_by(ctx, visibility, names))
    await decorate(node, [blog], ctx.user)
    notified = await told(ctx, Subject("blog", blog["id"]), _topical(title, body),
                          blog["visibility"] == "public", reached, blog["ts"])
    await node.publish("blog", {"blog": blog}, post_audience(blog, reached), notes=notified)
    await award(node, ctx.user, "blog.post")
    return {"blog": {**blog, "body": body, "reads": 0}}


async def get(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    subject = Subject("blog", _blog_id(data))
    blog, _ = await visible_post(ctx, subject, acting=False)
    read = await ctx.node.store.blog_body(subject.id, count_read=blog["author"] != ctx.user)
    if read is None:
        raise not_found(f"no {subject}")  # deleted since
    entry: Mood = dict(blog)  # type: ignore[assignment]
    await decorate(ctx.node, [entry], ctx.user)
    body, reads = read
    return {"blog": {**entry, "body": body, "reads": reads}}


async def list_blogs(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """A user's blogs that the viewer may read, newest first (summaries, not bodies)."""
    owner = validate.username(data, "user")
    before = validate.identifier(data, "before", optional=True)
    limit = validate.limit(data)
    if await ctx.node.store.get_user(owner) is None:
        raise not_found(f"no user '{owner}'")
    sources, memberships = await space_sources(ctx, owner)
    found = await ctx.node.store.timeline(sources, before, limit, kinds=("blog",))
    items = readable_by(ctx.user, found, memberships)
    await decorate(ctx.node, items, ctx.user)
    return {"items": items, "next": found[-1]["id"] if len(found) == limit else None}


async def update(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """The author changes what they give; readers still in the audience get
    `blog.updated`, those a narrower visibility leaves out get `blog.deleted`."""
    unknown = set(data) - UPDATABLE
    if unknown:
        raise bad_request(f"unknown field(s): {', '.join(sorted(unknown))}")
    subject = Subject("blog", _blog_id(data))
    given = {key for key, value in data.items() if value is not None} - {"blog_id"}
    if not given:
        raise bad_request("give at least one of 'title', 'body', 'category', 'visibility'")
    old = await _own(ctx, subject)
    title = validate.text(data, "title", MAX_TITLE).strip() if "title" in given else None
    body = validate.text(data, "body", MAX_BODY) if "body" in given else None
    category = (validate.optional_text(data, "category", MAX_CATEGORY).strip()
                if "category" in given else None)
    visibility, stored, names = (await chosen_visibility(ctx, data)
                                 if "visibility" in given else (None, None, []))
    extra = {k: v for k, v in (("title", title), ("category", category)) if v is not None}
    node = ctx.node
    blog = await node.store.update_post(
        subject.id, text=None if body is None else summary(body), extra=extra or None,
        visibility=stored, groups=names, body=body)
    if blog is None:
        raise not_found(f"no {subject}")
    before = await audience_of(node, old)
    after = before if visibility is None else await reached_by(ctx, visibility, names)
    await decorate(node, [blog], ctx.user)
    await node.publish("blog.updated", {"blog": blog}, post_audience(blog, after))
    if gone := before - after:
        await node.publish(*deletion(subject), gone)
    read = await node.store.blog_body(subject.id)
    return {"blog": {**blog, "body": read[0] if read else body or "",
                     "reads": read[1] if read else 0}}


async def delete(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    subject = Subject("blog", _blog_id(data))
    blog = await _own(ctx, subject)
    node = ctx.node
    audience = await audience_of(node, blog)
    if not await node.store.delete_post(subject):
        raise not_found(f"no {subject}")  # deleted meanwhile
    await node.publish(*deletion(subject), audience,
                       notes=notes.on_post_deleted(subject, blog["author"]))
    return {}


def _blog_id(data: dict[str, Any]) -> str:
    blog_id = validate.identifier(data, "blog_id")
    assert blog_id is not None
    return blog_id


async def _own(ctx: Context, subject: Subject) -> Mood:
    """The blog, if it is `ctx.user`'s; `not_found` if they may not read it either."""
    blog = await load(ctx.node, subject)
    if blog is None:
        raise not_found(f"no {subject}")
    if blog["author"] != ctx.user:
        ties = await ctx.node.store.ties(blog["author"], ctx.user)
        if not policy.may_see(blog["visibility"], ties):
            raise not_found(f"no {subject}")
        raise forbidden("only the author may change or delete a blog")
    return blog  # type: ignore[return-value]


HANDLERS: dict[str, Handler] = {"blog.post": post, "blog.get": get, "blog.list": list_blogs,
                                "blog.update": update, "blog.delete": delete}
