"""The contract suite runs every test against both engines: `memory` and `redis`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from hub.config import Settings
from tests.harness import InProcessHub, Users
from tests.redis_server import RedisServer, free_port


@pytest.fixture(params=["memory", "redis"])
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def hub_settings(engine: str, request: pytest.FixtureRequest, key_prefix: str) -> Settings:
    overrides = {"port": free_port(), "data": None, "key_prefix": key_prefix,
                 "presence_grace": 0.05, "node_id": "test-node",
                 "register_per_minute": 0}  # many users from 127.0.0.1
    if engine == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        overrides["redis_url"] = server.url
    return Settings(**overrides)  # type: ignore[arg-type]


@pytest.fixture
async def hub(hub_settings: Settings) -> AsyncIterator[InProcessHub]:
    server = await InProcessHub(hub_settings).start()
    yield server
    await server.stop()


@pytest.fixture
async def users(hub: InProcessHub) -> AsyncIterator[Users]:
    factory = Users(hub.url)
    yield factory
    await factory.close()
