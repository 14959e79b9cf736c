"""Logging out closes that login's open sockets (4401) — and only that login's."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from hub.client import Client, KjClosed, login
from hub.lockout import PAIR
from tests.harness import PASSWORD, InProcessHub, Users, until


async def test_logout_closes_only_that_logins_sockets(hub: InProcessHub, users: Users) -> None:
    ann = await users.new("ann")
    same_login_tab = await users.tab(ann)
    other = await login(hub.url, str(ann.name), PASSWORD)  # another device
    other_device = await Client.connect(hub.url, other["token"], name=ann.name)
    users.clients.append(other_device)

    async with httpx.AsyncClient() as http:
        response = await http.post(hub.url + "/api/logout",
                                   headers={"Authorization": f"Bearer {ann.token}"})
    assert response.status_code == 200
    assert await ann.wait_closed() == 4401
    assert await same_login_tab.wait_closed() == 4401
    assert (await other_device.call("ping"))["ts"] > 0
    with pytest.raises(KjClosed) as refused:  # and the token is gone
        await Client.connect(hub.url, ann.token, name=ann.name)
    assert refused.value.code == 4401


async def test_password_guessing_is_throttled_per_user_and_address(hub: InProcessHub,
                                                       users: Users) -> None:
    ann, bob = await users.new("ann"), await users.new("bob")
    async with httpx.AsyncClient() as http:
        async def attempt(name: str | None, password: str) -> httpx.Response:
            return await http.post(hub.url + "/api/login",
                                   json={"username": name, "password": password})

        for _ in range(PAIR.burst):
            assert (await attempt(ann.name, "wrong-password")).status_code == 401
        refused = await attempt(ann.name, PASSWORD)  # from here even the right one, for now
        assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
        # one more try every 30 s: the answer says how long to wait
        assert 1 <= int(refused.headers["retry-after"]) <= PAIR.every_ms // 1000
        assert f"try again in {refused.headers['retry-after']} s" in refused.json()["message"]
        assert (await attempt(bob.name, PASSWORD)).status_code == 200  # others unaffected


async def test_a_logout_missed_while_the_feed_was_down_is_caught_on_resync(
        hub: InProcessHub, users: Users) -> None:
    from hub.auth import token_hash

    ann = await users.new("ann")
    node = hub.node
    await node.store.delete_session(token_hash(str(ann.token)))  # logged out, signal lost
    node._resync()  # what the broker calls when its live feed comes back
    assert await ann.wait_closed() == 4401


async def test_a_socket_attaching_during_its_logout_is_closed(
        hub: InProcessHub, users: Users, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its token was checked, then the logout's `revoked` signal went out before the
    socket was attached (on Redis: while its SUBSCRIBE was in flight), so the signal
    missed it. It must still end with 4401, before any hello or event."""
    ann = await users.new("ann", connect=False)
    node = hub.node
    entered, go_on = asyncio.Event(), asyncio.Event()
    subscribe = node.broker.subscribe

    async def slow_subscribe(user: str) -> None:
        if user == ann.name:
            entered.set()
            await go_on.wait()
        await subscribe(user)

    monkeypatch.setattr(node.broker, "subscribe", slow_subscribe)
    opening = asyncio.create_task(Client.connect(hub.url, ann.token, name=ann.name))
    async with asyncio.timeout(5):
        await entered.wait()  # authenticated, not yet attached
    async with httpx.AsyncClient() as http:
        response = await http.post(hub.url + "/api/logout",
                                   headers={"Authorization": f"Bearer {ann.token}"})
    assert response.status_code == 200
    go_on.set()
    with pytest.raises(KjClosed) as refused:
        await opening
    assert refused.value.code == 4401 and "logged out" in refused.value.reason
    await until(lambda: ann.name not in node.registry.sessions)
