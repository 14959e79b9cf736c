"""The posts that comments, likes and deletions are about, whatever their kind
(hub.subjects): loading one as the acting user may see it, the audience its events go
to, and what every kind of new post shares (its visibility, whom it tells, which
timelines a space shows). One table (`LOADERS`) says how each kind is read; everything
else here is the same for a mood, a blog or a photo."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from hub import notes, policy
from hub.channels.audience import visible_sources
from hub.errors import bad_request, forbidden, not_found
from hub.handlers import guards
from hub.handlers.guards import rules_of
from hub.mentions import mentioned
from hub.models import Mood, Visibility
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
    found = await store.get_mood(mood_id)
    return found if found is not None and found["kind"] in MOOD_KINDS else None


async def _blog(store: Store, blog_id: str) -> Post | None:
    found = await store.get_mood(blog_id)
    return found if found is not None and found["kind"] == "blog" else None


LOADERS: dict[str, Loader] = {"mood": _mood, "blog": _blog}
# Feed entries that are moods as subjects (comments, likes, `mood_id`): a repost is one.
MOOD_KINDS = frozenset(("mood", "repost"))


def subject_of_entry(entry: Mood) -> Subject | None:
    """What a feed entry's comments and likes are on (None: an upload of photos, whose
    photos each have their own)."""
    kind = entry["kind"]
    if kind in MOOD_KINDS:
        return Subject("mood", entry["id"])
    return Subject("blog", entry["id"]) if kind == "blog" else None


async def chosen_visibility(ctx: Context, data: dict[str, Any]
                            ) -> tuple[policy.Visibility, Visibility, list[str]]:
    """A new post's `visibility` as the rules read it, as stores keep it, and the
    names of its groups (each one the author's: `bad_request` otherwise)."""
    visibility = policy.parse_visibility(data.get("visibility"))
    if not isinstance(visibility, policy.Groups):
        return visibility, visibility, []  # type: ignore[return-value]
    unknown = sorted(visibility.names - set(await ctx.node.store.groups(ctx.user)))
    if unknown:
        raise bad_request(f"no group named {', '.join(unknown)}; make it with group.set")
    return visibility, "groups", sorted(visibility.names)


async def reached_by(ctx: Context, visibility: policy.Visibility, names: list[str]
                     ) -> set[str]:
    """Who a new post of `ctx.user`'s with this visibility goes to."""
    store = ctx.node.store
    friends, members = await together(store.friends(ctx.user),
                                      store.group_members(ctx.user, names))
    return policy.audience(ctx.user, visibility, friends, members={n: members for n in names})


async def told(ctx: Context, subject: Subject, text: str, public: bool, reached: set[str],
               ts: int) -> list[notes.Change]:
    """Who a new post notifies: those who keep special care for its author, and those
    it @mentions — each only if the post reaches them (or, public, exists for them)."""
    store = ctx.node.store
    named = mentioned(text, author=ctx.user)
    carers, existing = await together(store.carers(ctx.user), store.existing_users(named))
    readers = reached | existing if public else reached
    return [*notes.on_care(subject, [u for u in carers if u in reached], ctx.user, ts, text),
            *notes.on_mention(subject, [u for u in named if u in readers], ctx.user, ts,
                              text)]


async def space_sources(ctx: Context, owner: str
                        ) -> tuple[list[tuple[str, Visibility]], dict[str, set[str]]]:
    """The timelines of `owner`'s that `ctx.user` may read in the owner's space, and the
    viewer's groups of the owner's (for `readable_by`); `forbidden` for a space closed
    to the viewer."""
    me = ctx.user
    ties, settings = await rules_of(ctx, owner)
    if not policy.may_enter(settings, ties):
        guards.not_blocked(ties)
        raise forbidden(f"{owner}'s space is open to " + (
            "friends only" if settings.space == "friends" else "no one but its owner"))
    sources = visible_sources(me, owner, ties.friends)
    if ties.is_owner or (ties.friends and ties.groups):
        sources.append((owner, "groups"))
    return sources, {owner: set(ties.groups)}


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


def readable_by(viewer: str, moods: list[Mood], memberships: dict[str, set[str]]
                ) -> list[Mood]:
    """Of timeline entries, those a group post's groups let `viewer` read now (the
    timeline selects group posts by author only)."""
    return [m for m in moods if m["author"] == viewer or not (
        groups := policy.groups_of(m["visibility"])) or not groups.isdisjoint(
            memberships.get(m["author"], ()))]


def owner_fields(subject: Subject, post: Post) -> dict[str, str]:
    """Whose post an event is about, as events name it: `owner`, and `mood_author` on a
    mood's (the one name there was before other kinds)."""
    fields = {"owner": post["author"]}
    if subject.kind == "mood":
        fields["mood_author"] = post["author"]
    return fields
