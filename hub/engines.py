"""Choosing and building an engine — the only place that knows both backends.

memory: SQLite store (in memory or one WAL file) + in-process broker (journaled into the
same file). redis: Redis store + Redis broker on one client with short timeouts, so an
outage answers `unavailable` instead of hanging.
"""

from __future__ import annotations

import logging
from typing import Any

from hub.channels.base import Broker
from hub.channels.memory import MemoryBroker
from hub.config import Settings
from hub.store.base import Store
from hub.store.schema import make_data_dir
from hub.store.sqlite import SqliteStore

log = logging.getLogger("hub.engines")


def build(settings: Settings) -> tuple[Store, Broker, str]:
    """(store, broker, engine name) for `settings`; raises `schema.CorruptData`."""
    if settings.redis_url:
        return (*_redis(settings), "redis")
    path = settings.data_file
    if path is not None:
        make_data_dir(path.parent)
    store = SqliteStore.open(path)
    broker = MemoryBroker(settings.inbox_retention, journal=store.db if path else None,
                          unregistered=store.unregistered, friends=store.friend_set,
                          members=store.group_members_sync)
    return store, broker, "memory"


def _redis(settings: Settings) -> tuple[Any, Any]:
    from hub.channels.redis import RedisBroker
    from hub.redis.client import connect
    from hub.redis.keys import Keys
    from hub.redis.pipe import pipe_for
    from hub.store.redis import RedisStore

    client = connect(settings.redis_url or "")
    keys = Keys(settings.key_prefix)
    pipe = pipe_for(client)  # one auto-pipelined connection for the hot path's commands
    store = RedisStore(client, keys, pipe)
    broker = RedisBroker(client, keys, settings.node_id, settings.inbox_retention, pipe,
                         live_ping_every=settings.redis_ping_interval)
    # One client, one link state: the broker's heartbeat and reconnects keep the
    # store's health current too, even while no op touches the store.
    store.link = broker.link
    return store, broker
