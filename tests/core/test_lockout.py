"""The login lock-out (hub/lockout.py, hub/http/credentials.py) on both engines: an
attempt is reserved before its hash runs and settled after, so parallel guesses check
at most the burst; it is kept per (username, client address), so the owner elsewhere
still gets in; on Redis every node shares it; an unknown username costs a hash too.
Client addresses come from `X-Forwarded-For`, which uvicorn honours from 127.0.0.1."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from hub import auth, lockout
from hub.clock import ManualClock
from hub.lockout import ADDRESS, PAIR, USER
from tests.core.conftest import MakeHub
from tests.core.support import account, unique_name
from tests.harness import PASSWORD, InProcessHub


@pytest.fixture
async def http(hub: InProcessHub) -> AsyncIterator[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=hub.url, timeout=30, limits=limits) as client:
        yield client


async def login(http: httpx.AsyncClient, name: str, password: str,
                address: str | None = None) -> httpx.Response:
    headers = {"x-forwarded-for": address} if address else {}
    return await http.post("/api/login", json={"username": name, "password": password},
                           headers=headers)


def refused(response: httpx.Response) -> int:
    """The answer is `429 rate_limited` whose message names the wait; its Retry-After."""
    assert response.status_code == 429, (response.status_code, response.text)
    body = response.json()
    assert body["code"] == "rate_limited", body
    wait = response.headers["retry-after"]
    assert wait.isdigit() and int(wait) >= 1, wait
    assert f"try again in {wait} s" in body["message"], body
    assert "set-cookie" not in response.headers
    return int(wait)


class Gate:
    """Makes `auth.verify_password` wait (in the login pool's threads) until opened."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.open = threading.Event()
        real: Callable[..., bool] = auth.verify_password

        def gated(*args: Any, **kwargs: Any) -> bool:
            self.open.wait(30)
            return real(*args, **kwargs)

        monkeypatch.setattr(auth, "verify_password", gated)


async def test_parallel_wrong_guesses_check_only_the_burst(hub: InProcessHub,
                                                           http: httpx.AsyncClient) -> None:
    name, _ = await account(hub.url, "lp")
    answers = await asyncio.gather(*(login(http, name, f"wrong-guess-{i}")
                                     for i in range(150)))
    statuses = Counter(r.status_code for r in answers)
    assert statuses == {401: PAIR.burst, 429: 150 - PAIR.burst}, statuses
    for response in answers:
        if response.status_code == 429:
            assert 1 <= refused(response) <= PAIR.every_ms // 1000


async def test_the_right_password_is_refused_while_the_guesses_hold_the_checks(
        hub: InProcessHub, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """60 guesses at once: the burst's worth hold a reservation (their hashes held back
    here), every other one is refused at once — and so is the right password."""
    name, _ = await account(hub.url, "lg")
    gate = Gate(monkeypatch)
    guesses = [asyncio.create_task(login(http, name, f"wrong-guess-{i}")) for i in range(60)]
    try:
        pending: set[asyncio.Task[httpx.Response]] = set(guesses)
        async with asyncio.timeout(15):  # those not holding a check are answered now
            while len(pending) > PAIR.burst:
                _, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        right = await login(http, name, PASSWORD)
        refused(right)
    finally:
        gate.open.set()
    answers = await asyncio.gather(*guesses)
    assert Counter(r.status_code for r in answers) == {401: PAIR.burst, 429: 60 - PAIR.burst}


@pytest.mark.parametrize("engine", ["redis"])
async def test_two_nodes_on_one_redis_share_the_lock_out(make_hub: MakeHub) -> None:
    one = await make_hub(node_id="node-a")
    two = await make_hub(node_id="node-b")  # same Redis, same key prefix
    name, _ = await account(one.url, "ln")
    async with httpx.AsyncClient(timeout=30) as http:
        for _ in range(PAIR.burst):
            wrong = await http.post(f"{one.url}/api/login",
                                    json={"username": name, "password": "wrong-guess"})
            assert wrong.status_code == 401
        for password in ("wrong-guess", PASSWORD):
            refused(await http.post(f"{two.url}/api/login",
                                    json={"username": name, "password": password}))


async def test_the_owner_elsewhere_is_not_locked_out_by_guesses_from_one_address(
        hub: InProcessHub, http: httpx.AsyncClient) -> None:
    name, _ = await account(hub.url, "lo")
    attacker, owner = "203.0.113.7", "198.51.100.2"
    answers = [await login(http, name, "wrong-guess", attacker) for _ in range(PAIR.burst + 3)]
    assert [r.status_code for r in answers] == [401] * PAIR.burst + [429] * 3
    refused(await login(http, name, PASSWORD, attacker))
    mine = await login(http, name, PASSWORD, owner)
    assert mine.status_code == 200, mine.text
    assert mine.cookies.get("kj_session")
    # an IPv6 client is one address with its whole /64
    for host in ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9"):
        for _ in range(PAIR.burst if host.endswith("::1") else 0):
            assert (await login(http, name, "wrong-guess", host)).status_code == 401
        refused(await login(http, name, "wrong-guess", host))


async def test_a_right_password_gives_its_check_back(hub: InProcessHub,
                                                     http: httpx.AsyncClient) -> None:
    name, _ = await account(hub.url, "lb")
    for _ in range(PAIR.burst - 1):
        assert (await login(http, name, "wrong-guess")).status_code == 401
    for _ in range(3):  # each reserves the last check and returns it
        assert (await login(http, name, PASSWORD)).status_code == 200
    assert (await login(http, name, "wrong-guess")).status_code == 401
    refused(await login(http, name, PASSWORD))


async def test_one_check_is_earned_back_every_30_s(make_hub: MakeHub) -> None:
    clock = ManualClock(now_ms=time.time_ns() // 1_000_000)  # redis expires by real time
    hub = await make_hub(clock=clock)
    name, _ = await account(hub.url, "lt")
    async with httpx.AsyncClient(base_url=hub.url, timeout=30) as http:
        for _ in range(PAIR.burst):
            assert (await login(http, name, "wrong-guess")).status_code == 401
        assert refused(await login(http, name, PASSWORD)) == 30
        clock.advance(29.2)
        assert refused(await login(http, name, PASSWORD)) == 1  # whole seconds, rounded up
        clock.advance(0.8)
        assert (await login(http, name, "wrong-guess")).status_code == 401
        assert refused(await login(http, name, PASSWORD)) == 30


async def test_an_unknown_username_costs_one_hash_like_a_real_one(
        hub: InProcessHub, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    name, _ = await account(hub.url, "lu")
    checked: list[str] = []
    real = auth.verify_password

    def counting(password: str, stored: str, **kwargs: Any) -> bool:
        checked.append(stored)
        return real(password, stored, **kwargs)

    monkeypatch.setattr(auth, "verify_password", counting)
    ghost = await login(http, unique_name("ghost"), PASSWORD)
    wrong = await login(http, name, "wrong-guess")
    assert ghost.status_code == wrong.status_code == 401
    assert ghost.json() == wrong.json()
    assert len(checked) == 2
    # the same scheme and parameters: the same cost
    assert checked[0].split("$")[:4] == checked[1].split("$")[:4]
    assert checked[0] != checked[1]


async def test_spraying_one_address_over_many_usernames_is_capped(
        hub: InProcessHub, http: httpx.AsyncClient) -> None:
    sprayer = "192.0.2.55"
    for _ in range(ADDRESS.burst):
        answer = await login(http, unique_name("nobody"), "wrong-guess", sprayer)
        assert answer.status_code == 401
    over = await login(http, unique_name("nobody"), "wrong-guess", sprayer)
    assert 1 <= refused(over) <= ADDRESS.every_ms // 1000  # (real time went by)
    assert "your address" in over.json()["message"]
    name, _ = await account(hub.url, "ls")  # another address is not affected
    assert (await login(http, name, PASSWORD, "192.0.2.56")).status_code == 200


async def test_the_store_reserves_both_buckets_or_neither(hub: InProcessHub) -> None:
    """Past the per-username ceiling, every address is refused (by `user`); a refusal
    takes nothing, and the account comes back with the reservation."""
    store, now = hub.node.store, hub.node.clock.now_ms()
    name, _ = await account(hub.url, "lr")
    addresses = [f"10.0.0.{i}" for i in range(USER.burst // PAIR.burst)]
    for address in addresses:
        for _ in range(PAIR.burst):
            attempt = await store.reserve_login(name, address, now)
            assert attempt.wait_ms == 0 and attempt.user is not None
            assert attempt.user["username"] == name
    again = await store.reserve_login(name, "10.9.9.9", now)
    assert again.refused_by == "user" and again.wait_ms == USER.every_ms
    await store.refund_login(name, addresses[0], now)  # one back in both buckets
    assert (await store.reserve_login(name, "10.9.9.9", now)).wait_ms == 0
    pair = await store.reserve_login(name, addresses[1], now)
    assert pair.refused_by in ("pair", "user") and pair.wait_ms > 0
    ghost = await store.reserve_login(unique_name("ghost"), "10.0.0.1", now)
    assert ghost.wait_ms == 0 and ghost.user is None


# -- the policy's pure parts ------------------------------------------------------------

def test_client_keys() -> None:
    assert lockout.client_key("203.0.113.7") == "203.0.113.7"
    assert lockout.client_key("::ffff:203.0.113.7") == "203.0.113.7"
    assert lockout.client_key("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert lockout.client_key(None) == lockout.client_key("") == "-"
    odd = lockout.client_key("not an {address}")
    assert odd.startswith("h") and "{" not in odd and " " not in odd


def test_local_buckets_refill_give_back_and_stay_bounded() -> None:
    limit = lockout.Limit("t", burst=2, every_ms=1000)
    buckets = lockout.LocalBuckets(limit, max_keys=3)
    assert buckets.reserve("a", 0) == 0 and buckets.reserve("a", 0) == 0
    assert buckets.reserve("a", 0) == 1000
    assert buckets.reserve("a", 400) == 600  # refused: nothing taken
    buckets.give_back("a", 400)
    assert buckets.reserve("a", 400) == 0
    assert buckets.reserve("a", 400) == 600
    assert buckets.reserve("a", -5000) > 0  # a clock gone back refills nothing
    for key in "bcd":
        buckets.reserve(key, 1000)
    assert len(buckets) == 3  # "a" (least recently used) made room
    assert buckets.available("a", 1000) == 2


def test_login_buckets_take_both_or_neither() -> None:
    buckets = lockout.LoginBuckets()
    for i in range(USER.burst):
        assert buckets.reserve("ann", f"a{i // PAIR.burst}", 0) == (0, "")
    assert buckets.reserve("ann", "fresh", 0) == (USER.every_ms, "user")
    assert buckets.pairs.available("ann\nfresh", 0) == PAIR.burst  # nothing was taken
    assert buckets.reserve("bob", "a0", 0) == (0, "")
