"""The memory engine's broker: per-user inboxes in this process, optionally journaled
into the memory store's SQLite database so they survive a restart.

One process is the whole cluster here, so "live delivery" is a direct call into the
node's sink and presence is this process's own count.
"""

from __future__ import annotations

import itertools
import secrets
import sqlite3
from collections import deque
from collections.abc import Collection
from typing import Any

from hub.channels.base import (
    FrameSink,
    FriendSet,
    HoldHook,
    InboxHead,
    OfflineHook,
    Replay,
    ResyncHook,
    Unregistered,
)
from hub.protocol import frame_event, frame_live_only, make_event_id, parse_event_id


def new_epoch() -> str:
    return secrets.token_hex(4)


class Inbox:
    __slots__ = ("epoch", "frames", "id_prefix", "registered", "retention", "seq")

    def __init__(self, epoch: str, seq: int, retention: int) -> None:
        self.epoch = epoch
        self.seq = seq
        # The store confirmed its user exists (users are never deleted): a checked
        # publish asks the store only about recipients it has not confirmed before.
        self.registered = False
        # frame_event's bytes up to the seq: `{"type":"event","id":"<epoch>:`
        self.id_prefix = frame_event(f"{epoch}:", 0, b"{}").partition(b'","seq":')[0]
        self.retention = retention
        # The newest frames, oldest first; their seqs are contiguous and end at `seq`.
        # Plain bytes, no (seq, frame) tuples: a full inbox is 1,000 objects the cyclic
        # GC never looks at. Made on the first event: an unused inbox costs no deque.
        self.frames: deque[bytes] | None = None

    def add(self, seq: int, frame: bytes) -> None:
        """Append the frame of `seq`, which must be `self.seq + 1`."""
        if self.frames is None:
            self.frames = deque(maxlen=self.retention)
        self.frames.append(frame)
        self.seq = seq

    def after(self, seq: int) -> tuple[list[bytes], int]:
        """The kept frames newer than `seq`, and the seq of the oldest kept one."""
        kept = self.frames or ()
        oldest = self.seq - len(kept) + 1
        skip = max(0, seq + 1 - oldest)
        return list(itertools.islice(kept, skip, None)), oldest

    def frame_at(self, seq: int) -> bytes | None:
        """The kept frame of `seq`, if it is kept."""
        kept = self.frames or ()
        index = seq - (self.seq - len(kept) + 1)
        return kept[index] if 0 <= index < len(kept) else None

    def head(self) -> InboxHead:
        last_id = make_event_id(self.epoch, self.seq) if self.seq else ""
        return InboxHead(epoch=self.epoch, seq=self.seq, last_id=last_id,
                         frame=self.frames[-1] if self.frames else None)


class MemoryBroker:
    def __init__(self, retention: int = 1000, journal: sqlite3.Connection | None = None,
                 unregistered: Unregistered | None = None,
                 friends: FriendSet | None = None) -> None:
        self.retention = retention
        self.journal = journal
        self.unregistered = unregistered  # the store's check, for `registered_only`
        self.friends = friends  # the store's friend sets, for `friends_of`
        self._inboxes: dict[str, Inbox] = {}
        self._sink: FrameSink | None = None
        self._online: set[str] = set()
        self._trim_every = max(1, retention // 4)

    async def start(self, sink: FrameSink, on_resync: ResyncHook,
                    on_offline: OfflineHook | None = None, *,
                    on_hold: HoldHook | None = None) -> None:
        self._sink = sink  # no live feed to lose: no resync, nothing to hold

    async def close(self) -> None:
        self._sink = None

    def health(self) -> dict[str, Any]:
        return {"inboxes": len(self._inboxes), "journal": self.journal is not None}

    def _inbox(self, user: str) -> Inbox:
        inbox = self._inboxes.get(user)
        if inbox is None:
            inbox = self._load(user)
            self._inboxes[user] = inbox
        return inbox

    def _load(self, user: str) -> Inbox:
        if self.journal is None:
            return Inbox(new_epoch(), 0, self.retention)
        db = self.journal
        row = db.execute("SELECT epoch FROM inbox_epochs WHERE user = ?", (user,)).fetchone()
        if row is None:
            epoch = new_epoch()
            with db:
                db.execute("INSERT INTO inbox_epochs VALUES (?, ?)", (user, epoch))
            return Inbox(epoch, 0, self.retention)
        inbox = Inbox(row[0], 0, self.retention)
        rows = db.execute(
            "SELECT seq, body FROM inbox JOIN inbox_bodies ON inbox_bodies.id = inbox.body_id"
            " WHERE user = ? ORDER BY seq DESC LIMIT ?", (user, self.retention),
        ).fetchall()
        if rows:  # newest first; kept contiguous, as the journal writes them
            newest = rows[0][0]
            rows = [row for i, row in enumerate(rows) if row[0] == newest - i]
            inbox.seq = newest - len(rows)
        for seq, body in reversed(rows):
            inbox.add(seq, frame_event(make_event_id(inbox.epoch, seq), seq, body))
        return inbox

    async def deliver(self, body: bytes, recipients: Collection[str], *,
                      registered_only: bool = False,
                      friends_of: str | None = None,
                      actor: str | None = None) -> list[str]:
        recipients = list(dict.fromkeys(recipients))  # one seq per user, even if named twice
        live_only: list[str] = []
        if friends_of is not None or actor is not None:
            if registered_only:
                raise ValueError("friends_of or actor and registered_only do not combine")
            # Read now, with no await before the write: no unfriend can land in between.
            if self.friends is None:
                raise RuntimeError("this broker was built without friend sets")
            if friends_of is not None:
                now = self.friends(friends_of)
                recipients = [u for u in recipients if u == friends_of or u in now]
            if actor is not None:
                trusted = self.friends(actor)
                live_only = [u for u in recipients if u != actor and u not in trusted]
                if live_only:
                    recipients = [u for u in recipients if u == actor or u in trusted]
            if not recipients and not live_only:
                return []
        if registered_only:
            unknown = self._unregistered(recipients)
            if unknown:
                return unknown
        # Per recipient only the position is formatted; the body's bytes are shared.
        tail = body[1:]
        written: list[tuple[str, int, bytes]] = []
        touched: list[Inbox] = []
        inboxes = self._inboxes
        for user in recipients:
            inbox = inboxes.get(user) or self._inbox(user)
            seq = inbox.seq + 1
            pos = b"%d" % seq
            frame = b"".join((inbox.id_prefix, pos, b'","seq":', pos, b",", tail))
            written.append((user, seq, frame))
            touched.append(inbox)
        if self.journal is not None and written:
            self._journal(body, written)  # durable before anyone sees it
        for inbox, (_, seq, frame) in zip(touched, written, strict=True):
            inbox.add(seq, frame)
            if registered_only:
                inbox.registered = True
        if self._sink is not None:
            if live_only:
                frame = frame_live_only(body)
                self._sink([*written, *((user, None, frame) for user in live_only)])
            else:
                self._sink(written)
        return []

    def _unregistered(self, users: list[str]) -> list[str]:
        if self.unregistered is None:
            raise RuntimeError("this broker was built without a registration check")
        inboxes = self._inboxes
        unconfirmed = [u for u in users
                       if (inbox := inboxes.get(u)) is None or not inbox.registered]
        return self.unregistered(unconfirmed) if unconfirmed else []

    def _journal(self, body: bytes, written: list[tuple[str, int, bytes]]) -> None:
        db = self.journal
        assert db is not None
        with db:
            body_id = db.execute("INSERT INTO inbox_bodies (body) VALUES (?)", (body,)).lastrowid
            db.executemany("INSERT INTO inbox VALUES (?, ?, ?)",
                           [(user, seq, body_id) for user, seq, _ in written])
            for user, seq, _ in written:
                if seq % self._trim_every == 0:  # keep the journal bounded like the deque
                    db.execute("DELETE FROM inbox WHERE user = ? AND seq <= ?",
                               (user, seq - self.retention))
            if body_id is not None and body_id % 1000 == 0:
                db.execute("DELETE FROM inbox_bodies WHERE id NOT IN"
                           " (SELECT body_id FROM inbox)")

    async def head(self, user: str) -> InboxHead:
        return self._inbox(user).head()

    async def replay(self, user: str, since: str, *, holding: bytes | None = None) -> Replay:
        inbox = self._inbox(user)
        head = inbox.head()
        parsed = parse_event_id(since)
        if parsed is None or parsed[0] != inbox.epoch:
            return Replay(head=head, gap=True)
        after = parsed[1]
        check = holding is not None and after > 0
        # In one process the check cannot fail; a journal rolled back by a power loss
        # meets only resumes, which hold no frame. Kept so both engines keep one contract.
        if after > inbox.seq or (check and inbox.frame_at(after) not in (None, holding)):
            if check:
                self._void(user)
            return Replay(head=head, gap=True)
        frames, oldest = inbox.after(after)
        return Replay(head=head, frames=frames, gap=after + 1 < oldest)

    def _void(self, user: str) -> None:
        """Start `user`'s inbox over under a new epoch (see `Broker.replay`)."""
        inbox = Inbox(new_epoch(), 0, self.retention)
        if self.journal is not None:
            with self.journal as db:
                db.execute("DELETE FROM inbox WHERE user = ?", (user,))
                db.execute("INSERT OR REPLACE INTO inbox_epochs VALUES (?, ?)",
                           (user, inbox.epoch))
        self._inboxes[user] = inbox

    async def subscribe(self, user: str) -> None:
        return None

    async def unsubscribe(self, user: str) -> None:
        return None

    async def signal(self, frame: bytes, users: Collection[str]) -> None:
        if self._sink is not None:
            self._sink([(user, None, frame) for user in users])

    async def connected(self, user: str) -> bool:
        first = user not in self._online
        self._online.add(user)
        return first

    async def disconnected(self, user: str) -> bool:
        self._online.discard(user)
        return True

    async def online(self, users: Collection[str]) -> set[str]:
        return {u for u in users if u in self._online}
