"""One Redis connection that every concurrent hot-path call shares (auto-pipelining).

redis-py gives each command a pooled connection of its own: a pool checkout guarded by
a condition and a timeout, a retry wrapper, a send and a receive syscall, metrics
hooks. Measured on this hub (bench/HISTORY.md), that is ~96 µs of CPU per command even
with 50 in flight, and a Redis node's connect path runs five of them. Here a command is
written to one socket the moment it is issued and its future waits in a FIFO: Redis
answers a connection's commands in order, so the n-th reply belongs to the n-th
waiter, and one read hands out as many replies as arrived (~18 µs per command at 50 in
flight). It is how Centrifugo's Redis engine talks to Redis (rueidis's auto-pipelining),
cut down to what the hot path needs.

Only non-blocking commands go here: one slow reply would hold up every reply behind
it. Blocking reads (the ingress consumer's XREADGROUP) stay on redis-py's pool.

Failures keep the FIFO honest. A reply later than `timeout` means the connection can no
longer be trusted, so it is aborted and every waiter fails with `TimeoutError`; a lost
connection fails its waiters with `ConnectionError`. Both are `UNAVAILABLE_ERRORS`, so
engine calls answer `unavailable`. The next call opens a new connection. A caller that
is cancelled leaves its reply to be read and dropped, never misdelivered.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Sequence
from typing import Any, cast

import hiredis
import redis.exceptions as rex
from redis.asyncio import Redis

from hub.redis.endpoint import Endpoint
from hub.redis.resp import pack, packed
from hub.redis.scripts import LuaScript

log = logging.getLogger("hub.redis.pipe")


def _reply_error(message: str) -> rex.ResponseError:
    if message.startswith("NOSCRIPT"):
        return rex.NoScriptError(message)
    return rex.ResponseError(message)


class _Protocol(asyncio.Protocol):
    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.transport: asyncio.Transport | None = None
        # (future, deadline, replies it takes): a batch's future takes several
        self.waiting: collections.deque[tuple[asyncio.Future[Any], float, int]] = (
            collections.deque())
        self.lost = False
        self._parts: list[Any] = []  # the replies so far of the batch at the head
        self._reader = hiredis.Reader(replyError=_reply_error)
        self._loop = asyncio.get_running_loop()
        self._timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.Transport, transport)  # uvloop's is no subclass of it
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(rex.ConnectionError(f"redis connection lost: {exc or 'closed by peer'}"))

    def data_received(self, data: bytes) -> None:
        reader, waiting = self._reader, self.waiting
        reader.feed(data)
        try:
            while (reply := reader.gets()) is not False:
                if not waiting:  # a reply nobody asked for: the stream is out of step
                    raise hiredis.ProtocolError("unexpected reply")
                fut, _, count = waiting[0]
                if count != 1:
                    parts = self._parts
                    parts.append(reply)
                    if len(parts) < count:
                        continue
                    self._parts, reply = [], parts
                waiting.popleft()
                if not fut.done():
                    fut.set_result(reply)
        except hiredis.ProtocolError as exc:
            log.error("redis pipe: %s; reconnecting", exc)
            self._abort(rex.ConnectionError(f"redis protocol error: {exc}"))

    @property
    def usable(self) -> bool:
        """False once lost or closing (the close may not have been reported yet)."""
        transport = self.transport
        return not self.lost and transport is not None and not transport.is_closing()

    def send(self, command: bytes, replies: int = 1) -> asyncio.Future[Any]:
        """Write `command` (packed RESP, one command or `replies` of them back to back);
        the future's result is its reply, or the list of `replies` replies."""
        transport = self.transport
        if not self.usable or transport is None:
            raise rex.ConnectionError("redis connection is closed")
        fut = self._loop.create_future()
        self.waiting.append((fut, self._loop.time() + self.timeout, replies))
        transport.write(command)
        if self._timer is None:
            self._timer = self._loop.call_later(self.timeout, self._check_deadline)
        return fut

    def _check_deadline(self) -> None:
        """Runs about once per `timeout` while replies are outstanding: one timer for
        the oldest waiter, not one per call."""
        self._timer = None
        if not self.waiting:
            return
        deadline = self.waiting[0][1]
        now = self._loop.time()
        if now >= deadline:
            self._abort(rex.TimeoutError(f"no reply from redis within {self.timeout:g} s"))
        else:
            self._timer = self._loop.call_later(deadline - now, self._check_deadline)

    def _abort(self, exc: Exception) -> None:
        self._fail(exc)
        if self.transport is not None:
            self.transport.abort()

    def _fail(self, exc: Exception) -> None:
        self.lost = True
        self._parts = []
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        while self.waiting:
            fut, _, _ = self.waiting.popleft()
            if not fut.done():
                fut.set_exception(exc)


_MULTI, _EXEC = pack(b"MULTI"), pack(b"EXEC")


class AutoPipeline:
    """`await pipe.call(packed)`: one command, its reply (hiredis types: bytes, int,
    lists; an error reply raises `ResponseError`)."""

    def __init__(self, endpoint: Endpoint, db: int = 0, *, timeout: float = 2.0,
                 connect_timeout: float = 1.0) -> None:
        self.endpoint = endpoint
        self.db = db
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self._conn: _Protocol | None = None
        self._connecting: asyncio.Lock | None = None
        self._closed = False

    async def call(self, command: bytes, *, retry: bool = False) -> Any:
        """Send one packed command. `retry`: for a command that may safely run twice,
        one more try on a fresh connection if the first was lost (a connection left
        over from before a Redis restart)."""
        try:
            reply = await (await self._connection()).send(command)
        except rex.ConnectionError:
            if not retry or self._closed:
                raise
            reply = await (await self._connection()).send(command)
        if isinstance(reply, rex.ResponseError):
            raise reply
        return reply

    async def command(self, *args: bytes | str | int, retry: bool = False) -> Any:
        return await self.call(packed(*args), retry=retry)

    async def batch(self, commands: Sequence[bytes], *, retry: bool = False,
                    raise_errors: bool = True) -> list[Any]:
        """Several packed commands in one write, one round trip: their replies in
        order. The first error reply is raised, or with `raise_errors=False` left in
        its place as a `ResponseError`. `retry` as for `call`."""
        if not commands:
            return []
        joined, count = b"".join(commands), len(commands)
        try:
            replies = await (await self._connection()).send(joined, count)
        except rex.ConnectionError:
            if not retry or self._closed:
                raise
            replies = await (await self._connection()).send(joined, count)
        if count == 1:  # a future of one reply holds it bare
            replies = [replies]
        if raise_errors:
            for reply in replies:
                if isinstance(reply, rex.ResponseError):
                    raise reply
        return replies

    async def transaction(self, commands: Sequence[bytes]) -> list[Any]:
        """MULTI, the commands and EXEC in one write: atomic, and nothing else on this
        connection can come between them, because the write is one. EXEC's replies;
        raises the first error (a command refused when queued aborts them all)."""
        replies = await self.batch([_MULTI, *commands, _EXEC])
        results: list[Any] = replies[-1]
        for result in results:
            if isinstance(result, rex.ResponseError):
                raise result
        return results

    async def script(self, script: LuaScript, keys: Sequence[str], args: Sequence[Any],
                     *, retry: bool = False) -> Any:
        """EVALSHA; after NOSCRIPT (it did not run) load the script and send it again."""
        command = pack(b"EVALSHA", script.sha, str(len(keys)), *keys,
                       *(a if isinstance(a, bytes | str) else str(a) for a in args))
        try:
            return await self.call(command, retry=retry)
        except rex.NoScriptError:
            await self.call(pack(b"SCRIPT", b"LOAD", script.source), retry=True)
            return await self.call(command, retry=retry)

    async def _connection(self) -> _Protocol:
        conn = self._conn
        if conn is not None and conn.usable:
            return conn
        if self._closed:
            raise rex.ConnectionError("redis pipe is closed")
        if self._connecting is None:
            self._connecting = asyncio.Lock()
        async with self._connecting:  # concurrent callers share one connect
            conn = self._conn
            if conn is None or not conn.usable:
                conn = self._conn = await self._open()
            return conn

    async def _open(self) -> _Protocol:
        loop = asyncio.get_running_loop()
        endpoint = self.endpoint
        try:
            async with asyncio.timeout(self.connect_timeout):
                transport, conn = await loop.create_connection(
                    lambda: _Protocol(self.timeout), endpoint.host, endpoint.port,
                    ssl=True if endpoint.tls else None)
                handshake = []
                if endpoint.password is not None:
                    handshake.append(pack("AUTH", endpoint.username, endpoint.password)
                                     if endpoint.username else pack("AUTH", endpoint.password))
                if self.db:
                    handshake.append(pack("SELECT", str(self.db)))
                for reply in await asyncio.gather(*(conn.send(c) for c in handshake)):
                    if isinstance(reply, rex.ResponseError):
                        transport.close()
                        raise rex.AuthenticationError(str(reply))
        except TimeoutError as exc:
            raise rex.TimeoutError(f"connecting to redis at {endpoint.host}:"
                                   f"{endpoint.port} timed out") from exc
        except OSError as exc:
            raise rex.ConnectionError(f"cannot connect to redis at {endpoint.host}:"
                                      f"{endpoint.port}: {exc}") from exc
        return conn

    async def close(self) -> None:
        self._closed = True
        conn, self._conn = self._conn, None
        if conn is not None and conn.transport is not None:
            conn.transport.close()


def endpoint_of(client: Redis) -> tuple[Endpoint, int]:
    """Where `client`'s pool connects, and its database number."""
    pool = client.connection_pool
    kwargs = pool.connection_kwargs
    endpoint = Endpoint(
        host=kwargs.get("host", "127.0.0.1"), port=int(kwargs.get("port", 6379)),
        username=kwargs.get("username"), password=kwargs.get("password"),
        tls="ssl" in str(pool.connection_class).lower())
    return endpoint, int(kwargs.get("db") or 0)


def pipe_for(client: Redis) -> AutoPipeline:
    """An auto-pipeline to the server `client` talks to, with its timeouts."""
    endpoint, db = endpoint_of(client)
    kwargs = client.connection_pool.connection_kwargs
    return AutoPipeline(endpoint, db, timeout=float(kwargs.get("socket_timeout") or 2.0),
                        connect_timeout=float(kwargs.get("socket_connect_timeout") or 1.0))
