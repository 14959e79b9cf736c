"""Ops over HTTP are rate-limited per login token, with the socket's settings
(`ops_per_second`, `ops_burst`): past the burst `429 rate_limited` with `Retry-After`;
the bucket refills with time (injected clock); unauthenticated calls are refused first
and cost nothing; the table of buckets stays bounded (hub/http_ratelimit.py)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hub.clock import ManualClock
from hub.http_ratelimit import HttpOpLimiter
from tests.core.conftest import MakeHub
from tests.core.support import Raw, account
from tests.harness import PASSWORD, InProcessHub


def _clock() -> ManualClock:
    return ManualClock(now_ms=time.time_ns() // 1_000_000)  # redis expires by real time


@pytest.fixture
async def limited(make_hub: MakeHub) -> tuple[InProcessHub, ManualClock]:
    """A hub allowing bursts of 2 ops over HTTP, then one every 2 s (manual clock)."""
    clock = _clock()
    return await make_hub(clock=clock, ops_per_second=0.5, ops_burst=2), clock


@pytest.fixture
async def http(limited: tuple[InProcessHub, ManualClock]) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=limited[0].url, timeout=30) as client:
        yield client


async def _op(http: httpx.AsyncClient, token: str | None, op: str = "ping",
              data: Any = None) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token is not None else {}
    return await http.post(f"/api/ops/{op}", json={} if data is None else data,
                           headers=headers)


def _refused(response: httpx.Response) -> int:
    """The response is `429 rate_limited` with the error body; its Retry-After."""
    assert response.status_code == 429, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"code", "message"} and body["code"] == "rate_limited", body
    assert response.headers["content-type"].startswith("application/json")
    retry_after = response.headers["retry-after"]
    assert retry_after.isdigit(), retry_after
    return int(retry_after)


async def test_past_the_burst_is_429_with_retry_after(
        limited: tuple[InProcessHub, ManualClock], http: httpx.AsyncClient) -> None:
    hub, _ = limited
    _, token = await account(hub.url, "hr")
    for _ in range(2):
        assert (await _op(http, token)).status_code == 200
    assert _refused(await _op(http, token)) == 2  # one token back at 0.5/s
    assert _refused(await _op(http, token)) == 2  # a refusal spends nothing
    # any op counts, whatever it would have answered
    assert _refused(await _op(http, token, "mood.fly")) == 2


async def test_the_bucket_refills_with_time_up_to_the_burst(
        limited: tuple[InProcessHub, ManualClock], http: httpx.AsyncClient) -> None:
    hub, clock = limited
    _, token = await account(hub.url, "hf")
    for _ in range(2):
        assert (await _op(http, token)).status_code == 200
    assert _refused(await _op(http, token)) == 2
    clock.advance(1.0)  # half a token
    assert _refused(await _op(http, token)) == 1  # whole seconds, rounded up
    clock.advance(1.0)
    assert (await _op(http, token)).status_code == 200
    assert _refused(await _op(http, token)) == 2
    clock.advance(60.0)  # refill caps at the burst
    for _ in range(2):
        assert (await _op(http, token)).status_code == 200
    _refused(await _op(http, token))


async def test_each_login_token_has_its_own_bucket(
        limited: tuple[InProcessHub, ManualClock], http: httpx.AsyncClient) -> None:
    hub, _ = limited
    name, first = await account(hub.url, "ht")
    login = await http.post("/api/login", json={"username": name, "password": PASSWORD})
    assert login.status_code == 200
    second = login.json()["token"]  # same user, another login (another device)
    _, other_user = await account(hub.url, "hu")
    for _ in range(2):
        assert (await _op(http, first)).status_code == 200
    _refused(await _op(http, first))
    for token in (second, other_user):
        for _ in range(2):
            assert (await _op(http, token)).status_code == 200
        _refused(await _op(http, token))
    assert len(hub.node.http_op_limiter) == 3


async def test_the_socket_and_http_have_separate_budgets(
        limited: tuple[InProcessHub, ManualClock], http: httpx.AsyncClient) -> None:
    hub, _ = limited
    _, token = await account(hub.url, "hs")
    for _ in range(2):
        assert (await _op(http, token)).status_code == 200
    _refused(await _op(http, token))
    raw, _ = await Raw.hello(hub.url, token)  # this connection's bucket is full
    await raw.ping()
    await raw.ping()
    assert (await raw.request("ping"))["error"]["code"] == "rate_limited"
    await raw.close()


async def test_a_refused_mood_post_posts_nothing(
        limited: tuple[InProcessHub, ManualClock], http: httpx.AsyncClient) -> None:
    hub, _ = limited
    name, token = await account(hub.url, "hm")
    posted = await _op(http, token, "mood.post", {"text": "第一条"})
    assert posted.status_code == 200
    assert (await _op(http, token, "ping")).status_code == 200
    _refused(await _op(http, token, "mood.post", {"text": "被拒绝的"}))
    raw, _ = await Raw.hello(hub.url, token)  # read the feed over the socket's own budget
    feed = await raw.request("feed")
    await raw.close()
    assert feed["ok"] is True, feed
    assert [m["text"] for m in feed["data"]["items"]] == ["第一条"]
    assert all(m["author"] == name for m in feed["data"]["items"])


async def test_unauthenticated_calls_are_401_and_cost_nothing(
        limited: tuple[InProcessHub, ManualClock], http: httpx.AsyncClient) -> None:
    hub, _ = limited
    limiter = hub.node.http_op_limiter
    for token in (None, "nope", "x" * 43, "nope", None):
        response = await _op(http, token)
        assert response.status_code == 401, response.text
        assert response.json()["code"] == "unauthenticated"
        assert "retry-after" not in response.headers
    assert len(limiter) == 0  # no bucket was made for a token that is no login
    _, token = await account(hub.url, "hn")
    for _ in range(2):
        assert (await _op(http, token)).status_code == 200
    _refused(await _op(http, token))
    # a login that ended is refused as such, not as rate-limited
    logout = await http.post("/api/logout", headers={"authorization": f"Bearer {token}"})
    assert logout.status_code == 200
    assert (await _op(http, token)).status_code == 401


async def test_a_malformed_body_spends_no_token(
        limited: tuple[InProcessHub, ManualClock], http: httpx.AsyncClient) -> None:
    hub, _ = limited
    _, token = await account(hub.url, "hb")
    auth = {"authorization": f"Bearer {token}"}
    for _ in range(5):
        bad = await http.post("/api/ops/ping", content=b"{nope", headers=auth)
        assert bad.status_code == 400 and bad.json()["code"] == "bad_request"
    for _ in range(2):
        assert (await _op(http, token)).status_code == 200
    _refused(await _op(http, token))


# -- the limiter's table ------------------------------------------------------------

def test_the_table_stays_bounded_however_many_tokens_rotate() -> None:
    clock = ManualClock()
    limiter = HttpOpLimiter(1.0, 3, clock.monotonic, max_keys=100)
    for n in range(10_000):  # a client rotating tokens, never idle
        assert limiter.take(f"k{n}") == 0
        assert len(limiter) <= 100
    assert len(limiter) == 100
    assert "k9999" in limiter and "k0" not in limiter


def test_full_buckets_are_forgotten_before_refilling_ones() -> None:
    clock = ManualClock()
    limiter = HttpOpLimiter(1.0, 2, clock.monotonic, max_keys=4)
    for key in ("a", "b", "c"):
        assert limiter.take(key) == 0  # half empty
    clock.advance(10.0)  # a, b and c are full again
    for _ in range(2):
        assert limiter.take("d") == 0  # d is empty
    assert limiter.take("d") == 1
    assert limiter.take("e") == 0  # the table is at its size: the full ones go
    assert len(limiter) == 2 and "d" in limiter and "e" in limiter
    assert limiter.take("d") == 1  # forgetting them did not refill d


def test_past_the_size_the_least_recently_used_is_forgotten() -> None:
    clock = ManualClock()
    limiter = HttpOpLimiter(0.5, 2, clock.monotonic, max_keys=3)
    for key in ("a", "b", "c"):
        for _ in range(2):
            assert limiter.take(key) == 0
    assert limiter.take("a") == 2  # used last: a is now the most recent
    assert limiter.take("d") == 0  # none is full: b, the least recently used, goes
    assert len(limiter) == 3 and "b" not in limiter
    assert limiter.take("a") == 2 and limiter.take("c") == 2  # still empty, not reset


def test_retry_after_is_whole_seconds_until_one_token() -> None:
    clock = ManualClock()
    limiter = HttpOpLimiter(20.0, 1, clock.monotonic)
    assert limiter.take("k") == 0
    assert limiter.take("k") == 1  # 50 ms, rounded up to a whole second
    slow = HttpOpLimiter(0.01, 1, clock.monotonic)
    assert slow.take("k") == 0
    assert slow.take("k") == 100
    clock.advance(99.5)
    assert slow.take("k") == 1
    clock.advance(1.0)
    assert slow.take("k") == 0
