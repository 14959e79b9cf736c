"""The node: one hub process's services, built once by the app's lifespan.

It owns the store, the broker, the local registry, the metrics and the clock, and
offers handlers the one way to emit an event: `publish(event, data, audience)`, which
encodes the body once and hands it to the broker.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Collection, Sequence
from typing import Any, Protocol

from hub.channels.base import Audience, Broker, Replay
from hub.channels.registry import LocalRegistry
from hub.channels.withdrawn import withdraw_deleted
from hub.clock import Clock
from hub.config import Settings
from hub.errors import CloseCode
from hub.gcpolicy import GcPolicy
from hub.hashing import PasswordHashing
from hub.http_ratelimit import HttpOpLimiter
from hub.lockout import ADDRESS, LocalBuckets
from hub.metrics import Metrics
from hub.notes import Change
from hub.protocol import (
    encode_event_body,
    encode_heartbeat,
    encode_presence,
    make_event_id,
    seq_of,
)
from hub.session import HistoryLost, Session
from hub.sessions import SessionPurge
from hub.store.base import Store
from hub.together import together

log = logging.getLogger("hub.node")


class Service(Protocol):
    """A background part of the node (the Redis ingress consumer), stopped with it."""

    def start(self) -> None: ...

    async def stop(self) -> None: ...


class Node:
    def __init__(self, settings: Settings, store: Store, broker: Broker, clock: Clock,
                 engine: str) -> None:
        self.settings = settings
        self.store = store
        self.broker = broker
        self.clock = clock
        self.engine = engine
        self.metrics = Metrics()
        self.registry = LocalRegistry(
            broker, self.metrics, self._presence, grace=settings.presence_grace,
            heartbeat_slices=heartbeat_slices(settings.heartbeat_interval))
        self.draining = False
        self._heartbeat: asyncio.Task[None] | None = None
        self.services: list[Service] = []
        # login checks per client address over all usernames (hub/lockout.py); the
        # per-username buckets are the store's, shared by every node on Redis
        self.login_addresses = LocalBuckets(ADDRESS)
        # registrations per client address; None: the throttle is off
        per_minute = settings.register_per_minute
        self.register_limiter = HttpOpLimiter(per_minute / 60, per_minute, clock.monotonic
                                              ) if per_minute else None
        # scrypt on the node's own bounded pools, one for new passwords, one for logins
        self.hashing = PasswordHashing(settings.secret)
        # ops over HTTP: a bucket per login token, as a socket has one per connection
        self.http_op_limiter = HttpOpLimiter(settings.ops_per_second, settings.ops_burst,
                                             clock.monotonic)
        # and one per user, shared by all of that user's sockets and HTTP calls here:
        # twenty sockets must not be twenty budgets
        self.user_op_limiter = HttpOpLimiter(settings.user_ops_per_second,
                                             settings.user_ops_burst, clock.monotonic)
        self._background: set[asyncio.Task[None]] = set()
        self._catch_up_slots = asyncio.Semaphore(32)
        metrics = self.metrics
        self.gc = GcPolicy(
            open_count=lambda: metrics.connections.value,
            closed_count=lambda: metrics.connections_total.value - metrics.connections.value)

    async def start(self) -> None:
        await self.store.start()
        await self.hashing.start()
        await self.broker.start(self.registry.fan_out, self._resync, self._gone_offline,
                                on_hold=self.registry.hold_all)
        self._heartbeat = asyncio.create_task(self._heartbeat_loop(), name="heartbeat")
        self.add_service(SessionPurge(self.store, self.clock))
        self.gc.install()

    def add_service(self, service: Service) -> None:
        service.start()
        self.services.append(service)

    async def publish(self, event: str, data: Any, audience: Audience | Collection[str], *,
                      notes: Sequence[Change] = ()) -> None:
        """Write `event` into the inbox of every user of `audience` its rules admit when
        it is written, and deliver it live (`channels.base.Audience`: a plain collection
        has no rules). `notes` are the 与我相关 changes the event makes, written beside
        it (on Redis in the same round trip: both go out on the auto-pipelined
        connection at once)."""
        if not isinstance(audience, Audience):
            audience = Audience.of(audience)
        if not audience.users:
            await self.notify(notes)
            return
        now = self.clock.now_ms()
        body = encode_event_body(event, now, data)
        deliver = self.broker.deliver(body, audience)
        if notes:
            _, frames = await together(deliver, self.store.apply_notes(notes, now))
            await self._signal_notes(frames)
        else:
            await deliver
        self.metrics.events.inc()
        self.metrics.recipients.inc(len(audience.users))

    async def notify(self, notes: Sequence[Change]) -> None:
        """与我相关 changes with no event of their own (an unlike's withdrawal)."""
        if notes:
            await self._signal_notes(await self.store.apply_notes(notes, self.clock.now_ms()))

    async def _signal_notes(self, frames: Sequence[tuple[str, bytes]]) -> None:
        for user, frame in frames:  # after the event's own frames: a tab sees both
            await self.broker.signal(frame, [user])

    async def publish_to(self, event: str, data: Any, users: Collection[str]) -> list[str]:
        """Publish to `users` if every one of them is registered; else deliver nothing
        and return those who are not. On Redis the check costs no extra round trip."""
        if not users:
            return []
        body = encode_event_body(event, self.clock.now_ms(), data)
        unknown = await self.broker.deliver(body, users, registered_only=True)
        if not unknown:
            self.metrics.events.inc()
            self.metrics.recipients.inc(len(users))
        return unknown

    async def replay(self, user: str, since: str, *, holding: bytes | None = None) -> Replay:
        """The broker's replay, less what authors withdrew meanwhile (`withdrawn`)."""
        replay = await self.broker.replay(user, since, holding=holding)
        frames = withdraw_deleted(replay.frames)
        return replay if frames is replay.frames else dataclasses.replace(replay, frames=frames)

    async def catch_up(self, session: Session, after_seq: int) -> tuple[list[bytes], int]:
        # After a live-feed outage every connection catches up at once: a bounded number
        # at a time, so thousands of them queue here instead of failing on the pool.
        async with self._catch_up_slots:
            return await self._catch_up(session, after_seq)

    async def _catch_up(self, session: Session, after_seq: int) -> tuple[list[bytes], int]:
        if session.token_hash and await self.store.session_user(
                session.token_hash, self.clock.now_ms()) != session.user:
            # a logout's "revoked" signal is live-only: one sent while the feed was
            # down is lost, so a catch-up checks the login is still valid
            session.close_soon(CloseCode.UNAUTHENTICATED, "logged out")
            return [], after_seq
        held = session.last_frame if after_seq == session.last_seq else None
        replay = await self.replay(session.user, make_event_id(session.epoch, after_seq),
                                   holding=held)
        if replay.gap:
            raise HistoryLost(f"inbox of {session.user} no longer holds seq {after_seq + 1}")
        return replay.frames, replay.head.seq if not replay.frames else _last_seq(replay.frames)

    def _resync(self) -> None:
        self.metrics.resyncs.inc()
        self.registry.resync_all()

    def _gone_offline(self, user: str) -> None:
        if user not in self.registry.sessions:
            task = asyncio.get_running_loop().create_task(self.registry.announce(user, False))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _presence(self, user: str, online: bool) -> None:
        friends = await self.store.friends(user)
        if friends:
            await self.broker.signal(encode_presence(user, online), friends)

    async def _heartbeat_loop(self) -> None:
        # Spread over the interval, about one slice a second: every connection still
        # gets a heartbeat each interval, but 10,000 clients answering with a `ping`
        # no longer arrive in the same instant (a 1 s stall in the social benchmark).
        interval = self.settings.heartbeat_interval
        slices = len(self.registry.slices)
        tick = 0
        while True:
            await asyncio.sleep(interval / slices)
            self.heartbeat_slice(tick % slices)
            tick += 1

    def heartbeat_slice(self, index: int) -> None:
        """Heartbeat (or close for idleness) the connections of slice `index`."""
        frame = encode_heartbeat(self.clock.now_ms())
        now = self.clock.monotonic()
        idle_timeout = self.settings.idle_timeout
        for session in list(self.registry.slices[index]):
            if now - session.last_recv > idle_timeout:
                session.close_soon(CloseCode.HEARTBEAT_TIMEOUT, "idle timeout")
            else:
                session.send(frame)

    async def drain(self) -> None:
        """Graceful shutdown, part one: flush queues, close every socket with 1001."""
        self.draining = True
        sessions = [s for local in self.registry.sessions.values() for s in local]
        await asyncio.gather(*(s.drain(within=2.0) for s in sessions))
        await asyncio.gather(*(s.close(CloseCode.GOING_AWAY, "server shutting down")
                               for s in sessions), return_exceptions=True)

    async def close(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        for service in self.services:
            await service.stop()
        if not self.draining:
            await self.drain()
        await self.registry.flush_leaving()
        await self.broker.close()
        await self.store.close()
        self.hashing.close()
        self.gc.uninstall()


def heartbeat_slices(interval: float) -> int:
    """How many parts a heartbeat round is cut into: one per second, up to 25."""
    return max(1, min(25, int(interval)))


def _last_seq(frames: list[bytes]) -> int:
    seq = seq_of(frames[-1])
    assert seq is not None
    return seq
