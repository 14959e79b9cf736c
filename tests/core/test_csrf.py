"""Login CSRF: the account routes refuse a browser `Origin` the websocket would refuse
(403) and any body not declared `application/json` (415) — a cross-site form can send
neither — and set no cookie when they refuse (hub/http/browser.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import orjson
import pytest

from tests.core.conftest import MakeHub
from tests.core.support import account, unique_name
from tests.harness import PASSWORD, InProcessHub


@pytest.fixture
def engine() -> str:
    return "memory"  # HTTP only: one engine is enough

ROUTES = ("/api/register", "/api/login", "/api/logout", "/api/password")


@pytest.fixture
async def hub(make_hub: MakeHub) -> InProcessHub:
    return await make_hub(allowed_origins=("http://good.example",))


@pytest.fixture
async def http(hub: InProcessHub) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=hub.url, timeout=30) as client:
        yield client


async def _bodies(hub: InProcessHub) -> dict[str, tuple[dict[str, object], dict[str, str]]]:
    """For each route, a body (and headers) it would accept: a refusal is the check's."""
    name, token = await account(hub.url, "cf")
    bearer = {"authorization": f"Bearer {token}"}
    return {
        "/api/register": ({"username": unique_name("cr"), "password": PASSWORD}, {}),
        "/api/login": ({"username": name, "password": PASSWORD}, {}),
        "/api/logout": ({}, bearer),
        "/api/password": ({"password": PASSWORD, "new_password": "a-new-pass-77"}, bearer),
    }


async def test_a_foreign_origin_is_refused_with_403_and_no_cookie(
        hub: InProcessHub, http: httpx.AsyncClient) -> None:
    bodies = await _bodies(hub)
    for route in ROUTES:
        body, headers = bodies[route]
        for origin in ("http://evil.example", f"http://127.0.0.1:{hub.settings.port + 1}",
                       "null"):
            response = await http.post(route, json=body, headers={**headers, "origin": origin})
            assert response.status_code == 403, (route, origin, response.text)
            assert response.json() == {"code": "forbidden", "message": "origin not allowed"}
            assert "set-cookie" not in response.headers, route
    # nothing happened: the account still logs in with its old password, the token works
    login = bodies["/api/login"][0]
    assert (await http.post("/api/login", json=login)).status_code == 200
    ping = await http.post("/api/ops/ping", json={}, headers=bodies["/api/logout"][1])
    assert ping.status_code == 200


async def test_a_body_that_is_not_json_is_refused_with_415_and_no_cookie(
        hub: InProcessHub, http: httpx.AsyncClient) -> None:
    bodies = await _bodies(hub)
    for route in ROUTES:
        body, headers = bodies[route]
        # what a form with enctype="text/plain" posts: a JSON object with a tail
        raw = orjson.dumps({**body, "x": "="}).replace(b'"="', b'"=\r\n"')
        for content_type in ("text/plain", "text/plain;charset=UTF-8",
                             "application/x-www-form-urlencoded", "multipart/form-data"):
            response = await http.post(route, content=raw,
                                       headers={**headers, "content-type": content_type})
            assert response.status_code == 415, (route, content_type, response.text)
            assert response.json()["code"] == "bad_request"
            assert "application/json" in response.json()["message"]
            assert "set-cookie" not in response.headers
        undeclared = await http.post(route, content=orjson.dumps(body), headers=headers)
        assert undeclared.status_code == 415, route  # a body must say it is JSON
    assert (await http.post("/api/ops/ping", json={},
                            headers=bodies["/api/logout"][1])).status_code == 200


async def test_allowed_origins_and_programs_still_get_in(hub: InProcessHub,
                                                         http: httpx.AsyncClient) -> None:
    name, token = await account(hub.url, "ck")
    body = {"username": name, "password": PASSWORD}
    for origin in ("http://good.example", f"http://127.0.0.1:{hub.settings.port}", None):
        headers = {"origin": origin} if origin else {}
        response = await http.post("/api/login", json=body,
                                   headers={**headers,
                                            "content-type": "application/json; charset=utf-8"})
        assert response.status_code == 200, (origin, response.text)
        assert response.cookies.get("kj_session")
    # a program's logout without any body at all
    bare = await http.post("/api/logout", headers={"authorization": f"Bearer {token}"})
    assert bare.status_code == 200
    assert (await http.post("/api/ops/ping", json={},
                            headers={"authorization": f"Bearer {token}"})).status_code == 401
