"""The `Broker` protocol: per-user inboxes, live delivery and cross-node presence.

An event body is encoded once by its producer (`protocol.encode_event_body`). `deliver`
gives it, in one step (one pipelined round trip on Redis), to every recipient's inbox —
a contiguous `seq` per user under an `epoch` — and publishes each recipient's frame
(`protocol.frame_event`) on that user's live channel. Every node subscribed to a user's
live channel hands those exact bytes to the node's `FrameSink`, which passes them to the
user's local connections — a whole event's (or a whole socket read's) frames in one call,
so the per-recipient cost is a loop iteration, not a chain of calls.

`memory.MemoryBroker` (one process) and `redis.RedisBroker` (many nodes) implement it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

# One live frame: (user, seq, frame bytes); seq None for a frame that is no inbox event
# (presence, a logout signal).
LiveFrame = tuple[str, int | None, bytes]
# Called on the node's event loop with the live frames of users this node is subscribed
# to, in publish order. Must not block.
FrameSink = Callable[[Sequence[LiveFrame]], None]
# Called after the broker lost and regained its live feed (Redis reconnect): frames
# published meanwhile were missed, so every local connection must catch up from its inbox.
ResyncHook = Callable[[], None]
# Called when the broker loses its live feed, before it resubscribes: every local
# connection holds its live frames until that resync's catch-up has checked its inbox.
HoldHook = Callable[[], None]
# Of the given usernames, those that are not registered users.
Unregistered = Callable[[Sequence[str]], list[str]]
# A user's friends as they are now, synchronously: the memory broker's audience checks.
FriendSet = Callable[[str], frozenset[str]]
# The members of some of a user's groups as they are now, synchronously (same).
GroupMembers = Callable[[str, frozenset[str]], frozenset[str]]
# Called with a user that went offline because the node holding them died (it never
# said goodbye): the node announces it to the user's friends.
OfflineHook = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Audience:
    """Who an event goes to: `users`, read before the write, and what each of them must
    still be at the moment of the write — checked there, atomically with it (in the
    delivery's one script on Redis), so that an audience read before an unfriend, a
    group change or a block cannot outlive it:

    * `members_of`: the owner of a friends-only (or group) post; a recipient other than
      the owner who is no longer the owner's friend is skipped;
    * `groups`: with `members_of`, the owner's groups a group post is for; a recipient
      other than the owner who is in none of them is skipped;
    * `actor`: the user whose act the event is; a recipient other than the actor who is
      not the actor's friend gets it live only (`protocol.frame_live_only`: no inbox
      entry, no seq), so nobody who is not a friend can push a user's friends' events
      out of the retained inbox.
    """

    users: tuple[str, ...]
    members_of: str | None = None
    groups: frozenset[str] = frozenset()
    actor: str | None = None

    def __post_init__(self) -> None:
        if self.groups and self.members_of is None:
            raise ValueError("groups are the groups of members_of: name the owner")

    @classmethod
    def of(cls, users: Collection[str], *, members_of: str | None = None,
           groups: Collection[str] = (), actor: str | None = None) -> Audience:
        """One entry per user, in the order given (one seq each, even if named twice)."""
        return cls(tuple(dict.fromkeys(users)), members_of, frozenset(groups), actor)

    @property
    def checked(self) -> bool:
        return self.members_of is not None or self.actor is not None


@dataclass(frozen=True, slots=True)
class InboxHead:
    epoch: str
    seq: int  # 0 when the inbox is empty
    last_id: str  # "" when the inbox is empty
    frame: bytes | None = None  # the frame of `seq`, when the inbox holds one


@dataclass(frozen=True, slots=True)
class Replay:
    head: InboxHead
    frames: list[bytes] = field(default_factory=list)  # after `since`, in seq order
    gap: bool = False  # `since` older than retained, from another epoch, or unknown


class Broker(Protocol):
    async def start(self, sink: FrameSink, on_resync: ResyncHook,
                    on_offline: OfflineHook | None = None, *,
                    on_hold: HoldHook | None = None) -> None: ...

    async def close(self) -> None: ...

    def health(self) -> dict[str, Any]: ...

    async def deliver(self, body: bytes, audience: Audience, *,
                      registered_only: bool = False) -> list[str]:
        """Append to the inbox of each user of `audience` that its rules still admit,
        and publish live (`Audience`). Durable on return. With `registered_only`,
        deliver nothing unless every user is a registered user, and return those who
        are not (in the delivery's one round trip on Redis); returns [] otherwise.
        `registered_only` does not combine with the audience's rules (ValueError)."""
        ...

    async def head(self, user: str) -> InboxHead: ...

    async def replay(self, user: str, since: str, *, holding: bytes | None = None) -> Replay:
        """Inbox events after `since` (an event id). On a gap: every retained event
        when `since` is of this epoch, none when it is of another.

        `holding` is the frame of `since` as this node delivered it (a catch-up's). The
        inbox must still hold that very frame at `since`. If it holds another, or its
        head is now below `since`, the inbox lost events it had acknowledged (a Redis
        crash under `appendfsync everysec`) and is handing their seqs out again: its
        history is void, so the broker gives the inbox a new epoch and reports a gap,
        and every tab of the user resumes with `gap`."""
        ...

    async def subscribe(self, user: str) -> None:
        """Start receiving `user`'s live frames; returns once the subscription is in
        effect, so that nothing published after the return is missed."""
        ...

    async def unsubscribe(self, user: str) -> None: ...

    async def signal(self, frame: bytes, users: Collection[str]) -> None:
        """Publish an ephemeral frame (presence) live to `users`; no inbox, no seq."""
        ...

    async def connected(self, user: str) -> bool:
        """A first local connection of `user` opened on this node; True when the user
        was offline on every node before."""
        ...

    async def disconnected(self, user: str) -> bool:
        """The last local connection of `user` closed here; True when the user is now
        offline on every node."""
        ...

    async def online(self, users: Collection[str]) -> set[str]: ...
