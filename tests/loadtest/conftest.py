"""Fixtures of the load tester's tests: an in-process memory hub with a server key and
the admin routes (added here until `create_app` includes them), on 127.0.0.1 only."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest

from hub.admin import ADMIN_ROUTES
from hub.config import Settings
from tests.harness import InProcessHub

SERVER_KEY = "test-server-key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def with_admin(hub: InProcessHub) -> InProcessHub:
    paths = {getattr(route, "path", None) for route in hub.app.router.routes}
    if "/api/admin/seed" not in paths:
        hub.app.router.routes.extend(ADMIN_ROUTES)
    return hub


async def start_hub(**overrides: object) -> InProcessHub:
    values: dict[str, object] = {"port": free_port(), "data": None, "server_key": SERVER_KEY,
                                 "node_id": "loadtest-node", "presence_grace": 0.05,
                                 "register_per_minute": 0}  # seeding registers many
    values.update(overrides)
    return await with_admin(InProcessHub(Settings(**values))).start()  # type: ignore[arg-type]


@pytest.fixture
async def hub() -> AsyncIterator[InProcessHub]:
    started = await start_hub()
    yield started
    await started.stop()
