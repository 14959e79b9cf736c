"""Fixtures of the core suite: in-process hubs on either engine, with settings a test
chooses (`make_hub(**overrides)`), and the `users` factory of the contract suite."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from hub.clock import Clock
from hub.config import Settings
from tests.core.support import ClockedHub
from tests.harness import InProcessHub, Users
from tests.redis_server import RedisServer, free_port


def _redis_engine_missing() -> str | None:
    """Why the redis engine cannot run yet (it is being written), or None."""
    try:
        import hub.channels.redis
        import hub.store.redis  # noqa: F401
    except Exception as exc:
        return f"redis engine not importable yet: {exc!r}"
    return None


@pytest.fixture(params=["memory", "redis"])
def engine(request: pytest.FixtureRequest) -> str:
    if request.param == "redis":
        missing = _redis_engine_missing()
        if missing:
            pytest.skip(missing)
    return str(request.param)


MakeHub = Callable[..., Awaitable[InProcessHub]]


@pytest.fixture
async def make_hub(engine: str, request: pytest.FixtureRequest, key_prefix: str
                   ) -> AsyncIterator[MakeHub]:
    """Start hubs with `Settings` overrides (and optionally an injected clock); every
    hub is drained and stopped at teardown."""
    started: list[InProcessHub] = []

    async def make(clock: Clock | None = None, **overrides: Any) -> InProcessHub:
        # register_per_minute=0: the suite registers many users from 127.0.0.1; the
        # throttle's own tests turn it on
        values: dict[str, Any] = {"port": free_port(), "data": None, "key_prefix": key_prefix,
                                  "presence_grace": 0.05, "node_id": "core-node",
                                  "register_per_minute": 0}
        if engine == "redis":
            server: RedisServer = request.getfixturevalue("redis_server")
            values["redis_url"] = server.url
        values.update(overrides)
        settings = Settings(**values)
        hub = ClockedHub(settings, clock) if clock is not None else InProcessHub(settings)
        await hub.start()
        started.append(hub)
        return hub

    yield make
    for hub in reversed(started):
        with contextlib.suppress(Exception):
            await hub.stop()


@pytest.fixture
async def hub(make_hub: MakeHub) -> InProcessHub:
    return await make_hub()


@pytest.fixture
async def users(hub: InProcessHub) -> AsyncIterator[Users]:
    factory = Users(hub.url)
    yield factory
    await factory.close()
