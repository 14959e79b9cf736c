"""The registry's attach: a broker failure halfway leaves nothing behind."""

from __future__ import annotations

from typing import Any

import pytest

from hub.channels.registry import LocalRegistry
from hub.errors import EngineUnavailable
from hub.metrics import Metrics
from tests.harness import until


class FlakyBroker:
    def __init__(self) -> None:
        self.subscribed: set[str] = set()
        self.online: set[str] = set()
        self.connects = 0

    async def subscribe(self, user: str) -> None:
        self.subscribed.add(user)

    async def unsubscribe(self, user: str) -> None:
        self.subscribed.discard(user)

    async def connected(self, user: str) -> bool:
        self.connects += 1
        self.online.add(user)  # it ran; then its reply was lost
        raise EngineUnavailable("redis blipped")

    async def disconnected(self, user: str) -> bool:
        self.online.discard(user)
        return True


class FakeSession:
    user = "ann"


async def test_a_failed_attach_is_rolled_back() -> None:
    """`connected` ran but its reply failed: the user must not stay online (nor
    subscribed, nor keep a lock) once the socket is refused."""
    announced: list[bool] = []

    async def presence(user: str, online: bool) -> None:
        announced.append(online)

    broker: Any = FlakyBroker()
    registry = LocalRegistry(broker, Metrics(), presence)
    with pytest.raises(EngineUnavailable):
        await registry.attach(FakeSession())  # type: ignore[arg-type]
    assert registry.sessions == {}
    await until(lambda: broker.online == set() and registry._locks == {})
    assert broker.subscribed == set() and registry.metrics.subscriptions.value == 0
    assert announced == [False]  # friends may have seen it online through another path


class LateReplyOnceBroker(FlakyBroker):
    async def connected(self, user: str) -> bool:
        if self.connects == 0:
            return await super().connected(user)
        self.connects += 1
        self.online.add(user)
        return True


async def test_a_tab_back_before_a_failed_attach_is_undone_sets_presence_again() -> None:
    """The second tab takes the "came back within the grace" path, which normally skips
    the presence round trip; after a failed `connected` it must not."""
    announced: list[bool] = []

    async def presence(user: str, online: bool) -> None:
        announced.append(online)

    broker: Any = LateReplyOnceBroker()
    registry = LocalRegistry(broker, Metrics(), presence)
    with pytest.raises(EngineUnavailable):
        await registry.attach(FakeSession())  # type: ignore[arg-type]
    await registry.attach(FakeSession())  # type: ignore[arg-type]  # before the undo runs
    assert broker.connects == 2 and announced == [True]
    assert "ann" in registry.sessions and registry.metrics.subscriptions.value == 1
    assert broker.online == {"ann"} and broker.subscribed == {"ann"}


class RefusingBroker(FlakyBroker):
    async def subscribe(self, user: str) -> None:
        raise EngineUnavailable("redis live feed is reconnecting")


async def test_a_refused_subscribe_leaves_nothing_behind() -> None:
    async def presence(user: str, online: bool) -> None:
        raise AssertionError("nobody came online")

    broker: Any = RefusingBroker()
    registry = LocalRegistry(broker, Metrics(), presence)
    with pytest.raises(EngineUnavailable):
        await registry.attach(FakeSession())  # type: ignore[arg-type]
    assert registry.sessions == {} and registry._leaving == {} and registry._locks == {}
    assert broker.connects == 0 and registry.metrics.subscriptions.value == 0


class OnceFailingBroker(FlakyBroker):
    def __init__(self) -> None:
        super().__init__()
        self.disconnects = 0

    async def connected(self, user: str) -> bool:
        return True

    async def disconnected(self, user: str) -> bool:
        self.disconnects += 1
        if self.disconnects == 1:
            raise EngineUnavailable("redis blipped")
        return True


async def test_a_failed_departure_is_retried_until_the_user_is_offline(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    import hub.channels.registry as registry_module

    monkeypatch.setattr(registry_module, "LEAVE_RETRY", 0.01)
    announced: list[tuple[str, bool]] = []
    offline = asyncio.Event()

    async def presence(user: str, online: bool) -> None:
        announced.append((user, online))
        if not online:
            offline.set()

    broker: Any = OnceFailingBroker()
    registry = LocalRegistry(broker, Metrics(), presence, grace=0)
    session: Any = FakeSession()
    await registry.attach(session)
    registry.detach(session)
    async with asyncio.timeout(5):
        await offline.wait()
    assert broker.disconnects == 2 and announced == [("ann", True), ("ann", False)]
    assert registry._leaving == {} and registry._locks == {}


class PresenceBroker(FlakyBroker):
    """Presence as one node sees it: online while connected."""

    def __init__(self) -> None:
        super().__init__()
        self.online = False

    async def connected(self, user: str) -> bool:
        first, self.online = not self.online, True
        return first

    async def disconnected(self, user: str) -> bool:
        self.online = False
        return True


async def test_a_tab_returning_during_the_offline_announcement_is_announced_after_it(
) -> None:
    import asyncio

    announced: list[bool] = []
    announcing_offline, release = asyncio.Event(), asyncio.Event()

    async def presence(user: str, online: bool) -> None:
        if not online:
            announcing_offline.set()
            await release.wait()  # the friends' signal is still on its way
        announced.append(online)

    registry = LocalRegistry(PresenceBroker(), Metrics(), presence, grace=0)  # type: ignore[arg-type]
    first: Any = FakeSession()
    await registry.attach(first)
    registry.detach(first)
    async with asyncio.timeout(5):
        await announcing_offline.wait()
    # the departure still holds the user's lock, so a returning tab queues behind it
    assert registry._locks["ann"].locked()
    returning = asyncio.create_task(registry.attach(FakeSession()))  # type: ignore[arg-type]
    release.set()
    async with asyncio.timeout(5):
        await returning
    assert announced == [True, False, True]  # friends end up seeing "online"


class SubscribeOnceBroker(PresenceBroker):
    def __init__(self) -> None:
        super().__init__()
        self.subscribes = 0

    async def subscribe(self, user: str) -> None:
        self.subscribes += 1
        if self.subscribes > 1:
            raise EngineUnavailable("redis blipped")
        await super().subscribe(user)


async def test_a_return_within_the_grace_that_fails_still_lets_the_user_go_offline() -> None:
    import asyncio

    announced: list[bool] = []
    offline = asyncio.Event()

    async def presence(user: str, online: bool) -> None:
        announced.append(online)
        if not online:
            offline.set()

    broker = SubscribeOnceBroker()
    registry = LocalRegistry(broker, Metrics(), presence, grace=60)  # type: ignore[arg-type]
    first: Any = FakeSession()
    await registry.attach(first)
    registry.detach(first)  # the departure waits out the grace
    with pytest.raises(EngineUnavailable):
        await registry.attach(FakeSession())  # type: ignore[arg-type]
    async with asyncio.timeout(5):
        await offline.wait()  # not online forever: the cancelled departure ran
    assert announced == [True, False] and broker.online is False
    assert registry.sessions == {} and registry._leaving == {}
