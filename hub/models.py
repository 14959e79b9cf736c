"""Shapes of stored records and of the objects ops return, as TypedDicts.

Stores return these dicts as they go on the wire (JSON-ready); handlers add
per-viewer fields (`liked`, `comments`, display names) before replying.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

Visibility = Literal["public", "friends", "private", "groups"]
VISIBILITIES: tuple[Visibility, ...] = ("public", "friends", "private")
# On the wire a group post's visibility is {"groups": [names]}; stores keep "groups"
# and the names beside it (`wire_visibility` puts them back together).
WireVisibility = str | dict[str, list[str]]


def wire_visibility(visibility: str, groups: list[str]) -> WireVisibility:
    return {"groups": sorted(groups)} if visibility == "groups" else visibility


class UserRecord(TypedDict):
    username: str
    display_name: str
    password_hash: str
    created: int
    signature: str
    head_portrait: str
    skin: str
    music: str
    points: int


PROFILE_FIELDS = ("display_name", "signature", "head_portrait", "skin", "music")


class Profile(TypedDict):
    user: str
    display_name: str
    signature: str
    head_portrait: str
    skin: str
    music: str


# What a feed entry is: a mood (说说), a blog (日志; `text` is its summary), an upload of
# photos to an album, or a repost (转发: a mood about another post).
PostKind = Literal["mood", "blog", "photos", "repost"]
POST_KINDS: tuple[PostKind, ...] = ("mood", "blog", "photos", "repost")


class Mood(TypedDict):
    """A feed entry of any kind (`PostKind`); the kind's own fields beside the common
    ones (a blog's `title` and `category`, a mood's `images`, ...)."""

    id: str
    kind: PostKind
    author: str
    text: str
    visibility: WireVisibility  # "public", "friends", "private" or {"groups": [names]}
    tag: str
    ts: int
    # the kind's own (stored beside the entry as JSON: `extra`)
    title: NotRequired[str]  # a blog's
    category: NotRequired[str]  # a blog's
    images: NotRequired[list[dict[str, Any]]]  # a mood's pictures
    album_id: NotRequired[str]  # an upload of photos:
    photo_ids: NotRequired[list[str]]
    repost_of: NotRequired[dict[str, str]]  # a repost's original: {"kind", "<kind>_id"}
    # added per viewer by the handlers:
    author_name: NotRequired[str]
    author_portrait: NotRequired[str]
    likes: NotRequired[int]
    liked: NotRequired[bool]
    comments: NotRequired[list[Comment]]
    comment_count: NotRequired[int]


class Comment(TypedDict):
    """A comment on a subject (hub.subjects): `kind` and its `<kind>_id` — `mood_id`,
    `blog_id` or `photo_id` — name what it is on."""

    id: str
    kind: str
    mood_id: NotRequired[str]
    blog_id: NotRequired[str]
    photo_id: NotRequired[str]
    author: str
    text: str
    reply_to: str | None
    ts: int
    author_name: NotRequired[str]
    author_portrait: NotRequired[str]


# "from" is a Python keyword, hence the functional form.
Gift = TypedDict(
    "Gift",
    {
        "id": str,
        "from": str,
        "to": str,
        "gift": str,
        "name": str,
        "animation": str,
        "message": str,
        "ts": int,
    },
)


class Reply(TypedDict):
    text: str
    ts: int


class Entry(TypedDict):
    """A guestbook entry (留言). `private` (悄悄话): seen by the owner and the author
    only. `reply`: the owner's answer (主人回复), or None."""

    id: str
    owner: str
    author: str
    text: str
    ts: int
    private: NotRequired[bool]
    reply: NotRequired[Reply | None]
    author_name: NotRequired[str]
    author_portrait: NotRequired[str]


class Visit(TypedDict):
    user: str
    ts: int


def profile_of(user: UserRecord) -> Profile:
    return Profile(
        user=user["username"],
        display_name=user["display_name"],
        signature=user["signature"],
        head_portrait=user["head_portrait"],
        skin=user["skin"],
        music=user["music"],
    )
