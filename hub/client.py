"""An asyncio client for protocol v1 — for applications, the load tester and tests.

    alice = await Client.connect("ws://127.0.0.1:8000/ws", token=token)
    mood = (await alice.call("mood.post", {"text": "你好"}))["mood"]
    event = await bob.next_event("mood", timeout=5)

Replies resolve the `call` that sent them; events and presence frames are buffered
until read, so a test never races the socket. `reconnect=True` resumes from the last
event id after a dropped connection. Nothing in here sleeps to wait for a frame.

Two options serve the load tester (hub/loadtest): `on_event=callback` is the lightweight
mode — each event goes to the callback as it arrives instead of being buffered (and
presence frames are dropped), so a long run keeps no history; `local_addr=(ip, 0)`
binds the socket's source address (to spread many connections over 127.0.0.2, …).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

RESUMABLE_CLOSES = {1001, 1006, 1009, 1011, 1012, 4408, 4429}


class KjError(Exception):
    """An op answered with an error; `code` is the protocol's error code."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status


class KjClosed(Exception):
    """The socket closed (and is not being re-established)."""

    def __init__(self, code: int | None, reason: str = "") -> None:
        super().__init__(f"connection closed ({code} {reason})".strip())
        self.code, self.reason = code, reason


@dataclass(frozen=True)
class Event:
    # None for an event that is live only (from someone who is not your friend): it is
    # in no inbox, so it has no position to resume from
    id: str | None
    seq: int | None
    event: str
    ts: int
    data: dict[str, Any]
    raw: dict[str, Any] = field(repr=False, compare=False)


def _event(frame: dict[str, Any]) -> Event:
    return Event(id=frame.get("id"), seq=frame.get("seq"), event=frame["event"],
                 ts=frame["ts"], data=frame["data"], raw=frame)


def http_base(url: str) -> str:
    """The http(s) origin of a hub URL given as http(s):// or ws(s)://…/ws."""
    parts = urlsplit(url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, "", "", ""))


def ws_url(url: str) -> str:
    parts = urlsplit(url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    path = parts.path if parts.path.endswith("/ws") else parts.path.rstrip("/") + "/ws"
    return urlunsplit((scheme, parts.netloc, path, "", ""))


async def _auth(url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=http_base(url), timeout=30) as http:
        response = await http.post(path, json=body)
    data = response.json()
    if response.status_code >= 400:
        raise KjError(data.get("code", "error"), data.get("message", ""), response.status_code)
    return data  # type: ignore[no-any-return]


async def register(url: str, username: str, password: str, display_name: str | None = None
                   ) -> dict[str, Any]:
    """POST /api/register → {"token", "user"}."""
    body = {"username": username, "password": password}
    if display_name:
        body["display_name"] = display_name
    return await _auth(url, "/api/register", body)


async def login(url: str, username: str, password: str) -> dict[str, Any]:
    """POST /api/login → {"token", "user"}."""
    return await _auth(url, "/api/login", {"username": username, "password": password})



def reply_data(reply: dict[str, Any]) -> dict[str, Any]:
    """A reply frame's data; raises `KjError` with the error code of a refusal."""
    if not reply.get("ok"):
        error = reply.get("error") or {}
        raise KjError(error.get("code", "error"), error.get("message", ""))
    return reply.get("data") or {}

class Client:
    def __init__(self, url: str, token: str | None, *, reconnect: bool = False,
                 headers: dict[str, str] | None = None, name: str | None = None,
                 on_event: Callable[[Event], None] | None = None,
                 local_addr: tuple[str, int] | None = None) -> None:
        self.url = ws_url(url)
        self.on_event = on_event  # lightweight mode: events to the callback, unbuffered
        self.local_addr = local_addr
        self.token = token
        self.reconnect = reconnect
        self.headers = headers or {}
        self.name = name
        self.hello: dict[str, Any] = {}
        self.last_id: str | None = None
        self.events_seen: list[Event] = []  # every event, in arrival order (live-only too)
        self.close_code: int | None = None
        self.connections = 0  # how many times a socket was established
        self._events: list[Event] = []
        self._presence: list[dict[str, Any]] = []
        self._changed = asyncio.Condition()
        self._pending: dict[Any, asyncio.Future[dict[str, Any]]] = {}
        self._refs = itertools.count(1)
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._reconnecting: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._closing = False

    @classmethod
    async def connect(cls, url: str, token: str | None = None, *, since: str | None = None,
                      reconnect: bool = False, headers: dict[str, str] | None = None,
                      name: str | None = None, timeout: float = 10.0,
                      on_event: Callable[[Event], None] | None = None,
                      local_addr: tuple[str, int] | None = None) -> Client:
        client = cls(url, token, reconnect=reconnect, headers=headers, name=name,
                     on_event=on_event, local_addr=local_addr)
        client.last_id = since
        await client._open(timeout)
        return client

    # connection
    def _target(self) -> str:
        query = {k: v for k, v in (("token", self.token), ("since", self.last_id)) if v}
        return self.url + ("?" + urlencode(query) if query else "")

    async def _open(self, timeout: float) -> None:
        extra: dict[str, Any] = {"local_addr": self.local_addr} if self.local_addr else {}
        ws = await connect(self._target(), additional_headers=self.headers,
                           open_timeout=timeout, max_size=None, compression=None, **extra)
        try:
            first = await asyncio.wait_for(ws.recv(), timeout)
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd else None
            raise KjClosed(code, exc.rcvd.reason if exc.rcvd else "") from None
        except TimeoutError:
            await ws.close()  # no hello in time: don't leak the socket
            raise
        frame = orjson.loads(first)
        if frame.get("type") != "hello":
            await ws.close()
            raise KjError("protocol", f"expected hello, got {frame.get('type')}")
        self.hello = frame["data"]
        if not self.last_id or self.hello.get("gap"):
            self.last_id = self.hello.get("last_id") or self.last_id
        self._ws = ws
        self.close_code = None
        self.connections += 1
        self._connected.set()
        self._reader = asyncio.create_task(self._read(ws))

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                await self._dispatch(orjson.loads(raw))
        except ConnectionClosed:
            pass
        code = ws.close_code
        self._connected.clear()
        self.close_code = code
        for future in self._pending.values():
            if not future.done():
                future.set_exception(KjClosed(code, ws.close_reason or ""))
        self._pending.clear()
        async with self._changed:
            self._changed.notify_all()
        if self.reconnect and not self._closing and code in RESUMABLE_CLOSES | {None}:
            self._reconnecting = asyncio.create_task(self._reconnect())

    async def _reconnect(self) -> None:
        delay = 0.05
        while not self._closing:
            try:
                await self._open(10.0)
                return
            except KjClosed as exc:
                if exc.code not in RESUMABLE_CLOSES | {None}:  # 4401, 4403: final, stop
                    await self._give_up(exc.code)
                    return
            # InvalidHandshake: an HTTP answer instead of an upgrade, e.g. a proxy's 503
            # while the hub restarts — keep trying, like a refused connection.
            except (TimeoutError, OSError, KjError, InvalidHandshake, ValueError):
                pass
            await asyncio.sleep(delay)  # back-off between attempts, not a sync wait
            delay = min(delay * 2, 2.0)

    async def _give_up(self, code: int | None) -> None:
        """Reconnecting cannot succeed (the server refused the token or the origin):
        stop, and let waiting callers see the close."""
        self.reconnect = False
        self._ws = None
        self.close_code = code
        async with self._changed:
            self._changed.notify_all()

    @property
    def inbox_events(self) -> list[Event]:
        """The events seen that came from the inbox (with an id and a seq), in order."""
        return [e for e in self.events_seen if e.seq is not None]

    @property
    def last_seq(self) -> int | None:
        """The seq of the last inbox event seen (what `last_id` names)."""
        return next((e.seq for e in reversed(self.events_seen) if e.seq is not None), None)

    async def _dispatch(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "reply":
            future = self._pending.pop(frame.get("ref"), None)
            if future is not None and not future.done():
                future.set_result(frame)
            return
        if kind == "heartbeat":
            await self._send({"op": "ping", "ref": None, "data": {}})
            return
        if self.on_event is not None:
            if kind == "event":
                event = _event(frame)
                self.last_id = event.id or self.last_id
                self.on_event(event)
            return
        async with self._changed:
            if kind == "event":
                event = _event(frame)
                self.last_id = event.id or self.last_id
                self._events.append(event)
                self.events_seen.append(event)
            elif kind == "presence":
                self._presence.append(frame["data"])
            self._changed.notify_all()

    async def _send(self, frame: dict[str, Any]) -> None:
        if self._ws is None:
            raise KjClosed(self.close_code)
        await self._ws.send(orjson.dumps(frame).decode())

    async def send_raw(self, text: str | bytes) -> None:
        """Send an arbitrary frame (tests of bad input)."""
        if self._ws is None:
            raise KjClosed(self.close_code)
        await self._ws.send(text)

    async def call(self, op: str, data: dict[str, Any] | None = None, *,
                   timeout: float = 10.0) -> dict[str, Any]:
        """Send an op and return its reply data; raises `KjError` with the error code."""
        return reply_data(await self.request(op, data, timeout=timeout))

    async def request(self, op: str, data: dict[str, Any] | None = None, *,
                      timeout: float = 10.0) -> dict[str, Any]:
        """Send an op and return the whole reply frame."""
        if self.reconnect and not self._connected.is_set():
            await asyncio.wait_for(self._connected.wait(), timeout)
        ref = f"r{next(self._refs)}"
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[ref] = future
        try:
            await self._send({"op": op, "ref": ref, "data": data or {}})
            return await asyncio.wait_for(future, timeout)
        finally:
            self._pending.pop(ref, None)

    # events
    async def _wait_for(self, take: Callable[[], Any], timeout: float, what: str) -> Any:
        try:
            async with asyncio.timeout(timeout):
                async with self._changed:
                    while True:
                        found = take()
                        if found is not None:
                            return found
                        if self.close_code is not None and not self.reconnect:
                            raise KjClosed(self.close_code)
                        await self._changed.wait()
        except TimeoutError:
            who = f" for {self.name}" if self.name else ""
            raise TimeoutError(f"no {what}{who} within {timeout}s") from None

    async def next_event(self, type: str | None = None, *, timeout: float = 5.0,
                         where: Callable[[Event], bool] | None = None) -> Event:
        """The oldest unread event (of `type`, matching `where`); waits up to `timeout`."""
        def take() -> Event | None:
            for i, event in enumerate(self._events):
                if (type is None or event.event == type) and (where is None or where(event)):
                    return self._events.pop(i)
            return None
        return await self._wait_for(take, timeout, f"'{type or 'any'}' event")  # type: ignore[no-any-return]

    async def next_presence(self, user: str | None = None, *, timeout: float = 5.0
                            ) -> dict[str, Any]:
        def take() -> dict[str, Any] | None:
            for i, item in enumerate(self._presence):
                if user is None or item["user"] == user:
                    return self._presence.pop(i)
            return None
        return await self._wait_for(take, timeout, f"presence of {user or 'anyone'}")  # type: ignore[no-any-return]

    async def wait_closed(self, *, timeout: float = 5.0) -> int | None:
        """Wait until the server closes this socket; returns the close code."""
        await self._wait_for(lambda: self.close_code, timeout, "close")
        return self.close_code

    async def expect_no_event(self, type: str | None = None, *, within: float = 0.5,
                              where: Callable[[Event], bool] | None = None) -> None:
        """Fail (AssertionError) if an unread event of `type` arrives within `within` s."""
        with contextlib.suppress(TimeoutError):
            event = await self.next_event(type, timeout=within, where=where)
            raise AssertionError(f"unexpected '{event.event}' event: {event.data}")

    async def events(self, type: str | None = None, *, timeout: float = 30.0
                     ) -> AsyncIterator[Event]:
        """Iterate events as they come; stops with TimeoutError after `timeout` of silence."""
        while True:
            yield await self.next_event(type, timeout=timeout)

    def pending_events(self) -> list[Event]:
        return list(self._events)

    async def close(self) -> None:
        self._closing = True
        if self._reconnecting is not None:
            self._reconnecting.cancel()
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
