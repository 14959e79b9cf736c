"""与我相关: the notifications the hub keeps for each user, whether or not they have a tab
open. Pure: what a notification is, how one is named, how a page of them is grouped.

A notification (`Note`) is named by its *cause* — `<about>|<what>`: what it is about (a
post, a guestbook entry, a gift, a person: `mood:5`, `entry:7`, `gift:3`,
`user:alice`) and what happened (`like:bob`, `comment:12`). The cause makes a
notification unique (a second like by the same user is the same notification) and
lets it be withdrawn when what caused it is undone — one cause (an unlike, a deleted
comment), or every cause about one thing (a deleted post). Stores keep at most
`MAX_NOTES` per user, the newest.

`group` merges notifications into one item when a page is read, as Mastodon's grouped
notifications do: the likes of one post ("小美、王经理 等 3 人赞了你的说说").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

from hub.subjects import Subject

MAX_NOTES = 200  # per user, the newest (docs/protocol.md says what that costs)
MAX_ACTORS = 5  # shown per grouped item; `count` says how many there were

NoteType = Literal["comment", "reply", "like", "gift", "guestbook", "guestbook.reply",
                   "visit", "friend.request", "friend.added", "level.up", "mention", "care"]


class Note(TypedDict):
    """One notification as stored (and sent in a `notify` event)."""

    id: str  # grows with time, per user
    type: str
    cause: str
    actor: str
    ts: int
    data: dict[str, Any]  # what the client needs to open it (post, comment, entry ids…)


def about_subject(subject: Subject) -> str:
    return f"{subject.kind}:{subject.id}"


def cause(about: str, what: str = "") -> str:
    return f"{about}|{what}"


def about_of(cause_: str) -> str:
    return cause_.partition("|")[0]


def subject_of(note: Note) -> Subject | None:
    """The post a notification is about, if it is about one (for the reading check)."""
    kind, _, ident = about_of(note["cause"]).partition(":")
    if kind in ("mood", "blog", "photo") and ident:
        return Subject(kind, ident)  # type: ignore[arg-type]
    return None


@dataclass(frozen=True, slots=True)
class Add:
    """Give `user` the notification `note` (its `id` is assigned by the store)."""

    user: str
    note: Note


@dataclass(frozen=True, slots=True)
class Withdraw:
    """Take back `user`'s notification `cause`, or (with `about` only) every one of
    theirs about that thing."""

    user: str
    cause: str = ""
    about: str = ""


Change = Add | Withdraw


def note(type_: str, about: str, what: str, actor: str, ts: int, **data: Any) -> Note:
    return Note(id="", type=type_, cause=cause(about, what), actor=actor, ts=ts, data=data)


def group_key(note_: Note) -> str:
    """Likes of one post merge; anything else stands alone."""
    if note_["type"] == "like":
        return f"like|{about_of(note_['cause'])}"
    return f"one|{note_['cause']}"


@dataclass
class Item:
    """One line of 与我相关: a notification, or several merged (`ids`)."""

    type: str
    ts: int
    data: dict[str, Any]
    ids: list[str] = field(default_factory=list)
    causes: list[str] = field(default_factory=list)
    actors: list[str] = field(default_factory=list)
    count: int = 0
    read: bool = True

    def wire(self, people: dict[str, dict[str, str]]) -> dict[str, Any]:
        return {"id": self.ids[0], "ids": self.ids, "causes": self.causes,
                "type": self.type, "ts": self.ts,
                "read": self.read, "count": self.count,
                "actors": [{"user": a, **people.get(a, {"display_name": a,
                                                        "head_portrait": ""})}
                           for a in self.actors], **self.data}


def grouped(notes: Iterable[tuple[Note, bool]]) -> list[Item]:
    """`(note, read)` pairs, newest first → items, newest first: the likes of one post
    merged into the item of the newest of them."""
    items: dict[str, Item] = {}
    for one, read in notes:
        key = group_key(one)
        item = items.get(key)
        if item is None:
            item = items[key] = Item(type=one["type"], ts=one["ts"], data=dict(one["data"]))
        item.ids.append(one["id"])
        item.causes.append(one["cause"])
        item.count += 1
        item.read = item.read and read
        if one["actor"] not in item.actors and len(item.actors) < MAX_ACTORS:
            item.actors.append(one["actor"])
    return list(items.values())


def actors_of(items: Sequence[Item]) -> set[str]:
    return {a for item in items for a in item.actors}


# -- what each act notifies, and whom (pure: the handlers call these) -------------------

EXCERPT = 60  # characters of a comment or entry a notification carries


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT else text[:EXCERPT - 1] + "…"


def on_comment(subject: Subject, owner: str, comment: dict[str, Any],
               reply_to_author: str | None) -> list[Change]:
    """The post's owner is told of a comment; the author of the comment it replies to
    of the reply (once, as a reply, when that is the owner)."""
    actor, about = comment["author"], about_subject(subject)
    data = {**subject.fields(), "owner": owner, "comment_id": comment["id"],
            "text": _excerpt(comment["text"])}
    changes: list[Change] = []
    if reply_to_author is not None and reply_to_author != actor:
        changes.append(Add(reply_to_author, note("reply", about, f"reply:{comment['id']}",
                                                 actor, comment["ts"], **data)))
    if owner != actor and owner != reply_to_author:
        changes.append(Add(owner, note("comment", about, f"comment:{comment['id']}", actor,
                                       comment["ts"], **data)))
    return changes


def on_comment_deleted(subject: Subject, owner: str, comment_id: str,
                       reply_to_author: str | None) -> list[Change]:
    about = about_subject(subject)
    changes: list[Change] = [Withdraw(owner, cause(about, f"comment:{comment_id}"))]
    if reply_to_author is not None:
        changes.append(Withdraw(reply_to_author, cause(about, f"reply:{comment_id}")))
    return changes


def on_like(subject: Subject, owner: str, actor: str, liked: bool, ts: int) -> list[Change]:
    if owner == actor:
        return []
    about = about_subject(subject)
    if not liked:
        return [Withdraw(owner, cause(about, f"like:{actor}"))]
    return [Add(owner, note("like", about, f"like:{actor}", actor, ts, **subject.fields(),
                            owner=owner))]


def on_post_deleted(subject: Subject, owner: str) -> list[Change]:
    """Everything the owner was told about the post goes (others' notes about it are
    left out when read: the post is no longer there to read)."""
    return [Withdraw(owner, about=about_subject(subject))]


def on_gift(gift: dict[str, Any]) -> list[Change]:
    return [Add(gift["to"], note("gift", f"gift:{gift['id']}", "", gift["from"], gift["ts"],
                                 gift_id=gift["id"], gift=gift["gift"], name=gift["name"]))]


def on_guestbook(entry: dict[str, Any]) -> list[Change]:
    if entry["owner"] == entry["author"]:
        return []
    return [Add(entry["owner"], note("guestbook", f"entry:{entry['id']}", "", entry["author"],
                                     entry["ts"], entry_id=entry["id"], owner=entry["owner"],
                                     private=bool(entry.get("private")),
                                     text=_excerpt(entry["text"])))]


def on_guestbook_reply(entry: dict[str, Any], ts: int) -> list[Change]:
    if entry["owner"] == entry["author"]:
        return []
    reply = entry.get("reply") or {}
    return [Add(entry["author"], note("guestbook.reply", f"entry:{entry['id']}", "reply",
                                      entry["owner"], ts, entry_id=entry["id"],
                                      owner=entry["owner"],
                                      text=_excerpt(str(reply.get("text", "")))))]


def on_guestbook_deleted(entry: dict[str, Any]) -> list[Change]:
    about = f"entry:{entry['id']}"
    return [Withdraw(entry["owner"], about=about), Withdraw(entry["author"], about=about)]


def on_visit(owner: str, visitor: str, ts: int, day: int) -> list[Change]:
    return [Add(owner, note("visit", f"visit:{visitor}", str(day), visitor, ts, owner=owner))]


def on_friend_request(frm: str, to: str, ts: int) -> list[Change]:
    return [Add(to, note("friend.request", f"user:{frm}", "request", frm, ts, user=frm))]


def on_friend_added(asked: str, accepted_by: str, ts: int) -> list[Change]:
    """The one who asked is told; the request's own notification goes."""
    return [Add(asked, note("friend.added", f"user:{accepted_by}", "added", accepted_by, ts,
                            user=accepted_by)),
            Withdraw(accepted_by, cause(f"user:{asked}", "request"))]


def on_level_up(user: str, level: int, ts: int) -> list[Change]:
    return [Add(user, note("level.up", f"level:{level}", "", user, ts, level=level))]


def on_mention(subject: Subject, users: list[str], actor: str, ts: int, text: str,
               comment_id: str | None = None) -> list[Change]:
    """`users` (already those who may read the post) were named with @ by `actor`."""
    about = about_subject(subject)
    what = f"mention:{comment_id}" if comment_id else "mention"
    data: dict[str, Any] = {**subject.fields(), "text": _excerpt(text)}
    if comment_id:
        data["comment_id"] = comment_id
    return [Add(user, note("mention", about, what, actor, ts, **data)) for user in users]


def on_mention_withdrawn(subject: Subject, users: list[str], comment_id: str
                         ) -> list[Change]:
    about = about_subject(subject)
    return [Withdraw(user, cause(about, f"mention:{comment_id}")) for user in users]


def on_care(subject: Subject, carers: list[str], author: str, ts: int, text: str
            ) -> list[Change]:
    """A new post of someone `carers` keep special care for (特别关心)."""
    about = about_subject(subject)
    return [Add(user, note("care", about, "care", author, ts, **subject.fields(),
                           text=_excerpt(text))) for user in carers]
