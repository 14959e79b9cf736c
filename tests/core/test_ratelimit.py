"""DESIGN §4: ops per connection are rate-limited — past the burst a `rate_limited`
reply; if it persists, the connection is closed with 4429. Malformed frames are
answered without spending tokens; a bucket refills with time (injected clock)."""

from __future__ import annotations

import time
from typing import Any

import httpx

from hub.clock import ManualClock
from tests.core.conftest import MakeHub
from tests.core.support import Raw, account


async def test_ops_beyond_the_burst_are_rate_limited_then_closed_4429(make_hub: MakeHub
                                                                       ) -> None:
    hub = await make_hub(ops_per_second=0.01, ops_burst=3)
    _, token = await account(hub.url, "rl")
    raw, _ = await Raw.hello(hub.url, token)
    for _ in range(3):
        await raw.ping()
    reply = await raw.request("ping")
    assert reply["ok"] is False and reply["error"]["code"] == "rate_limited"
    assert reply["ref"] == "q4"
    # persisting: more refused ops than the burst → 4429
    for n in range(10):
        await raw.send({"op": "ping", "ref": f"x{n}"})
    frames: list[dict[str, Any]] = []
    assert await raw.closed(frames=frames) == 4429
    codes = {f["error"]["code"] for f in frames if f["type"] == "reply"}
    assert codes <= {"rate_limited"}


async def test_rate_limit_is_per_connection(make_hub: MakeHub) -> None:
    hub = await make_hub(ops_per_second=0.01, ops_burst=2)
    _, token = await account(hub.url, "rp")
    first, _ = await Raw.hello(hub.url, token)
    second, _ = await Raw.hello(hub.url, token)
    await first.ping()
    await first.ping()
    assert (await first.request("ping"))["error"]["code"] == "rate_limited"
    await second.ping()  # the other tab of the same user has its own bucket
    await second.ping()


async def test_malformed_frames_spend_no_tokens(make_hub: MakeHub) -> None:
    hub = await make_hub(ops_per_second=0.01, ops_burst=2)
    _, token = await account(hub.url, "rm")
    raw, _ = await Raw.hello(hub.url, token)
    for _ in range(5):
        await raw.send("not json")
        assert (await raw.reply())["error"]["code"] == "bad_request"
    await raw.ping()
    await raw.ping()


async def test_bucket_refills_with_time_and_forgives_strikes(make_hub: MakeHub) -> None:
    clock = ManualClock(now_ms=time.time_ns() // 1_000_000)  # redis expires by real time
    hub = await make_hub(clock=clock, ops_per_second=1.0, ops_burst=2)
    _, token = await account(hub.url, "rf")
    raw, _ = await Raw.hello(hub.url, token)
    await raw.ping()
    await raw.ping()
    for _ in range(2):  # two strikes: not yet more than the burst
        assert (await raw.request("ping"))["error"]["code"] == "rate_limited"
    clock.advance(1.0)  # one token back
    await raw.ping()  # let through: strikes reset
    for _ in range(2):
        assert (await raw.request("ping"))["error"]["code"] == "rate_limited"
    clock.advance(10.0)  # refill caps at the burst
    await raw.ping()
    await raw.ping()
    assert (await raw.request("ping"))["error"]["code"] == "rate_limited"


async def test_one_user_with_many_sockets_and_http_shares_one_budget(make_hub: MakeHub
                                                                     ) -> None:
    """Issue #18: one user with 20 sockets posted 1,200 moods in 1.8 s, since every
    socket had a bucket of its own. Now the user's budget is spent by all of them, and
    by their calls over HTTP too."""
    hub = await make_hub(ops_per_second=0.01, ops_burst=50, user_ops_per_second=0.01,
                         user_ops_burst=10)
    _, token = await account(hub.url, "ru")
    tabs = [(await Raw.hello(hub.url, token))[0] for _ in range(20)]
    answered = [await tab.request("ping") for tab in tabs for _ in range(2)]
    ok = [reply for reply in answered if reply["ok"]]
    refused = [reply for reply in answered if not reply["ok"]]
    assert len(ok) == 10  # the user's burst, whatever the number of sockets
    assert {reply["error"]["code"] for reply in refused} == {"rate_limited"}
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{hub.url}/api/ops/ping", json={},
                                   headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1
    _, other_token = await account(hub.url, "rv")  # another user has a budget of its own
    raw, _ = await Raw.hello(hub.url, other_token)
    await raw.ping()
