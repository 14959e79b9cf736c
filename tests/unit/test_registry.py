"""The registry's attach: a broker failure halfway leaves nothing behind."""

from __future__ import annotations

from typing import Any

import pytest

from hub.channels.registry import LocalRegistry
from hub.errors import EngineUnavailable
from hub.metrics import Metrics


class FlakyBroker:
    def __init__(self) -> None:
        self.subscribed: set[str] = set()

    async def subscribe(self, user: str) -> None:
        self.subscribed.add(user)

    async def unsubscribe(self, user: str) -> None:
        self.subscribed.discard(user)

    async def connected(self, user: str) -> bool:
        raise EngineUnavailable("redis blipped")


class FakeSession:
    user = "ann"


async def test_a_failed_attach_is_rolled_back() -> None:
    async def presence(user: str, online: bool) -> None:
        raise AssertionError("nobody came online")

    broker: Any = FlakyBroker()
    registry = LocalRegistry(broker, Metrics(), presence)
    with pytest.raises(EngineUnavailable):
        await registry.attach(FakeSession())  # type: ignore[arg-type]
    assert registry.sessions == {} and broker.subscribed == set()
    assert registry._locks == {} and registry.metrics.subscriptions.value == 0
