"""The posts that comments, likes and deletions are about, whatever their kind
(hub.subjects): loading one as the acting user may see it, and the audience its events
go to. One table (`LOADERS`) says how each kind is read; everything else here is the
same for a mood, a blog or a photo."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from hub import policy
from hub.errors import not_found
from hub.handlers import guards
from hub.handlers.guards import rules_of
from hub.models import Mood
from hub.subjects import Subject
from hub.together import together

if TYPE_CHECKING:
    from hub.node import Node
    from hub.ops import Context
    from hub.store.base import Store

# A post as the audience rules read it: at least `author` and `visibility`.
Post = Mapping[str, Any]
Loader = Callable[["Store", str], Awaitable[Post | None]]


async def _mood(store: Store, mood_id: str) -> Post | None:
    return await store.get_mood(mood_id)


LOADERS: dict[str, Loader] = {"mood": _mood}


async def load(node: Node, subject: Subject) -> Post | None:
    loader = LOADERS.get(subject.kind)
    return None if loader is None else await loader(node.store, subject.id)


async def audience_of(node: Node, post: Post) -> set[str]:
    """Who a post's events go to (DESIGN §3): the author and, as its visibility says,
    the author's friends (those in its groups, for a group post)."""
    author, store = post["author"], node.store
    groups = policy.groups_of(post["visibility"])
    friends, members = await together(store.friends(author),
                                      store.group_members(author, groups))
    return policy.audience(author, post["visibility"], friends,
                           members={name: members for name in groups})


async def visible_post(ctx: Context, subject: Subject, *, acting: bool = True
                       ) -> tuple[Post, set[str]]:
    """The post if `ctx.user` may see it and act on it (comment, like), with the
    audience its events go to: the post's audience plus the actor (who may be a
    non-friend on a public post). A post the user may not see is reported as missing,
    so its existence leaks not; one they may see but not act on is `forbidden`
    (blocked, or the owner lets only friends comment). With `acting=False` (reading),
    only the reading rules apply."""
    post = await load(ctx.node, subject)
    if post is None:
        raise not_found(f"no {subject}")
    author = post["author"]
    audience, (ties, settings) = await together(audience_of(ctx.node, post),
                                                rules_of(ctx, author))
    guards.not_blocked(ties)
    if not policy.may_read(settings, post["visibility"], ties):
        raise not_found(f"no {subject}")
    if acting:
        guards.may_comment(settings, post["visibility"], ties)
    return post, audience | {ctx.user}


async def visible_mood(ctx: Context, mood_id: str) -> tuple[Mood, set[str]]:
    post, audience = await visible_post(ctx, Subject("mood", mood_id))
    return post, audience  # type: ignore[return-value]


def owner_fields(subject: Subject, post: Post) -> dict[str, str]:
    """Whose post an event is about, as events name it: `owner`, and `mood_author` on a
    mood's (the one name there was before other kinds)."""
    fields = {"owner": post["author"]}
    if subject.kind == "mood":
        fields["mood_author"] = post["author"]
    return fields
