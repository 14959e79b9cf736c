"""`POST /api/password` and `POST /api/logout {"everywhere": true}`: a password change
ends every other login of the user (their sockets close 4401, on every node) and keeps
the current one; a wrong old password is 403 and counts against the lock-out; the new
password passes the registration rules. Logging out everywhere ends them all."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from hub.client import login
from hub.lockout import PAIR
from tests.core.conftest import MakeHub
from tests.core.support import Raw, account
from tests.harness import PASSWORD, InProcessHub

NEW = "a-fresh-passphrase-42"


@pytest.fixture
async def http(hub: InProcessHub) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=hub.url, timeout=30) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def change(http: httpx.AsyncClient, token: str, old: str, new: str = NEW
                 ) -> httpx.Response:
    return await http.post("/api/password", json={"password": old, "new_password": new},
                           headers=bearer(token))


async def pinged(http: httpx.AsyncClient, token: str) -> int:
    return (await http.post("/api/ops/ping", json={}, headers=bearer(token))).status_code


async def test_a_password_change_ends_every_other_login(hub: InProcessHub,
                                                        http: httpx.AsyncClient) -> None:
    name, here = await account(hub.url, "pc")
    there = (await login(hub.url, name, PASSWORD))["token"]
    third = (await login(hub.url, name, PASSWORD))["token"]
    mine, _ = await Raw.hello(hub.url, here)
    theirs = [(await Raw.hello(hub.url, t))[0] for t in (there, there, third)]
    answer = await change(http, here, PASSWORD)
    assert answer.status_code == 200 and answer.json() == {}, answer.text
    for socket in theirs:
        assert await socket.closed() == 4401
    await mine.ping()  # the login that changed it stays
    assert await pinged(http, here) == 200
    assert await pinged(http, there) == await pinged(http, third) == 401
    old = await http.post("/api/login", json={"username": name, "password": PASSWORD})
    assert old.status_code == 401
    new = await http.post("/api/login", json={"username": name, "password": NEW})
    assert new.status_code == 200
    left = await hub.node.store.user_sessions(name, hub.node.clock.now_ms())
    assert len(left) == 2  # the one that changed it, and the login just made
    await mine.close()


async def test_a_wrong_old_password_is_403_and_counts_against_the_lock_out(
        hub: InProcessHub, http: httpx.AsyncClient) -> None:
    name, token = await account(hub.url, "pw")
    for _ in range(PAIR.burst):
        wrong = await change(http, token, "not-my-password")
        assert wrong.status_code == 403 and wrong.json()["code"] == "forbidden", wrong.text
    locked = await change(http, token, PASSWORD)
    assert locked.status_code == 429 and locked.headers["retry-after"].isdigit()
    refused = await http.post("/api/login", json={"username": name, "password": PASSWORD})
    assert refused.status_code == 429  # the same buckets as logging in
    assert await pinged(http, token) == 200  # nothing changed


async def test_the_new_password_passes_the_rules_and_a_refusal_costs_no_try(
        hub: InProcessHub, http: httpx.AsyncClient) -> None:
    _, token = await account(hub.url, "pr")
    for new in ("password123", " " * 10, "short", 42):
        answer = await http.post("/api/password", json={"password": PASSWORD,
                                                        "new_password": new},
                                 headers=bearer(token))
        assert answer.status_code == 400, (new, answer.text)
        assert "new_password" in answer.json()["message"]
    assert "most common" in (await change(http, token, PASSWORD, "iloveyou")).json()["message"]
    assert (await http.post("/api/password", json={"new_password": NEW},
                            headers=bearer(token))).status_code == 400
    unauth = await http.post("/api/password", json={"password": PASSWORD,
                                                    "new_password": NEW})
    assert unauth.status_code == 401
    assert (await change(http, token, PASSWORD)).status_code == 200  # no try was spent


async def test_logout_everywhere_ends_every_login(hub: InProcessHub,
                                                  http: httpx.AsyncClient) -> None:
    name, here = await account(hub.url, "le")
    _, other = await account(hub.url, "lf")  # someone else is not affected
    there = (await login(hub.url, name, PASSWORD))["token"]
    sockets = [(await Raw.hello(hub.url, t))[0] for t in (here, there, there)]
    bystander, _ = await Raw.hello(hub.url, other)
    bad = await http.post("/api/logout", json={"everywhere": "yes"}, headers=bearer(here))
    assert bad.status_code == 400
    out = await http.post("/api/logout", json={"everywhere": True}, headers=bearer(here))
    assert out.status_code == 200
    assert 'kj_session=""' in out.headers["set-cookie"]
    for socket in sockets:
        assert await socket.closed() == 4401
    assert await pinged(http, here) == await pinged(http, there) == 401
    assert await hub.node.store.user_sessions(name, hub.node.clock.now_ms()) == []
    await bystander.ping()
    assert (await http.post("/api/login", json={"username": name,
                                                "password": PASSWORD})).status_code == 200
    await bystander.close()


@pytest.mark.parametrize("engine", ["redis"])
async def test_both_reach_the_sockets_on_another_node(make_hub: MakeHub) -> None:
    one = await make_hub(node_id="node-a")
    two = await make_hub(node_id="node-b")  # same Redis and key prefix: one deployment
    name, here = await account(one.url, "pn")
    there = (await login(two.url, name, PASSWORD))["token"]
    mine, _ = await Raw.hello(one.url, here)
    remote, _ = await Raw.hello(two.url, there)
    async with httpx.AsyncClient(timeout=30) as http:
        answer = await http.post(f"{one.url}/api/password", headers=bearer(here),
                                 json={"password": PASSWORD, "new_password": NEW})
        assert answer.status_code == 200, answer.text
        assert await remote.closed() == 4401
        await mine.ping()
        again = (await login(two.url, name, NEW))["token"]
        remote, _ = await Raw.hello(two.url, again)
        out = await http.post(f"{one.url}/api/logout", json={"everywhere": True},
                              headers=bearer(here))
        assert out.status_code == 200
        assert await remote.closed() == 4401
        assert await mine.closed() == 4401
