"""The auto-pipelined connection of the hot path: replies reach their own callers under
concurrency and cancellation, and every way the connection can fail (no reply, a lost
connection, a restart, an error reply) ends in a clear error, never a hang or a reply
handed to the wrong caller."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import redis.exceptions as rex

from hub.redis.client import connect
from hub.redis.endpoint import Endpoint
from hub.redis.pipe import AutoPipeline, pipe_for
from hub.redis.resp import packed
from hub.redis.scripts import LuaScript
from tests.redis_server import RedisServer


@pytest.fixture
async def pipe(redis_server: RedisServer) -> AsyncIterator[AutoPipeline]:
    made = pipe_for(connect(redis_server.url))
    yield made
    await made.close()


async def test_concurrent_calls_each_get_their_own_reply(pipe: AutoPipeline,
                                                         key_prefix: str) -> None:
    keys = [f"{key_prefix}:k{i}" for i in range(500)]
    await asyncio.gather(*(pipe.command(b"SET", k, str(i)) for i, k in enumerate(keys)))
    replies = await asyncio.gather(*(pipe.command(b"GET", k) for k in keys))
    assert replies == [str(i).encode() for i in range(500)]


async def test_a_cancelled_caller_leaves_the_others_in_step(pipe: AutoPipeline,
                                                            key_prefix: str) -> None:
    await pipe.command(b"SET", f"{key_prefix}:a", b"A")
    await pipe.command(b"SET", f"{key_prefix}:b", b"B")
    first = asyncio.ensure_future(pipe.command(b"GET", f"{key_prefix}:a"))
    second = asyncio.ensure_future(pipe.command(b"GET", f"{key_prefix}:b"))
    await asyncio.sleep(0)  # both sent
    first.cancel()
    assert await second == b"B"
    assert await pipe.command(b"GET", f"{key_prefix}:a") == b"A"


async def test_an_error_reply_raises_and_the_connection_goes_on(pipe: AutoPipeline,
                                                                key_prefix: str) -> None:
    await pipe.command(b"SET", f"{key_prefix}:s", b"text")
    with pytest.raises(rex.ResponseError, match="WRONGTYPE"):
        await pipe.command(b"HGETALL", f"{key_prefix}:s")
    assert await pipe.command(b"GET", f"{key_prefix}:s") == b"text"


async def test_batches_and_single_calls_interleave_in_step(pipe: AutoPipeline,
                                                           key_prefix: str) -> None:
    def batch(i: int) -> Awaitable[list[object]]:
        key = f"{key_prefix}:b{i}"
        return pipe.batch([packed(b"SET", key, i), packed(b"GET", key),
                           packed(b"STRLEN", key)])

    calls = [batch(i) if i % 2 else pipe.command(b"ECHO", str(i)) for i in range(200)]
    replies = await asyncio.gather(*calls)
    for i, reply in enumerate(replies):
        assert reply == ([b"OK", str(i).encode(), len(str(i))] if i % 2 else str(i).encode())
    assert await pipe.batch([packed(b"PING")]) == [b"PONG"]  # one command: still a list
    assert await pipe.batch([]) == []


async def test_a_batch_raises_its_first_error_or_returns_it_in_place(
        pipe: AutoPipeline, key_prefix: str) -> None:
    key = f"{key_prefix}:s"
    commands = [packed(b"SET", key, b"text"), packed(b"HGETALL", key), packed(b"GET", key)]
    with pytest.raises(rex.ResponseError, match="WRONGTYPE"):
        await pipe.batch(commands)
    ok, error, value = await pipe.batch(commands, raise_errors=False)
    assert (ok, value) == (b"OK", b"text")
    assert isinstance(error, rex.ResponseError)
    assert await pipe.command(b"GET", key) == b"text"  # the stream is still in step


async def test_a_transaction_returns_exec_replies_and_nothing_comes_between(
        pipe: AutoPipeline, key_prefix: str) -> None:
    key = f"{key_prefix}:n"
    # Concurrent INCRs are written between the transactions, never inside one: each
    # transaction sees its own two INCRs as consecutive values.
    results = await asyncio.gather(*(
        pipe.transaction([packed(b"INCR", key), packed(b"INCR", key)]) if i % 3 == 0
        else pipe.command(b"INCR", key) for i in range(300)))
    for i, result in enumerate(results):
        if i % 3 == 0:
            first, second = result
            assert second == first + 1
    assert int(await pipe.command(b"GET", key)) == 100 * 2 + 200


async def test_a_refused_transaction_runs_nothing_and_the_pipe_goes_on(
        pipe: AutoPipeline, key_prefix: str) -> None:
    key = f"{key_prefix}:t"
    with pytest.raises(rex.ResponseError, match="wrong number of arguments"):
        await pipe.transaction([packed(b"SET", key, b"1"), packed(b"GET")])  # bad arity
    assert await pipe.command(b"EXISTS", key) == 0
    await pipe.command(b"SET", key, b"text")
    with pytest.raises(rex.ResponseError, match="WRONGTYPE"):  # fails as it runs
        await pipe.transaction([packed(b"HGETALL", key), packed(b"APPEND", key, b"!")])
    assert await pipe.command(b"GET", key) == b"text!"  # Redis does not roll back
    assert await pipe.transaction([packed(b"GET", key)]) == [b"text!"]


async def test_the_url_database_is_selected(redis_server: RedisServer,
                                            key_prefix: str) -> None:
    url = redis_server.url.rsplit("/", 1)[0] + "/5"
    pipe, client = pipe_for(connect(url)), connect(url)
    try:
        await pipe.command(b"SET", f"{key_prefix}:db", b"five")
        assert await client.get(f"{key_prefix}:db") == b"five"
    finally:
        await pipe.close()
        await client.aclose()


async def test_a_script_survives_a_flushed_script_cache(pipe: AutoPipeline,
                                                        tmp_path: Path) -> None:
    path = tmp_path / "echo.lua"
    path.write_text("return ARGV[1]")
    script = LuaScript(path)
    assert await pipe.script(script, [], ["one"]) == b"one"
    await pipe.command(b"SCRIPT", b"FLUSH")
    assert await pipe.script(script, [], ["two"]) == b"two"  # NOSCRIPT: load, resend


async def test_after_a_restart_retried_calls_succeed() -> None:
    server = RedisServer()
    server.start()
    pipe = pipe_for(connect(server.url))
    try:
        assert await pipe.command(b"PING", retry=True) == b"PONG"
        server.stop()
        server.start()  # same port: the pipe's socket is dead
        replies = await asyncio.gather(*(pipe.command(b"PING", retry=True) for _ in range(4)))
        assert replies == [b"PONG"] * 4
    finally:
        await pipe.close()
        server.stop()


# -------------------------------------------------- a fake Redis that misbehaves

Handler = Callable[[int, asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@pytest.fixture
async def fake_redis() -> AsyncIterator[Callable[[Handler], Awaitable[Endpoint]]]:
    servers: list[asyncio.Server] = []

    async def serve(handler: Handler) -> Endpoint:
        count = 0

        async def on_connect(reader: asyncio.StreamReader,
                             writer: asyncio.StreamWriter) -> None:
            nonlocal count
            count += 1
            try:
                await handler(count, reader, writer)
            finally:
                writer.close()

        server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
        servers.append(server)
        return Endpoint(host="127.0.0.1", port=server.sockets[0].getsockname()[1])

    yield serve
    for server in servers:
        server.close()


async def test_no_reply_in_time_fails_every_waiter_then_reconnects(fake_redis: Callable[
        [Handler], Awaitable[Endpoint]]) -> None:
    async def handler(n: int, reader: asyncio.StreamReader,
                      writer: asyncio.StreamWriter) -> None:
        while await reader.read(1024):
            if n > 1:  # the first connection never answers
                writer.write(b"+PONG\r\n")

    pipe = AutoPipeline(await fake_redis(handler), timeout=0.3)
    try:
        results = await asyncio.gather(*(pipe.command(b"PING") for _ in range(3)),
                                       return_exceptions=True)
        assert all(isinstance(r, rex.TimeoutError) for r in results), results
        assert await pipe.command(b"PING") == b"PONG"  # a new connection
    finally:
        await pipe.close()


async def test_a_lost_connection_fails_its_waiters_and_a_retry_reconnects(fake_redis: Callable[
        [Handler], Awaitable[Endpoint]]) -> None:
    async def handler(n: int, reader: asyncio.StreamReader,
                      writer: asyncio.StreamWriter) -> None:
        while await reader.read(1024):
            if n == 1:
                return  # hang up on the first command
            writer.write(b"+PONG\r\n")

    pipe = AutoPipeline(await fake_redis(handler), timeout=5)
    try:
        with pytest.raises(rex.ConnectionError):
            await pipe.command(b"PING")  # not safe to repeat: the error is the answer
        assert await pipe.command(b"PING") == b"PONG"
    finally:
        await pipe.close()
    pipe = AutoPipeline(await fake_redis(handler), timeout=5)
    try:
        assert await pipe.command(b"PING", retry=True) == b"PONG"
    finally:
        await pipe.close()


async def test_a_connection_lost_mid_batch_fails_the_batch_and_the_next_call_works(
        fake_redis: Callable[[Handler], Awaitable[Endpoint]]) -> None:
    async def handler(n: int, reader: asyncio.StreamReader,
                      writer: asyncio.StreamWriter) -> None:
        while await reader.read(1024):
            writer.write(b"+PONG\r\n")  # one of the batch's three replies, then gone
            if n == 1:
                await writer.drain()
                return

    pipe = AutoPipeline(await fake_redis(handler), timeout=5)
    try:
        with pytest.raises(rex.ConnectionError):
            await pipe.batch([packed(b"PING")] * 3)
        assert await pipe.command(b"PING") == b"PONG"
    finally:
        await pipe.close()


async def test_an_unreachable_redis_is_a_connection_error() -> None:
    pipe = AutoPipeline(Endpoint(host="127.0.0.1", port=1), connect_timeout=0.5)
    with pytest.raises(rex.ConnectionError, match="cannot connect"):
        await pipe.command(b"PING", retry=True)


async def test_a_closed_pipe_refuses_calls(pipe: AutoPipeline) -> None:
    assert await pipe.command(b"PING") == b"PONG"
    await pipe.close()
    with pytest.raises(rex.ConnectionError, match="closed"):
        await pipe.command(b"PING", retry=True)
