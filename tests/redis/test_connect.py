"""`connect()`: the client the Redis engines share. A pooled socket left over from
before a Redis restart is retried once on a fresh one, so the first ops after a restart
are not refused, however many of the pool's sockets they take at once."""

from __future__ import annotations

import asyncio

from redis.asyncio.retry import Retry

from hub.redis.client import connect
from tests.redis_server import RedisServer


async def test_stale_pooled_sockets_are_retried_after_a_restart() -> None:
    server = RedisServer()
    server.start()
    client = connect(server.url)
    try:
        # several sockets in the pool at once: concurrent calls take one each
        assert await asyncio.gather(*(client.ping() for _ in range(4))) == [True] * 4
        server.stop()
        server.start()  # same port: every pooled socket is now dead
        assert await asyncio.gather(*(client.ping() for _ in range(4))) == [True] * 4
    finally:
        await client.aclose()
        server.stop()


def test_the_retry_is_the_asyncio_one() -> None:
    # redis.retry.Retry would "succeed" at creating the coroutine and never retry it
    client = connect("redis://127.0.0.1:1/0")
    assert isinstance(client.connection_pool.connection_kwargs["retry"], Retry)
