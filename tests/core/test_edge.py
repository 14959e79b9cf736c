"""The server edge (hub/server.py): slow connections are closed — connect-only sockets,
headers that never finish (however steadily they trickle), bodies that stall — while
calm users go on; and past `limit_concurrency` open connections an HTTP request gets
`503` and a websocket upgrade is refused, both served again once connections close.

Each test waits on the socket's EOF (or an answer) with a failure bound, never on a
sleep; the only sleeps pace a deliberately slow client."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import resource
from collections.abc import AsyncIterator

import orjson
import pytest
from websockets.exceptions import InvalidStatus

from hub.config import Settings
from tests.core.conftest import MakeHub
from tests.core.rawhttp import eof, open_tcp, read_answer, request, request_bytes
from tests.core.support import Raw, account
from tests.redis_server import free_port

TIMEOUT = 0.5  # header_timeout of these hubs


@pytest.fixture
def engine() -> str:
    """The edge is the same on both engines: run it on one."""
    return "memory"


@contextlib.asynccontextmanager
async def trickling(writer: asyncio.StreamWriter, pace: float) -> AsyncIterator[None]:
    """Keep sending a header line every `pace` seconds, as a slowloris client does:
    bytes keep coming, the headers never end."""
    async def trickle() -> None:
        for n in itertools.count():
            if writer.is_closing():
                return
            writer.write(b"X-Slow-%d: y\r\n" % n)
            await asyncio.sleep(pace)  # pacing the slow client, not synchronising

    task = asyncio.create_task(trickle())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await task


async def test_a_connect_only_socket_is_closed_while_a_calm_socket_lives(
        make_hub: MakeHub) -> None:
    hub = await make_hub(header_timeout=TIMEOUT)
    _, token = await account(hub.url, "eg")
    calm, _ = await Raw.hello(hub.url, token)
    reader, writer = await open_tcp(hub.settings.port)
    try:
        # Nothing was asked, so nothing is answered: the socket is just closed.
        assert await eof(reader) == b""
    finally:
        writer.close()
    # The calm socket is older than the timeout by now, and still answers.
    await calm.ping()
    await calm.ping()
    await calm.close()


async def test_headers_that_never_finish_are_answered_408_and_closed(
        make_hub: MakeHub) -> None:
    hub = await make_hub(header_timeout=TIMEOUT)
    reader, writer = await open_tcp(hub.settings.port)
    writer.write(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    try:
        async with trickling(writer, TIMEOUT / 10):  # the deadline is not reset per byte
            answer = await read_answer(reader)
            assert answer.status == 408, answer
            assert answer.headers["connection"] == "close"
            assert answer.json()["code"] == "bad_request"  # type: ignore[index]
            assert await eof(reader) == b""
    finally:
        writer.close()


async def test_a_later_keep_alive_request_gets_the_same_deadline(make_hub: MakeHub) -> None:
    hub = await make_hub(header_timeout=TIMEOUT)
    reader, writer = await open_tcp(hub.settings.port)
    try:
        writer.write(request_bytes("GET", "/api/health"))
        first = await read_answer(reader)
        assert first.status == 200, first
        writer.write(b"GET /api/health HTTP/1.1\r\nHost: 12")  # ...and no more
        answer = await read_answer(reader)
        assert answer.status == 408, answer
        assert await eof(reader) == b""
    finally:
        writer.close()


async def test_a_stalled_body_is_answered_408_and_closed(make_hub: MakeHub) -> None:
    hub = await make_hub(header_timeout=TIMEOUT)
    reader, writer = await open_tcp(hub.settings.port)
    try:
        writer.write(b"POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
                     b'{"username":')  # 12 of 100 bytes, then silence
        answer = await read_answer(reader)
        assert answer.status == 408, answer
        assert await eof(reader) == b""
    finally:
        writer.close()


async def test_a_slow_body_that_keeps_moving_is_served(make_hub: MakeHub) -> None:
    """The body rule is about progress, not speed: a body that arrives a byte at a time
    over several timeouts is read to its end and answered."""
    hub = await make_hub(header_timeout=1.0)
    body = b'{"username":"nobody_here","password":"password123"}'
    reader, writer = await open_tcp(hub.settings.port)
    try:
        writer.write(b"POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body))
        for i in range(len(body)):
            writer.write(body[i:i + 1])
            await asyncio.sleep(0.05)  # pacing the slow client, not synchronising
        answer = await read_answer(reader)
        assert answer.status == 401, answer  # an answer from the route, not a 408
    finally:
        writer.close()


# -- the connection limit ------------------------------------------------------------

def _refused(status: int, body: object) -> None:
    assert status == 503, (status, body)
    assert isinstance(body, dict) and body["code"] == "unavailable", body
    assert isinstance(body["message"], str) and body["message"]


async def test_past_the_limit_http_gets_503_and_upgrades_are_refused_until_sockets_close(
        make_hub: MakeHub) -> None:
    internal = free_port()
    hub = await make_hub(limit_concurrency=2, internal_port=internal)
    _, token = await account(hub.url, "el")
    first, _ = await Raw.hello(hub.url, token)
    second, _ = await Raw.hello(hub.url, token)  # two websockets: the limit

    answer = await request(hub.settings.port, "GET", "/api/health")
    _refused(answer.status, answer.json())
    with pytest.raises(InvalidStatus) as refused:
        await Raw.open(hub.url, token)
    _refused(refused.value.response.status_code, orjson.loads(refused.value.response.body))
    # Operators still see what is going on, on the internal port.
    assert (await request(internal, "GET", "/metrics")).status == 200
    await first.ping()  # the sockets already open go on
    await second.ping()

    await first.close()  # one connection fewer: both kinds are served again
    answer = await request(hub.settings.port, "GET", "/api/health")
    assert answer.status == 200, answer
    third, _ = await Raw.hello(hub.url, token)
    await third.ping()
    await third.close()
    await second.close()


def test_the_default_limit_is_the_open_files_limit_less_a_reserve() -> None:
    from hub.server import concurrency_limit

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert concurrency_limit(Settings(data=None)) == max(1, soft - 64)
    assert concurrency_limit(Settings(data=None, limit_concurrency=7)) == 7
