"""Who receives an event: DESIGN §3 as plain functions over plain data.

Privacy is decided here, at fan-out, on the server: an event is written only into the
inboxes of users allowed to see it. Who may see a post is `hub.policy`'s rule; this
module turns it into the recipients of each kind of event.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from hub import policy
from hub.channels.base import Audience
from hub.models import Mood, Visibility


def mood_audience(author: str, visibility: Visibility, friends: Iterable[str]) -> set[str]:
    """`mood` and everything about it (`mood.deleted`, `comment`, `like`)."""
    return policy.audience(author, visibility, friends)


def post_audience(post: Mapping[str, Any], users: Collection[str],
                  actor: str | None = None) -> Audience:
    """The audience of an event about `post` (the post itself, a comment, a like):
    `users` read now, each still to be the author's friend — and in one of the post's
    groups, for a group post — when it is written; with `actor`, the one whose act it
    is (`actor_of`)."""
    author, visibility = post["author"], post["visibility"]
    groups = policy.groups_of(visibility)
    members_of = author if visibility == "friends" or groups else None
    return Audience.of(users, members_of=members_of, groups=groups,
                       actor=None if actor is None else actor_of(actor, author))


def acted(users: Collection[str], actor: str) -> Audience:
    """An act in someone's space (a gift, a guestbook entry, a visit, a request)."""
    return Audience.of(users, actor=actor)


def friends_only_owner(mood: Mood) -> str | None:
    """Whose friendship a delivery about `mood` must still hold when written (the
    `friends_of` of a publish): the author's, for a friends-only mood, since an unfriend
    may land after the audience was read."""
    return mood["author"] if mood["visibility"] == "friends" else None


def actor_of(actor: str, owner: str) -> str | None:
    """The `actor` of a publish about `owner`'s post or space (recipients who are not
    the actor's friend get it live only): None when the owner acts, since the audience
    is then the owner's friends, every one a friend of the actor."""
    return None if actor == owner else actor


def can_see_mood(viewer: str, mood: Mood, author_friends: Iterable[str]) -> bool:
    ties = policy.Ties(owner=mood["author"], viewer=viewer,
                       friends=viewer in set(author_friends))
    return policy.may_see(mood["visibility"], ties)


def visible_sources(viewer: str, author: str, is_friend: bool) -> list[tuple[str, Visibility]]:
    """The (author, visibility) timelines of `author` that `viewer` may read."""
    if viewer == author:
        return [(author, "public"), (author, "friends"), (author, "private")]
    if is_friend:
        return [(author, "public"), (author, "friends")]
    return [(author, "public")]


def pair(a: str, b: str) -> set[str]:
    """`gift` (recipient and sender), `guestbook` (owner and author), `friend.*` (both)."""
    return {a, b}


def visit_audience(owner: str, visitor: str) -> set[str]:
    return set() if owner == visitor else {owner}


def level_audience(user: str, friends: Iterable[str]) -> set[str]:
    return {user, *friends}
