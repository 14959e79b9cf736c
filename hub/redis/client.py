"""A redis-py client as the Redis engines expect it (`connect`): for what does not go
through the project's own connections — the ingress consumer's blocking reads, the
node registry, a few rare calls."""

from __future__ import annotations

import redis.exceptions as rex
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry  # redis.retry's would never retry a coroutine
from redis.backoff import NoBackoff


def connect(
    url: str,
    *,
    socket_timeout: float = 2.0,
    connect_timeout: float = 1.0,
    max_connections: int = 64,
    pool_timeout: float = 10.0,
) -> Redis:
    """A client as the Redis engines expect it: bytes responses, short timeouts, and
    one immediate retry on a broken connection (a pooled socket left over from before
    a Redis restart), so an outage answers `EngineUnavailable` in about a second.

    The pool is bounded and blocking: a burst of concurrent ops waits for a connection
    (at most `pool_timeout`) instead of failing with "too many connections". The wait is
    longer than a command's timeout: a node that is only CPU-starved should answer
    slowly, not `unavailable` (a down Redis fails at connect, long before that)."""
    pool = BlockingConnectionPool.from_url(
        url,
        socket_timeout=socket_timeout,
        socket_connect_timeout=connect_timeout,
        retry=Retry(NoBackoff(), 1, supported_errors=(rex.ConnectionError,)),
        decode_responses=False,
        max_connections=max_connections,
        timeout=pool_timeout,
    )
    return Redis(connection_pool=pool)
