"""The Redis engine's broker: inboxes as capped streams, live delivery by pub/sub,
presence across nodes. The keys and payloads are the Redis contract (docs/redis.md).

* `deliver` is one EVALSHA of deliver.lua naming every recipient's meta, inbox and live
  keys: one command, one round trip, whatever the audience size. `redis_commands` packs
  it from cached per-user key fragments.
* Live frames arrive on one pub/sub connection per node (`hub.redis.live`), re-established
  with backoff when Redis goes away; every subscription is restored, then `on_resync`
  makes each local connection catch up from its inbox, since frames published during
  the outage were never seen.
* Presence: each user's `conns` hash names the nodes holding them, and each node keeps
  its heartbeat in the `nodes` sorted set, so a crashed node's users go offline once its
  heartbeat expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Collection
from pathlib import Path
from typing import Any

import redis.exceptions as rex
from redis.asyncio import Redis

from hub.channels.base import (
    Audience,
    FrameSink,
    HoldHook,
    InboxHead,
    OfflineHook,
    Replay,
    ResyncHook,
)
from hub.channels.redis_commands import Commands
from hub.errors import EngineUnavailable
from hub.protocol import make_event_id, parse_event_id, seq_of
from hub.redis.errors import Link, engine_call, text
from hub.redis.keys import Keys
from hub.redis.live import LiveConnection, LiveError, close_quietly, open_live
from hub.redis.pipe import AutoPipeline, endpoint_of, pipe_for
from hub.redis.resp import pack
from hub.redis.scripts import LuaScript, load_scripts
from hub.shutdown import cancel_and_wait

log = logging.getLogger("hub.redis.broker")

SCRIPTS = LuaScript.load_dir(Path(__file__).parent / "lua")
NODE_TTL_MS = 15_000  # a node missing three heartbeats is considered gone
BEAT_EVERY = 5.0
SUBSCRIBE_TIMEOUT = 2.0
LIVE_PING_EVERY = 5.0  # a silent live feed is PINGed, and dropped if still silent after


class RedisBroker:
    def __init__(self, client: Redis, keys: Keys, node_id: str, retention: int,
                 pipe: AutoPipeline | None = None,
                 live_ping_every: float = LIVE_PING_EVERY) -> None:
        self.client = client
        self.live_ping_every = live_ping_every
        self.keys = keys
        self.node_id = node_id
        self.retention = retention
        self.link = Link()
        self.endpoint, _ = endpoint_of(client)
        # the hot path's commands (deliver, heads, presence) share one connection
        self.pipe = pipe or pipe_for(client)
        self._sink: FrameSink | None = None
        self._on_resync: ResyncHook = lambda: None
        self._on_hold: HoldHook = lambda: None
        self._on_offline: OfflineHook = lambda user: None
        self._local: set[str] = set()  # users this node announced as connected
        self._channels: dict[bytes, str] = {}  # live channel → user, while subscribed
        self._live: LiveConnection | None = None
        self._live_up = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._commands = Commands(keys, retention, SCRIPTS["deliver"].sha,
                                  SCRIPTS["signal"].sha)
        self._closing = False
        self._now_ms = 0  # Redis time at the last heartbeat

    # lifecycle
    async def start(self, sink: FrameSink, on_resync: ResyncHook,
                    on_offline: OfflineHook | None = None, *,
                    on_hold: HoldHook | None = None) -> None:
        self._sink = sink
        self._on_resync = on_resync
        if on_hold is not None:
            self._on_hold = on_hold
        if on_offline is not None:
            self._on_offline = on_offline
        await self._boot()
        self._tasks = [
            asyncio.create_task(self._keep_live(), name="redis-live"),
            asyncio.create_task(self._heartbeat(), name="redis-node-beat"),
        ]
        try:
            async with asyncio.timeout(SUBSCRIBE_TIMEOUT * 2):
                await self._live_up.wait()
        except TimeoutError:
            log.warning("live feed not up yet; it keeps retrying")

    @engine_call
    async def _boot(self) -> None:
        await load_scripts(self.client, list(SCRIPTS.values()))
        await self._beat()

    async def close(self) -> None:
        self._closing = True
        await cancel_and_wait(self._tasks, "redis broker")
        await close_quietly(self._live)
        with contextlib.suppress(*_QUIET):
            await self.client.zrem(self.keys.nodes, self.node_id)
            await self.client.delete(self.keys.node_users(self.node_id))
        await self.pipe.close()
        with contextlib.suppress(*_QUIET):
            await self.client.aclose()
            await self.client.connection_pool.disconnect()

    def health(self) -> dict[str, Any]:
        return {"redis": self.link.state, "error": self.link.error,
                "listener": "up" if self._live_up.is_set() else "reconnecting",
                "subscribed": len(self._channels)}

    # inboxes
    @engine_call
    async def deliver(self, body: bytes, audience: Audience | Collection[str], *,
                      registered_only: bool = False) -> list[str]:
        if not isinstance(audience, Audience):
            audience = Audience.of(audience)
        users = list(audience.users)
        if not users:
            return []
        commands, epoch = self._commands, new_epoch()
        if audience.checked:
            if registered_only:
                raise ValueError("an audience's rules and registered_only do not combine")
            await self._raw(commands.deliver_checked(body, audience, epoch), "deliver")
            return []
        if not registered_only:
            await self._raw(commands.deliver(body, users, epoch), "deliver")
            return []
        # The registration check runs inside the same script: still one round trip.
        try:
            command = commands.deliver_known(body, users, epoch)
        except ValueError:  # a name no account can have (Keys refuses it): unknown
            return [user for user in users if not self.keys.usable(user)]
        reply = await self._raw(command, "deliver")
        return [text(name) for name in reply if not isinstance(name, int)]

    @engine_call
    async def deliver_ingress(self, body: bytes, recipients: Collection[str],
                              stream: str, group: str, entry_id: str) -> bool:
        """`deliver` and acknowledge ingress entry `entry_id` atomically; False when
        another node already did."""
        command = self._commands.deliver_ingress(
            body, list(dict.fromkeys(recipients)), new_epoch(), stream, group, entry_id)
        return await self._raw(command, "deliver") is not None

    async def _raw(self, command: bytes, script: str) -> Any:
        """Send one packed EVALSHA; load the script and resend once on NOSCRIPT (a
        refused call did not run, so nothing runs twice). Never retried otherwise: a
        fan-out whose reply was lost may have run."""
        try:
            return await self.pipe.call(command)
        except rex.NoScriptError:
            await self.pipe.call(pack(b"SCRIPT", b"LOAD", SCRIPTS[script].source), retry=True)
            return await self.pipe.call(command)

    async def _head_of(self, user: str) -> InboxHead:
        k = self.keys  # head.lua only sets an epoch that is missing: safe to run twice
        epoch, seq, *frame = await self.pipe.script(
            SCRIPTS["head"], [k.meta(user), k.inbox(user)], [new_epoch()], retry=True)
        return _head(text(epoch), int(seq), frame[0] if frame else None)

    @engine_call
    async def head(self, user: str) -> InboxHead:
        return await self._head_of(user)

    @engine_call
    async def replay(self, user: str, since: str, *, holding: bytes | None = None) -> Replay:
        k = self.keys
        head = await self._head_of(user)
        parsed = parse_event_id(since)
        if parsed is None or parsed[0] != head.epoch:
            return Replay(head=head, gap=True)
        after = parsed[1]
        check = holding is not None and after > 0
        if after > head.seq:
            if check:  # this node delivered seq `after` of this epoch: Redis lost it
                await self._void(user, head.epoch)
            return Replay(head=head, gap=True)
        if after == head.seq and not check:
            return Replay(head=head)
        # With a frame to check, the entry at `after` itself is read too.
        start = f"{after}-0" if check else f"({after}-0"
        entries = await self.pipe.command(b"XRANGE", k.inbox(user), start, b"+", retry=True)
        if check and entries and entries[0][0] == b"%d-0" % after:
            if _field(entries[0][1], b"frame") != holding:
                await self._void(user, head.epoch)  # another event took its seq
                return Replay(head=head, gap=True)
            entries = entries[1:]
        # (an entry at `after` that is missing was trimmed, not lost: `first` tells)
        frames = [_field(fields, b"frame") for _, fields in entries]
        first = int(entries[0][0].split(b"-")[0]) if entries else head.seq + 1
        # Frames appended after the head was read are left to live delivery (seq dedupe).
        frames = frames[: max(0, head.seq - first + 1)]
        return Replay(head=head, frames=frames, gap=first != after + 1)

    async def _void(self, user: str, epoch: str) -> None:
        k = self.keys
        if await self.pipe.script(SCRIPTS["void_epoch"], [k.meta(user), k.inbox(user)],
                                  [epoch], retry=True):
            log.warning("inbox of %s lost events Redis had acknowledged (epoch %s): "
                        "its history is void, its tabs resume with a gap", user, epoch)

    # live feed
    async def subscribe(self, user: str) -> None:
        channel = self.keys.live(user).encode()
        self._channels[channel] = user
        live = self._live
        if live is None or not self._live_up.is_set():
            self._channels.pop(channel, None)
            raise EngineUnavailable("redis live feed is reconnecting")
        try:
            async with asyncio.timeout(SUBSCRIBE_TIMEOUT):
                await live.subscribe([channel])
        except (TimeoutError, LiveError) as exc:
            self._channels.pop(channel, None)
            if isinstance(exc, TimeoutError):  # it may still take effect: take it back
                with contextlib.suppress(LiveError):
                    live.unsubscribe([channel])
            raise EngineUnavailable(f"redis subscribe failed: {exc}") from exc

    async def unsubscribe(self, user: str) -> None:
        channel = self.keys.live(user).encode()
        if self._channels.pop(channel, None) is None:
            return
        live = self._live
        if live is not None and self._live_up.is_set():
            with contextlib.suppress(LiveError):
                live.unsubscribe([channel])

    def _on_messages(self, messages: list[list[bytes]]) -> None:
        channels, sink = self._channels, self._sink
        if sink is None:
            return
        sink([(user, seq_of(payload), payload) for _, channel, payload in messages
              if (user := channels.get(channel)) is not None])

    async def _keep_live(self) -> None:
        """Hold the live connection; after any loss, reconnect, restore every
        subscription and make local connections catch up."""
        delay, lost_before = 0.05, False
        control = self.keys.node_channel(self.node_id).encode()
        while not self._closing:
            live: LiveConnection | None = None
            try:
                live = await open_live(self.endpoint, self._on_messages, SUBSCRIBE_TIMEOUT)
                async with asyncio.timeout(SUBSCRIBE_TIMEOUT * 4):
                    await live.subscribe([control, *self._channels])
                if lost_before:
                    await self._until_serving()
                self._live = live
                self._live_up.set()
                if lost_before:
                    log.warning("live feed restored; %d channels resubscribed",
                                len(self._channels))
                    self._on_resync()
                delay = 0.05
                await live.watch(self.live_ping_every)
                lost_before = True
                log.warning("live feed lost; reconnecting")
            except (OSError, TimeoutError, LiveError) as exc:
                lost_before = True
                log.warning("live feed: %s; retrying in %.2fs", exc, delay)
            finally:
                if self._live_up.is_set() and not self._closing:
                    self._on_hold()  # until the resync has checked each inbox
                self._live_up.clear()
                self._live = None
                await close_quietly(live)
            if not self._closing:
                await asyncio.sleep(delay)  # reconnect backoff
                delay = min(delay * 2, 1.0)

    async def _until_serving(self) -> None:
        """Wait until Redis answers data commands (a restarted Redis subscribes clients
        while it is still loading its data), so catching up does not fail at once."""
        delay = 0.05
        while not self._closing:
            try:
                await self.client.exists(self.keys.nodes)
                await self._beat()
                return
            except (EngineUnavailable, *_QUIET) as exc:
                log.info("redis not serving yet: %s", exc)
            await asyncio.sleep(delay)  # polling: Redis announces no "loaded" event
            delay = min(delay * 2, 1.0)

    # presence
    async def _heartbeat(self) -> None:
        while not self._closing:  # not only the cancel: it can be lost (cancel_and_wait)
            await asyncio.sleep(BEAT_EVERY)
            try:
                await self._beat()
                await self.sweep_dead_nodes()
            except (EngineUnavailable, *_QUIET) as exc:
                log.warning("node heartbeat failed: %s", exc)

    @engine_call
    async def _beat(self) -> None:
        self._now_ms, added = await SCRIPTS["node_beat"](
            self.client, [self.keys.nodes], [self.node_id, NODE_TTL_MS])
        if int(added) and self._local:  # we were swept as dead (a long stall): re-register
            log.warning("node was presumed dead; re-registering %d users", len(self._local))
            for user in list(self._local):
                await self._presence_script(user, "1")

    @engine_call
    async def sweep_dead_nodes(self) -> list[str]:
        """Take the users of nodes whose heartbeat expired offline (announcing those
        not connected elsewhere), then forget the nodes. Returns the users announced."""
        k = self.keys
        dead = [text(n) for n in await self.client.zrangebyscore(
            k.nodes, "-inf", f"({self._now_ms}")]
        announced: list[str] = []
        for node in dead:
            if not await self.client.set(k.node_sweep(node), self.node_id, nx=True, ex=60):
                continue  # another node is sweeping it
            for raw in await self.client.smembers(k.node_users(node)):
                user = text(raw)
                others = await SCRIPTS["presence"](
                    self.client, [k.conns(user), k.nodes, k.node_users(node)],
                    [node, "0", user])
                if int(others) == 0 and user not in self._local:
                    announced.append(user)
                    self._on_offline(user)
            await self.client.delete(k.node_users(node))
            await self.client.zrem(k.nodes, node)
            log.info("swept dead node %s", node)
        return announced

    @engine_call
    async def signal(self, frame: bytes, users: Collection[str]) -> None:
        """Publish a live-only `frame` on each user's channel: one packed EVALSHA of
        signal.lua (a redis-py pipeline of a PUBLISH per friend was a tenth of a Redis
        node's CPU while 3,000 users connected, bench/HISTORY.md)."""
        names = list(dict.fromkeys(users))
        if names:
            await self._raw(self._commands.signal(frame, names), "signal")

    async def _presence_script(self, user: str, flag: str) -> int:
        k = self.keys  # sets or clears one field and member: safe to run twice
        return int(await self.pipe.script(
            SCRIPTS["presence"], [k.conns(user), k.nodes, k.node_users(self.node_id)],
            [self.node_id, flag, user], retry=True))

    @engine_call
    async def connected(self, user: str) -> bool:
        self._local.add(user)
        return await self._presence_script(user, "1") == 0

    @engine_call
    async def disconnected(self, user: str) -> bool:
        self._local.discard(user)
        return await self._presence_script(user, "0") == 0

    @engine_call
    async def online(self, users: Collection[str]) -> set[str]:
        names = list(users)
        if not names:
            return set()
        flags = await SCRIPTS["online"](
            self.client, [self.keys.nodes, *map(self.keys.conns, names)], [])
        return {name for name, flag in zip(names, flags, strict=True) if int(flag)}


_QUIET: tuple[type[BaseException], ...] = (rex.RedisError, OSError, TimeoutError)


def new_epoch() -> str:
    return secrets.token_hex(4)


def _field(flat: list[bytes], name: bytes) -> bytes:
    """A field of a stream entry as hiredis returns it: [field, value, ...]."""
    for i in range(0, len(flat) - 1, 2):
        if flat[i] == name:
            return flat[i + 1]
    raise KeyError(name)


def _head(epoch: str, seq: int, frame: bytes | None) -> InboxHead:
    return InboxHead(epoch=epoch, seq=seq, last_id=make_event_id(epoch, seq) if seq else "",
                     frame=frame)
