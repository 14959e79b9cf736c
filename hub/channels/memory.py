"""The memory engine's broker: per-user inboxes in this process, optionally journaled
into the memory store's SQLite database (`channels/journal.py`) so they survive a
restart.

One process is the whole cluster here, so "live delivery" is a direct call into the
node's sink and presence is this process's own count.

With a journal, deliveries are committed in groups: `deliver` queues the event and
waits; one callback per event-loop turn takes every event queued in that turn, runs
their checks (friend sets, registration) at that moment, assigns the seqs, journals
them all in one transaction, and only then adds the frames to the inboxes, hands them
to the sink and answers the waiters. Nobody sees an event a crash could lose; a batch
that cannot be written is not delivered at all and every one of its waiters gets the
error. Without a journal (`--data none`) the same steps run at once, inside `deliver`.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Collection
from typing import Any

from hub.channels.base import (
    Audience,
    FrameSink,
    FriendSet,
    GroupMembers,
    HoldHook,
    InboxHead,
    OfflineHook,
    Replay,
    ResyncHook,
    Unregistered,
)
from hub.channels.inbox import Inbox, new_epoch
from hub.channels.journal import Journal, JournalFailed, Loaded, Record
from hub.protocol import frame_live_only, parse_event_id

log = logging.getLogger("hub.channels.memory")
COMPACT_MIN = 2048  # entries a compaction pass rewrites, at least
COMPACT_MAX = 65_536  # and at most: one pass must not hold up the loop for long


class _Delivery:
    """One `deliver` call waiting for its group commit."""

    __slots__ = ("audience", "body", "recipients", "registered_only", "waiter")

    def __init__(self, body: bytes, audience: Audience, registered_only: bool,
                 waiter: asyncio.Future[list[str]] | None = None) -> None:
        self.body = body
        self.audience = audience
        self.recipients = list(audience.users)
        self.registered_only = registered_only
        self.waiter = waiter


# What one delivery of a batch came to: the users refused by `registered_only` (or []),
# or the exception its own checks raised.
Outcome = list[str] | Exception
# A delivery ready to apply: its frames for the inboxes, its inboxes (in the same
# order), and the users who get it live only.
_Ready = tuple[list[tuple[str, int, bytes]], list[Inbox], list[str], _Delivery]


class MemoryBroker:
    def __init__(self, retention: int = 1000, journal: sqlite3.Connection | None = None,
                 unregistered: Unregistered | None = None,
                 friends: FriendSet | None = None,
                 members: GroupMembers | None = None) -> None:
        self.retention = retention
        self.unregistered = unregistered  # the store's check, for `registered_only`
        self.friends = friends  # the store's friend sets, for the audience's rules
        self.members = members  # the store's group members, for an audience's groups
        self._inboxes: dict[str, Inbox] = {}
        self._sink: FrameSink | None = None
        self._online: set[str] = set()
        self._pending: list[_Delivery] = []  # queued for this turn's group commit
        self._flush: asyncio.Handle | None = None
        self._compact: asyncio.Handle | None = None
        self._compact_budget = 0
        self._unsaved: set[str] = set()  # inboxes whose epoch the journal lacks
        self.journal = None if journal is None else Journal(journal, retention)
        if self.journal is not None:
            self._restore(self.journal.load())

    def _restore(self, loaded: Loaded) -> None:
        """Rebuild every journaled inbox: its epoch, seq and retained frames."""
        for user, epoch in loaded.epochs.items():
            inbox = self._inboxes[user] = Inbox(epoch, 0, self.retention)
            kept = loaded.entries.get(user)
            if not kept:
                continue
            inbox.seq = kept[-1][0]
            prefix = inbox.id_prefix
            unused: list[int] = []  # `load` kept no more than the retention
            for seq, body, row in kept:
                pos = b"%d" % seq
                inbox.keep(b"".join((prefix, pos, b'","seq":', pos, b",", body[1:])), row,
                           unused)

    async def start(self, sink: FrameSink, on_resync: ResyncHook,
                    on_offline: OfflineHook | None = None, *,
                    on_hold: HoldHook | None = None) -> None:
        self._sink = sink  # no live feed to lose: no resync, nothing to hold

    async def close(self) -> None:
        if self._flush is not None:  # the store closes next: commit what is queued now
            self._flush.cancel()
            self._commit_pending()
        if self._compact is not None:
            self._compact.cancel()
            self._compact = None
        self._sink = None

    def health(self) -> dict[str, Any]:
        journal = self.journal
        return {"inboxes": len(self._inboxes), "journal": journal is not None,
                **({"journal_rows": journal.rows, "journal_entries": journal.entries}
                   if journal is not None else {})}

    def _inbox(self, user: str) -> Inbox:
        inbox = self._inboxes.get(user)
        if inbox is None:
            inbox = self._inboxes[user] = Inbox(new_epoch(), 0, self.retention)
            if self.journal is not None:
                self._unsaved.add(user)  # journaled with the next batch
        return inbox

    async def deliver(self, body: bytes, audience: Audience | Collection[str], *,
                      registered_only: bool = False) -> list[str]:
        if not isinstance(audience, Audience):
            audience = Audience.of(audience)
        if audience.checked:
            if registered_only:
                raise ValueError("an audience's rules and registered_only do not combine")
            if self.friends is None:
                raise RuntimeError("this broker was built without friend sets")
            if audience.groups and self.members is None:
                raise RuntimeError("this broker was built without group members")
        if registered_only and self.unregistered is None:
            raise RuntimeError("this broker was built without a registration check")
        if not audience.users:
            return []
        if self.journal is None:  # nothing to wait for: all of it now
            outcome = self._run([_Delivery(body, audience, registered_only)])
            if isinstance(outcome[0], Exception):
                raise outcome[0]
            return outcome[0]
        waiter: asyncio.Future[list[str]] = asyncio.get_running_loop().create_future()
        self._pending.append(_Delivery(body, audience, registered_only, waiter))
        self._schedule_commit()
        return await waiter

    def _schedule_commit(self) -> None:
        if self._flush is None:
            self._flush = asyncio.get_running_loop().call_soon(self._commit_pending)

    def _commit_pending(self) -> None:
        """The group commit: every delivery queued since the last one, in one batch."""
        self._flush = None
        batch, self._pending = self._pending, []
        try:
            outcomes = self._run(batch)
        except Exception as exc:  # nothing of the batch was applied: fail every waiter
            if isinstance(exc, JournalFailed):
                log.warning("inbox journal: %d deliveries not written: %s", len(batch), exc)
            else:
                log.exception("inbox journal: %d deliveries not written", len(batch))
            for delivery in batch:
                waiter = delivery.waiter
                if waiter is not None and not waiter.done():
                    failed = JournalFailed(str(exc) if isinstance(exc, JournalFailed)
                                           else f"delivery failed: {exc!r}")
                    failed.__cause__ = exc  # one exception object per waiter
                    waiter.set_exception(failed)
            return
        for delivery, outcome in zip(batch, outcomes, strict=True):
            waiter = delivery.waiter
            if waiter is None or waiter.done():  # its caller was cancelled meanwhile
                continue
            if isinstance(outcome, Exception):
                waiter.set_exception(outcome)
            else:
                waiter.set_result(outcome)

    def _run(self, batch: list[_Delivery]) -> list[Outcome]:
        """Check, number, journal (one transaction), then apply and publish `batch`;
        raises, with every inbox as it was, if the batch cannot be written."""
        outcomes: list[Outcome] = []
        ready: list[_Ready] = []
        journal = self.journal
        row = 0  # the journal row of the next delivery with a record
        try:
            records = self._number(batch, outcomes, ready)
            if journal is not None and (records or self._unsaved):
                epochs = [(user, self._inboxes[user].epoch) for user in self._unsaved]
                row = journal.write(records, epochs)
                self._unsaved.clear()
        except BaseException:
            for _, touched, _, _ in ready:  # give back the seqs taken
                for inbox in touched:
                    inbox.seq -= 1
            raise
        released: list[int] = []
        for written, touched, _, delivery in ready:
            registered = delivery.registered_only
            if journal is None:
                for inbox, (_, seq, frame) in zip(touched, written, strict=True):
                    inbox.add(seq, frame)
            elif written:
                for inbox, entry in zip(touched, written, strict=True):
                    inbox.keep(entry[2], row, released)
                row += 1
            if registered:
                for inbox in touched:
                    inbox.registered = True
        if journal is not None and records:
            journal.release(released)
            self._schedule_compaction(sum(len(users) for _, users, _ in records))
        sink = self._sink
        if sink is not None:
            for written, _, live_only, delivery in ready:
                try:
                    if live_only:
                        frame = frame_live_only(delivery.body)
                        sink([*written, *((user, None, frame) for user in live_only)])
                    elif written:
                        sink(written)
                except Exception:  # durable and in the inboxes: the sessions catch up
                    log.exception("the frame sink failed")
        return outcomes

    def _number(self, batch: list[_Delivery], outcomes: list[Outcome],
                ready: list[_Ready]) -> list[Record]:
        """Each delivery's checks, seqs and frames (into `outcomes` and `ready`); the
        records to journal. The seqs are taken from the inboxes now, the frames are
        added only once the batch is written."""
        inboxes = self._inboxes
        records: list[Record] = []
        for delivery in batch:
            try:
                checked = self._check(delivery)
            except Exception as exc:  # this delivery's own check failed, not the batch
                outcomes.append(exc)
                continue
            if isinstance(checked, list):
                outcomes.append(checked)
                continue
            recipients, live_only = checked
            outcomes.append([])
            written: list[tuple[str, int, bytes]] = []
            touched: list[Inbox] = []
            seqs: list[int] = []
            ready.append((written, touched, live_only, delivery))
            # Per recipient only the position is formatted; the body's bytes are shared.
            body = delivery.body
            tail = body[1:]
            for user in recipients:
                inbox = inboxes.get(user) or self._inbox(user)
                inbox.seq = seq = inbox.seq + 1
                touched.append(inbox)
                pos = b"%d" % seq
                written.append((user, seq, b"".join(
                    (inbox.id_prefix, pos, b'","seq":', pos, b",", tail))))
                seqs.append(seq)
            if recipients:
                records.append((body, recipients, seqs))
        return records

    def _check(self, delivery: _Delivery) -> list[str] | tuple[list[str], list[str]]:
        """The recipients to write and those to reach live only, as the friend sets and
        registrations are now; or the unregistered users of a refused delivery."""
        recipients = delivery.recipients
        live_only: list[str] = []
        audience = delivery.audience
        owner, actor = audience.members_of, audience.actor
        if audience.checked:
            # Read now, in the same callback as the write: no unfriend can land between.
            assert self.friends is not None
            if owner is not None:
                now = self.friends(owner)
                if audience.groups:
                    assert self.members is not None
                    now = now & self.members(owner, audience.groups)
                recipients = [u for u in recipients if u == owner or u in now]
            if actor is not None:
                trusted = self.friends(actor)
                live_only = [u for u in recipients if u != actor and u not in trusted]
                if live_only:
                    recipients = [u for u in recipients if u == actor or u in trusted]
        elif delivery.registered_only:
            unknown = self._unregistered(recipients)
            if unknown:
                return unknown
        return recipients, live_only

    def _unregistered(self, users: list[str]) -> list[str]:
        assert self.unregistered is not None
        inboxes = self._inboxes
        unconfirmed = [u for u in users
                       if (inbox := inboxes.get(u)) is None or not inbox.registered]
        return self.unregistered(unconfirmed) if unconfirmed else []

    # ---------------------------------------------------------------- compaction
    def _schedule_compaction(self, written: int) -> None:
        """After a batch: let the journal shed what no inbox retains any more, in a pass
        of its own after this turn, sized to the batch so it keeps pace with writing."""
        journal = self.journal
        assert journal is not None
        if not journal.due():
            return
        self._compact_budget += 2 * written
        if self._compact is None:
            self._compact = asyncio.get_running_loop().call_soon(self._compact_pass)

    def _compact_pass(self) -> None:
        self._compact = None
        budget = min(COMPACT_MAX, max(COMPACT_MIN, self._compact_budget))
        self._compact_budget = 0
        try:
            self.compact(budget)
        except sqlite3.Error as exc:  # nothing lost: the next pass tries again
            log.warning("inbox journal: compaction failed: %s", exc)

    def compact(self, budget: int = COMPACT_MAX) -> bool:
        """One compaction pass (`Journal.compact`); True when nothing is left to do."""
        assert self.journal is not None
        return self.journal.compact(self._holds, budget)

    def _holds(self, user: str, seq: int, row: int) -> bool:
        inbox = self._inboxes.get(user)
        return inbox is not None and inbox.holds(seq, row)

    # ---------------------------------------------------------------- reading
    def _known(self, user: str) -> Inbox:
        """`user`'s inbox; a new one's epoch is journaled with the next group commit
        (a client may resume from `<epoch>:0`, docs/protocol.md)."""
        inbox = self._inbox(user)
        if self._unsaved:
            self._schedule_commit()
        return inbox

    async def head(self, user: str) -> InboxHead:
        return self._known(user).head()

    async def replay(self, user: str, since: str, *, holding: bytes | None = None) -> Replay:
        inbox = self._known(user)
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
            self.journal.void(user, inbox.epoch)
            self._unsaved.discard(user)
            old = self._inboxes.get(user)
            if old is not None and old.rows:
                self.journal.release(old.rows)
        self._inboxes[user] = inbox

    # ---------------------------------------------------------------- live, presence
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
