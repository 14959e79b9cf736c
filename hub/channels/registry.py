"""This node's local connections by user, and the node's upstream subscriptions.

The first local session of a user subscribes the user's live channel and may bring the
user online; when the last one closes, the node waits a short grace (so a page reload
does not churn the broker or flap presence), then unsubscribes and maybe announces the
user offline. Live frames from the broker arrive in batches through `fan_out`, which hands
the same bytes to every local session of each frame's user.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from hub.channels.base import Broker, LiveFrame
from hub.errors import CloseCode
from hub.metrics import Metrics
from hub.protocol import REVOKED_PREFIX, revokes
from hub.session import Session

log = logging.getLogger("hub.registry")

# Called with (user, online) when a user's first tab anywhere opened or last one closed.
PresenceHook = Callable[[str, bool], Awaitable[None]]
LEAVE_RETRY = 5.0  # seconds before a departure that failed (Redis away) is tried again


class LocalRegistry:
    def __init__(self, broker: Broker, metrics: Metrics, on_presence: PresenceHook,
                 grace: float = 2.0, heartbeat_slices: int = 1) -> None:
        self.broker = broker
        self.metrics = metrics
        self.on_presence = on_presence
        self.grace = grace
        self.sessions: dict[str, set[Session]] = {}
        # Every session in one fixed slice, so a heartbeat round can be spread out.
        self.slices: list[set[Session]] = [set() for _ in range(heartbeat_slices)]
        self._leaving: dict[str, asyncio.TimerHandle] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        # Users whose presence entry may or may not exist (a `connected` or
        # `disconnected` whose reply failed): a tab coming back must set it again.
        self._unsure: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def count(self) -> int:
        return sum(len(s) for s in self.sessions.values())

    def _lock(self, user: str) -> asyncio.Lock:
        lock = self._locks.get(user)
        if lock is None:
            lock = self._locks[user] = asyncio.Lock()
        return lock

    async def attach(self, session: Session) -> None:
        """Register a session; returns once its user's live channel is subscribed."""
        user = session.user
        async with self._lock(user):
            local = self.sessions.get(user)
            if local:
                local.add(session)
                self._slice_of(session).add(session)
                return
            timer = self._leaving.pop(user, None)
            if timer is not None:  # came back within the grace (or a retried leave)
                timer.cancel()
                # still subscribed, or a failed leave got that far: subscribe again
                try:
                    await self.broker.subscribe(user)
                except BaseException:  # the departure this return cancelled is still due
                    self._schedule_leave(user, 0)
                    raise
                if user not in self._unsure:  # still online: no presence round trip
                    self.sessions[user] = {session}
                    self._slice_of(session).add(session)
                    return
                self.metrics.subscriptions.dec()  # counted again below
            else:
                try:
                    await self.broker.subscribe(user)
                except BaseException:
                    self._forget_lock(user)  # nothing else was left behind
                    raise
            try:
                first = await self.broker.connected(user)
            except BaseException:
                # Its reply may be what failed, after the presence entry was made: the
                # departure undoes both that and the subscription, retrying while the
                # broker is away (else the user could stay online forever).
                self._unsure.add(user)
                self.metrics.subscriptions.inc()  # the departure counts it down
                self._schedule_leave(user, 0)
                raise
            self._unsure.discard(user)
            self.sessions[user] = {session}
            self._slice_of(session).add(session)
            self.metrics.subscriptions.inc()
            if first:  # under the lock: a quick leave cannot overtake this announcement
                await self._announce(user, True)

    def detach(self, session: Session) -> None:
        local = self.sessions.get(session.user)
        if local is None or session not in local:
            return
        local.discard(session)
        self._slice_of(session).discard(session)
        if not local:
            del self.sessions[session.user]
            self._schedule_leave(session.user, self.grace)

    def _slice_of(self, session: Session) -> set[Session]:
        return self.slices[hash(session) % len(self.slices)]

    def _schedule_leave(self, user: str, delay: float) -> None:
        self._leaving[user] = asyncio.get_running_loop().call_later(
            delay, self._start_leave, user)

    def _start_leave(self, user: str) -> None:
        task = asyncio.get_running_loop().create_task(self._leave(user))
        self._tasks.add(task)  # a task nobody references may be collected mid-run
        task.add_done_callback(self._tasks.discard)

    async def _leave(self, user: str) -> None:
        async with self._lock(user):
            try:
                await self._leave_locked(user)
            finally:
                # only now: a lock forgotten before the announcement below is done would
                # let a returning tab announce "online" ahead of this "offline"
                self._forget_lock(user)

    async def _leave_locked(self, user: str) -> None:
        if self._leaving.pop(user, None) is None or user in self.sessions:
            return
        try:
            await self.broker.unsubscribe(user)
            last = await self.broker.disconnected(user)
        except Exception as exc:  # Redis blipped: the user would stay online forever
            log.warning("leaving %s: %s; retrying in %.0fs", user, exc, LEAVE_RETRY)
            self._unsure.add(user)
            self._schedule_leave(user, LEAVE_RETRY)
            return
        self._unsure.discard(user)
        self.metrics.subscriptions.dec()
        if last:  # under the lock: a quick return cannot be overtaken by this
            await self._announce(user, False)

    def _forget_lock(self, user: str) -> None:
        """Drop a departed user's lock, unless someone holds or awaits it (the lock is
        released right after this, inside `async with`): every user who ever connected
        must not keep one forever."""
        lock = self._locks.get(user)
        if (lock is not None and user not in self.sessions and user not in self._leaving
                and not getattr(lock, "_waiters", None)):
            del self._locks[user]

    async def announce(self, user: str, online: bool) -> None:
        await self._announce(user, online)

    async def _announce(self, user: str, online: bool) -> None:
        try:
            await self.on_presence(user, online)
        except Exception as exc:  # presence is best effort; it never breaks a connection
            log.warning("presence of %s not announced: %s", user, exc)

    def fan_out(self, frames: Sequence[LiveFrame]) -> None:
        """The broker's sink: each frame, as is, to every local session of its user."""
        sessions = self.sessions
        delivered = 0
        for user, seq, frame in frames:
            local = sessions.get(user)
            if not local:
                continue
            if seq is None and frame.startswith(REVOKED_PREFIX):
                self._revoke(local, revokes(frame))
                continue
            for session in local:
                session.push_event(seq, frame)
            delivered += len(local)
        self.metrics.deliveries.value += delivered  # no call per delivery

    @staticmethod
    def _revoke(local: set[Session], ends: Callable[[str], bool]) -> None:
        """Close the sessions of the logins a `revoked` signal ends: one login (a
        logout), or all of the user's but one (a password change, "everywhere")."""
        for session in list(local):
            if ends(session.login):
                session.close_soon(CloseCode.UNAUTHENTICATED, "logged out")

    def hold_all(self) -> None:
        for local in self.sessions.values():
            for session in local:
                session.hold()

    def resync_all(self) -> None:
        for local in self.sessions.values():
            for session in local:
                session.resync()

    async def flush_leaving(self) -> None:
        """Run pending departures now (shutdown)."""
        for user in list(self._leaving):
            timer = self._leaving.get(user)
            if timer is not None:
                timer.cancel()
                await self._leave(user)
        for timer in self._leaving.values():  # departures that failed: nothing to retry on
            timer.cancel()
        self._leaving.clear()
