"""Who may do what in whose space: one pure policy over plain facts (DESIGN §7).

Every rule here is a function of `Ties` — what holds between a space's owner and one
other user, read from the stores (friendship, a block either way, the owner's groups
the user is in) — and, where it matters, of a post's visibility or the owner's space
settings. Ops, fan-out, feeds, spaces, media and notifications all ask these functions,
so a rule is changed in one place and holds everywhere. Nothing here does I/O.

`audience` is the same rules turned around: of a set of users, exactly those
`may_see` lets see a post (a property test checks that the two never disagree).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

from hub.errors import bad_request

Audience = Literal["everyone", "friends", "me"]
Writers = Literal["everyone", "friends", "nobody"]
Commenters = Literal["everyone", "friends"]

SIMPLE_VISIBILITIES = ("public", "friends", "private")
MAX_GROUPS_PER_POST = 20


@dataclass(frozen=True, slots=True)
class Groups:
    """A post for the author's friends in these of the author's groups (分组)."""

    names: frozenset[str]

    def wire(self) -> dict[str, list[str]]:
        return {"groups": sorted(self.names)}


Visibility = str | Groups  # "public", "friends", "private", or Groups


@dataclass(frozen=True, slots=True)
class SpaceSettings:
    """What the owner of a space says about it (`settings.get` / `settings.update`)."""

    space: Audience = "everyone"  # who may enter
    guestbook: Writers = "everyone"  # who may write in the guestbook
    visitors: Audience = "everyone"  # who sees the visitor list
    comments: Commenters = "everyone"  # who may comment on the owner's posts
    record_visits: bool = True  # whether the owner's own visits elsewhere are recorded

    def wire(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


SETTING_CHOICES: dict[str, tuple[Any, ...]] = {
    "space": ("everyone", "friends", "me"),
    "guestbook": ("everyone", "friends", "nobody"),
    "visitors": ("everyone", "friends", "me"),
    "comments": ("everyone", "friends"),
    "record_visits": (True, False),
}


def updated_settings(settings: SpaceSettings, changes: Mapping[str, Any]) -> SpaceSettings:
    """`settings` with `changes` applied; `bad_request` naming an unknown key or value."""
    unknown = sorted(set(changes) - set(SETTING_CHOICES))
    if unknown:
        raise bad_request(f"unknown setting(s): {', '.join(unknown)}; known: "
                          f"{', '.join(SETTING_CHOICES)}")
    for key, value in changes.items():
        allowed = SETTING_CHOICES[key]
        if type(value) is not type(allowed[0]) or value not in allowed:
            shown = ", ".join(str(a).lower() if isinstance(a, bool) else a for a in allowed)
            raise bad_request(f"setting '{key}' must be one of: {shown}")
    return replace(settings, **changes)


@dataclass(frozen=True, slots=True)
class Ties:
    """What holds between `owner` (of a space or a post) and `viewer`."""

    owner: str
    viewer: str
    friends: bool = False
    blocked: bool = False  # the owner blocked the viewer, or the viewer the owner
    groups: frozenset[str] = field(default_factory=frozenset)  # owner's, with the viewer

    @property
    def is_owner(self) -> bool:
        return self.viewer == self.owner


def parse_visibility(value: Any, default: str = "friends") -> Visibility:
    """A post's visibility from an op: one of the three names, or
    `{"groups": [names]}`; `bad_request` otherwise."""
    if value is None:
        return default
    if isinstance(value, str) and value in SIMPLE_VISIBILITIES:
        return value
    if isinstance(value, dict) and set(value) == {"groups"}:
        names = value["groups"]
        if (isinstance(names, list) and 0 < len(names) <= MAX_GROUPS_PER_POST
                and all(isinstance(n, str) and n.strip() for n in names)):
            return Groups(frozenset(n.strip() for n in names))
    raise bad_request("'visibility' must be one of public, friends, private, or "
                      f'{{"groups": [1 to {MAX_GROUPS_PER_POST} group names]}}')


def visibility_of(value: Any) -> Visibility:
    """A stored or wire visibility (`{"groups": [...]}` for a group post) as the rules
    take it."""
    if isinstance(value, dict):
        return Groups(frozenset(value.get("groups") or ()))
    return value  # type: ignore[no-any-return]


def groups_of(value: Any) -> frozenset[str]:
    """The groups a post is for (none unless it is a group post)."""
    visibility = visibility_of(value)
    return visibility.names if isinstance(visibility, Groups) else frozenset()


def may_see(visibility: Visibility | dict[str, Any], ties: Ties) -> bool:
    """A post of `ties.owner`'s with this visibility, by `ties.viewer`."""
    visibility = visibility_of(visibility)
    if ties.is_owner:
        return True
    if ties.blocked:
        return False
    if isinstance(visibility, Groups):
        return ties.friends and not visibility.names.isdisjoint(ties.groups)
    if visibility == "public":
        return True
    return visibility == "friends" and ties.friends


def _admits(who: str, ties: Ties) -> bool:
    return who == "everyone" or (who == "friends" and ties.friends)


def may_enter(settings: SpaceSettings, ties: Ties) -> bool:
    """Open the owner's space (`space.get`)."""
    if ties.is_owner:
        return True
    return not ties.blocked and _admits(settings.space, ties)


def may_read(settings: SpaceSettings, visibility: Visibility, ties: Ties) -> bool:
    """Read a post of the owner's wherever it shows (feed, space, a link): its
    visibility allows it, and the owner's space is open to the viewer."""
    return may_see(visibility, ties) and may_enter(settings, ties)


def may_comment(settings: SpaceSettings, visibility: Visibility, ties: Ties) -> bool:
    """Comment on (or like) a post of the owner's that the viewer may read."""
    if ties.is_owner:
        return True
    return may_read(settings, visibility, ties) and _admits(settings.comments, ties)


def may_write_guestbook(settings: SpaceSettings, ties: Ties) -> bool:
    if ties.is_owner:
        return True
    return may_enter(settings, ties) and _admits(settings.guestbook, ties)


def may_see_visitors(settings: SpaceSettings, ties: Ties) -> bool:
    if ties.is_owner:
        return True
    return may_enter(settings, ties) and _admits(settings.visitors, ties)


def may_reach(ties: Ties) -> bool:
    """Send the owner a gift or a friend request: anyone not blocked either way."""
    return not ties.blocked and not ties.is_owner


def audience(author: str, visibility: Visibility, friends: Iterable[str], *,
             members: Mapping[str, Collection[str]] | None = None,
             blocked: Collection[str] = ()) -> set[str]:
    """Of the author and the author's friends, those who may see a post: `members`
    maps each of the author's groups to its members, `blocked` names who is blocked
    either way. (Strangers may see a public post too, but they are no one's audience:
    they read it when they look.)"""
    visibility = visibility_of(visibility)
    if visibility == "private":
        return {author}
    candidates = set(friends) - set(blocked)
    if isinstance(visibility, Groups):
        groups = members or {}
        candidates = {f for f in candidates
                      if any(f in groups.get(name, ()) for name in visibility.names)}
    return {author, *candidates}
