"""The ingress consumer stops when asked, even when its blocking read turns the
cancellation into a timeout error. Before, `stop` awaited the task after one cancel,
and such a consumer went round its retry loop for ever: the likeliest cause of the one
node (Redis engine, no sockets of its own) that once hung after SIGTERM in CI."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest
import redis.exceptions as rex
from redis.asyncio import Redis

from hub.channels.ingress import IngressConsumer
from hub.redis.client import connect
from hub.redis.keys import Keys
from tests.redis_server import RedisServer


class SwallowingReads:
    """A client whose XREADGROUP blocks until cancelled, then raises a timeout instead
    of the cancellation; every other command goes to the real client."""

    def __init__(self, real: Redis) -> None:
        self.real = real
        self.reads = 0
        self.reading = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    async def xreadgroup(self, *args: Any, **kwargs: Any) -> Any:
        self.reads += 1
        self.reading.set()
        try:
            await asyncio.Event().wait()  # a blocking read that never returns by itself
        except asyncio.CancelledError:
            raise rex.TimeoutError("Timeout reading from socket") from None


@pytest.fixture
async def client(redis_server: RedisServer) -> AsyncIterator[Redis]:
    made = connect(redis_server.url)
    yield made
    await made.aclose()


async def test_stop_ends_a_consumer_whose_read_swallows_the_cancel(client: Redis,
                                                                   key_prefix: str) -> None:
    reads = SwallowingReads(client)
    broker = SimpleNamespace(client=reads, keys=Keys(key_prefix))
    node = SimpleNamespace(settings=SimpleNamespace(node_id="node-1"))
    consumer = IngressConsumer(node, broker)  # type: ignore[arg-type]
    consumer.start()
    async with asyncio.timeout(10):
        await reads.reading.wait()
        await consumer.stop()
    assert consumer._task is not None and consumer._task.done()
    assert reads.reads == 1  # it did not go round for another read


async def test_stop_before_any_read_and_twice_is_fine(client: Redis, key_prefix: str) -> None:
    broker = SimpleNamespace(client=SwallowingReads(client), keys=Keys(key_prefix))
    node = SimpleNamespace(settings=SimpleNamespace(node_id="node-1"))
    consumer = IngressConsumer(node, broker)  # type: ignore[arg-type]
    await consumer.stop()  # never started
    consumer.start()
    async with asyncio.timeout(10):
        await consumer.stop()
        await consumer.stop()
