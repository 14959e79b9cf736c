"""What a comment, a like, a deletion or a notification is about: a *subject*, one post
of one kind (a mood, a blog, a photo) named by kind and id. Pure.

On the wire a subject is the field `<kind>_id` (`mood_id`, `blog_id`, `photo_id`): ops
take exactly one of them, and comments, likes and `<kind>.deleted` events carry it,
with `kind` beside it. Moods came first and their events said only `mood_id`; that
field is kept, so a mood's subject reads the same as before.

Which event is about which subject is answered here and only here (`subject_of_event`),
so code that filters frames by subject — the withdrawal of deleted posts from replays —
needs no knowledge of moods or blogs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast

from hub import validate
from hub.errors import bad_request

Kind = Literal["mood", "blog", "photo"]
KINDS: tuple[Kind, ...] = ("mood", "blog", "photo")
ID_FIELDS: dict[str, Kind] = {f"{kind}_id": kind for kind in KINDS}


@dataclass(frozen=True, slots=True, order=True)
class Subject:
    kind: Kind
    id: str

    @property
    def field(self) -> str:
        """The wire name of its id: `mood_id`, `blog_id`, `photo_id`."""
        return f"{self.kind}_id"

    def fields(self) -> dict[str, str]:
        """How an object names it on the wire: `{"kind": ..., "<kind>_id": ...}`."""
        return {"kind": self.kind, self.field: self.id}

    @property
    def deleted_event(self) -> str:
        return f"{self.kind}.deleted"

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"


def mood(mood_id: str) -> Subject:
    return Subject("mood", mood_id)


def from_op(data: dict[str, Any]) -> Subject:
    """The subject an op names by exactly one of `mood_id`, `blog_id`, `photo_id`;
    `bad_request` otherwise. The id is checked and made canonical (`validate`)."""
    given = [name for name in ID_FIELDS if data.get(name) is not None]
    if len(given) != 1:
        raise bad_request("name exactly one of " + ", ".join(f"'{n}'" for n in ID_FIELDS))
    (name,) = given
    subject_id = validate.identifier(data, name)
    assert subject_id is not None
    return Subject(ID_FIELDS[name], subject_id)


def from_fields(obj: Any) -> Subject | None:
    """The subject an object names (`{"kind", "<kind>_id"}`, or a bare `mood_id` as
    every mood event and comment did before there were other kinds); None if none."""
    if not isinstance(obj, dict):
        return None
    kind = obj.get("kind", "mood")
    if kind not in KINDS:
        return None
    value = obj.get(f"{kind}_id")
    return Subject(cast(Kind, kind), str(value)) if value is not None else None


# What a replay can withdraw: a post (its kind and id), or a comment or a guestbook
# entry ("comment", id), ("entry", id).
Ref = tuple[str, str]

# Events whose data holds a post of their kind under the kind's name.
_POST_EVENTS: dict[str, Kind] = {"mood": "mood", "blog": "blog", "blog.updated": "blog"}
_DELETED_EVENTS: dict[str, Kind] = {f"{kind}.deleted": kind for kind in KINDS}


def subject_of_event(event: str, data: Any) -> Subject | None:
    """The post an event of ours is about (None for one about none, or a producer's
    `x.*` event)."""
    try:
        if event in _POST_EVENTS:
            kind = _POST_EVENTS[event]
            return Subject(kind, str(data[kind]["id"]))
        if event == "comment":
            return from_fields(data["comment"])
        if event in ("like", "comment.deleted") or event in _DELETED_EVENTS:
            return from_fields(data)
    except (KeyError, TypeError):
        return None
    return None


def refs_of_event(event: str, data: Any) -> tuple[Ref, ...]:
    """Everything an event is about that a later event may withdraw: its post, and
    the comment or guestbook entry it carries."""
    refs: list[Ref] = []
    subject = subject_of_event(event, data)
    if subject is not None and event not in _DELETED_EVENTS:
        refs.append((subject.kind, subject.id))
    try:
        if event == "comment":
            refs.append(("comment", str(data["comment"]["id"])))
        elif event in ("guestbook", "guestbook.reply"):
            refs.append(("entry", str(data["entry"]["id"])))
    except (KeyError, TypeError):
        pass
    return tuple(refs)


def withdrawn_by(event: str, data: Any) -> Ref | None:
    """What a deletion event withdraws (`<kind>.deleted`, `comment.deleted`,
    `guestbook.deleted`), else None."""
    try:
        if event in _DELETED_EVENTS:
            subject = from_fields(data)
            return None if subject is None else (subject.kind, subject.id)
        if event == "comment.deleted":
            return ("comment", str(data["comment_id"]))
        if event == "guestbook.deleted":
            return ("entry", str(data["entry_id"]))
    except (KeyError, TypeError):
        return None
    return None


def deletion(subject: Subject) -> tuple[str, dict[str, str]]:
    """The event that withdraws `subject`: (`<kind>.deleted`, its data)."""
    return subject.deleted_event, subject.fields()
