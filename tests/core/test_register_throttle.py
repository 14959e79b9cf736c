"""Registrations are throttled per client address (`register_per_minute`, node-local;
0 turns it off), and password hashing runs on the node's own bounded pools
(hub/hashing.py): a full pool answers 503 with `Retry-After`, and a login is checked
on its own pool while registrations fill theirs. The throttle is off in the rest of
the suite (tests/core/conftest.py), on here."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hub import auth
from hub.clock import ManualClock
from tests.core.conftest import MakeHub
from tests.core.support import account, unique_name
from tests.harness import PASSWORD, InProcessHub, until


@pytest.fixture
def engine() -> str:
    return "memory"  # node-local: one engine is enough


@pytest.fixture
async def clocked(make_hub: MakeHub) -> tuple[InProcessHub, ManualClock]:
    clock = ManualClock()
    return await make_hub(clock=clock, register_per_minute=10), clock


@pytest.fixture
async def http(clocked: tuple[InProcessHub, ManualClock]
               ) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=clocked[0].url, timeout=30) as client:
        yield client


async def register(http: httpx.AsyncClient, address: str | None = None) -> httpx.Response:
    headers = {"x-forwarded-for": address} if address else {}
    return await http.post("/api/register", json={"username": unique_name("rt"),
                                                  "password": PASSWORD}, headers=headers)


async def test_the_eleventh_registration_in_a_minute_is_429_with_retry_after(
        clocked: tuple[InProcessHub, ManualClock], http: httpx.AsyncClient) -> None:
    _, clock = clocked
    for _ in range(10):
        assert (await register(http)).status_code == 201
    refused = await register(http)
    assert refused.status_code == 429, refused.text
    assert refused.json()["code"] == "rate_limited"
    assert refused.headers["retry-after"] == "6"  # ten a minute: one back every 6 s
    assert "try again in 6 s" in refused.json()["message"]
    assert "set-cookie" not in refused.headers
    assert (await register(http, "198.51.100.4")).status_code == 201  # per address
    clock.advance(6)
    assert (await register(http)).status_code == 201
    assert (await register(http)).status_code == 429


async def test_input_that_is_refused_spends_nothing(
        clocked: tuple[InProcessHub, ManualClock], http: httpx.AsyncClient) -> None:
    for _ in range(12):
        bad = await http.post("/api/register", json={"username": "No!", "password": PASSWORD})
        assert bad.status_code == 400
    for _ in range(10):
        assert (await register(http)).status_code == 201


async def test_zero_turns_the_throttle_off(make_hub: MakeHub) -> None:
    hub = await make_hub(register_per_minute=0)
    assert hub.node.register_limiter is None
    async with httpx.AsyncClient(base_url=hub.url, timeout=30) as http:
        answers = [await register(http) for _ in range(12)]
    assert [r.status_code for r in answers] == [201] * 12


async def test_a_login_is_checked_while_registrations_fill_their_pool(
        make_hub: MakeHub, monkeypatch: pytest.MonkeyPatch) -> None:
    hub = await make_hub()
    name, _ = await account(hub.url, "rp")  # hashed before the pool is held up
    pool = hub.node.hashing.register_pool
    gate = threading.Event()
    real = auth.hash_password

    def held(*args: Any, **kwargs: Any) -> str:
        gate.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(auth, "hash_password", held)
    async with httpx.AsyncClient(base_url=hub.url, timeout=30) as http:
        waiting = [asyncio.create_task(register(http)) for _ in range(pool.capacity)]
        try:
            await until(lambda: pool.admitted == pool.capacity)
            full = await register(http)
            assert full.status_code == 503, full.text
            assert full.json()["code"] == "unavailable"
            assert full.headers["retry-after"] == "1"
            login = await http.post("/api/login", json={"username": name,
                                                        "password": PASSWORD})
            assert login.status_code == 200, login.text
            assert (await http.post("/api/ops/ping", json={}, headers={
                "authorization": f"Bearer {login.json()['token']}"})).status_code == 200
        finally:
            gate.set()
        assert [(await t).status_code for t in waiting] == [201] * pool.capacity
