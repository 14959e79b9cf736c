"""Authentication and origin on the socket (refusals are accepted, then closed with
their code), and the HTTP surface: accounts, ops over HTTP with their status codes,
health and metrics."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.core.conftest import MakeHub
from tests.core.support import Raw, account, unique_name
from tests.harness import PASSWORD, InProcessHub, eventually


@pytest.fixture
async def http(hub: InProcessHub) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=hub.url, timeout=30) as client:
        yield client


def _error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"code", "message"} and body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    return str(body["message"])


# -- the socket ---------------------------------------------------------------------

async def test_socket_without_token_is_closed_4401(hub: InProcessHub) -> None:
    raw = await Raw.open(hub.url)  # the upgrade itself is accepted
    assert await raw.closed() == 4401


async def test_socket_with_bad_token_is_closed_4401(hub: InProcessHub) -> None:
    for token in ("nope", "x" * 43, "a" * 5000):
        raw = await Raw.open(hub.url, token)
        assert await raw.closed() == 4401, token


async def test_origin_is_checked_before_anything_else(make_hub: MakeHub) -> None:
    hub = await make_hub(allowed_origins=("http://good.example",))
    _, token = await account(hub.url, "or")
    raw = await Raw.open(hub.url, token, origin="http://evil.example")
    assert await raw.closed() == 4403
    raw = await Raw.open(hub.url, None, origin="http://evil.example")
    assert await raw.closed() == 4403  # origin first: no hint whether a token is valid
    for origin in ("http://good.example", f"http://127.0.0.1:{hub.settings.port}", None):
        ok, hello = await Raw.hello(hub.url, token, origin=origin)
        assert hello["user"]["username"]
        await ok.close()


async def test_cookie_authenticates_the_socket_and_logout_ends_it(hub: InProcessHub,
                                                                  http: httpx.AsyncClient
                                                                  ) -> None:
    name, _ = await account(hub.url, "ck")
    response = await http.post("/api/login", json={"username": name, "password": PASSWORD})
    assert response.status_code == 200
    cookie = response.cookies.get("kj_session")
    token = response.json()["token"]
    assert cookie == token
    set_cookie = response.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=lax" in set_cookie
    raw, hello = await Raw.hello(hub.url, None, headers={"Cookie": f"kj_session={cookie}"})
    assert hello["user"]["username"] == name
    await raw.close()
    logout = await http.post("/api/logout", headers={"authorization": f"Bearer {token}"})
    assert logout.status_code == 200
    raw = await Raw.open(hub.url, token)
    assert await raw.closed() == 4401
    _error(await http.post("/api/ops/ping", headers={"authorization": f"Bearer {token}"}),
           401, "unauthenticated")


async def test_cookie_is_not_honoured_for_a_foreign_origin_over_http(
        make_hub: MakeHub) -> None:
    hub = await make_hub(allowed_origins=("http://good.example",))
    _, token = await account(hub.url, "cs")
    async with httpx.AsyncClient(base_url=hub.url) as http:
        http.cookies.set("kj_session", token)
        ok = await http.post("/api/ops/ping", headers={"origin": "http://good.example"})
        assert ok.status_code == 200
        _error(await http.post("/api/ops/ping", headers={"origin": "http://evil.example"}),
               401, "unauthenticated")


# -- accounts -----------------------------------------------------------------------

async def test_register_validates_input(http: httpx.AsyncClient) -> None:
    for body in ({"username": "ab", "password": PASSWORD},
                 {"username": "Upper", "password": PASSWORD},
                 {"username": "has space", "password": PASSWORD},
                 {"username": "x" * 21, "password": PASSWORD},
                 {"username": "<b>hi</b>", "password": PASSWORD},
                 {"username": 123, "password": PASSWORD},
                 {"password": PASSWORD},
                 {"username": unique_name("r"), "password": "1234567"},
                 {"username": unique_name("r"), "password": 12345678},
                 {"username": unique_name("r")}):
        message = _error(await http.post("/api/register", json=body), 400, "bad_request")
        assert "username" in message or "password" in message, message
    as_json = {"content-type": "application/json"}
    _error(await http.post("/api/register", content=b"{nope", headers=as_json), 400,
           "bad_request")
    _error(await http.post("/api/register", json=["a", "b"]), 400, "bad_request")
    _error(await http.post("/api/register", content=b"x" * (64 * 1024 + 1), headers=as_json),
           413, "too_large")


async def test_register_then_duplicate_is_conflict(http: httpx.AsyncClient) -> None:
    name = unique_name("dup")
    first = await http.post("/api/register", json={"username": name, "password": "1234-5678x",
                                                    "display_name": "小明"})
    assert first.status_code == 201
    body = first.json()
    assert isinstance(body["token"], str) and len(body["token"]) >= 32
    assert body["user"]["username"] == name and body["user"]["display_name"] == "小明"
    assert body["user"]["level"]["level"] == 1
    assert "password" not in str(body) and "scrypt" not in str(body)
    again = await http.post("/api/register", json={"username": name, "password": "other-pass"})
    _error(again, 409, "conflict")


async def test_login_does_not_tell_unknown_user_from_wrong_password(
        http: httpx.AsyncClient, hub: InProcessHub) -> None:
    name, _ = await account(hub.url, "lg")
    wrong = await http.post("/api/login", json={"username": name, "password": "wrong-pass"})
    unknown = await http.post("/api/login", json={"username": unique_name("ghost"),
                                                  "password": PASSWORD})
    assert _error(wrong, 401, "unauthenticated") == _error(unknown, 401, "unauthenticated")
    _error(await http.post("/api/login", json={"username": name}), 400, "bad_request")
    good = await http.post("/api/login", json={"username": name, "password": PASSWORD})
    assert good.status_code == 200 and good.json()["user"]["username"] == name


# -- ops over HTTP ------------------------------------------------------------------

async def test_ops_over_http_need_authentication(http: httpx.AsyncClient) -> None:
    _error(await http.post("/api/ops/ping"), 401, "unauthenticated")
    _error(await http.post("/api/ops/ping", headers={"authorization": "Bearer nope"}),
           401, "unauthenticated")
    _error(await http.post("/api/ops/ping", headers={"authorization": "Basic eDp5"}),
           401, "unauthenticated")
    _error(await http.post("/api/ops/nonexistent"), 401, "unauthenticated")


async def test_ops_over_http_map_error_codes_to_statuses(hub: InProcessHub,
                                                         http: httpx.AsyncClient) -> None:
    name, token = await account(hub.url, "hs")
    other, other_token = await account(hub.url, "ho")
    auth = {"authorization": f"Bearer {token}"}

    async def op(name: str, data: Any, who: dict[str, str] = auth) -> httpx.Response:
        return await http.post(f"/api/ops/{name}", json=data, headers=who)

    ping = await op("ping", {})
    assert ping.status_code == 200 and isinstance(ping.json()["ts"], int)
    assert ping.headers["content-type"].startswith("application/json")
    message = _error(await op("mood.fly", {}), 404, "unknown_op")
    assert "mood.fly" in message
    _error(await op("mood.post", {"text": 42}), 400, "bad_request")
    _error(await op("mood.post", {"text": "x" * 2001}), 413, "too_large")
    _error(await op("mood.delete", {"mood_id": "987654321"}), 404, "not_found")
    _error(await op("gift.send", {"to": other, "gift": "rocket"}), 403, "forbidden")
    mood = (await op("mood.post", {"text": "公开", "visibility": "public"})).json()["mood"]
    _error(await op("mood.delete", {"mood_id": mood["id"]},
                    {"authorization": f"Bearer {other_token}"}), 403, "forbidden")
    assert (await op("friend.request", {"to": other})).status_code == 200
    _error(await op("friend.request", {"to": name}), 400, "bad_request")  # oneself
    _error(await http.post("/api/ops/ping", content=b"[1]", headers=auth), 400, "bad_request")
    _error(await http.post("/api/ops/ping", content=b"{", headers=auth), 400, "bad_request")
    empty = await http.post("/api/ops/ping", headers=auth)  # no body at all is {}
    assert empty.status_code == 200


# -- health and metrics -------------------------------------------------------------

async def test_health_names_node_engine_and_connections(hub: InProcessHub, engine: str,
                                                        http: httpx.AsyncClient) -> None:
    _, token = await account(hub.url, "he")
    raw, _ = await Raw.hello(hub.url, token)
    response = await http.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["engine"] == engine
    assert body["node"] == hub.settings.node_id and isinstance(body["pid"], int)
    assert body["connections"] == 1
    assert isinstance(body["store"], dict) and isinstance(body["broker"], dict)
    await raw.close()


PROM_LINE = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_]+="[^"]*"(,[a-zA-Z_]+="[^"]*")*\})?'
                       r" -?[0-9.e+-]+$|^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$")


def _metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"no {name} in metrics")


async def test_metrics_is_prometheus_text_with_the_connection_gauge(
        hub: InProcessHub, http: httpx.AsyncClient) -> None:
    _, token = await account(hub.url, "me")
    peers = [(await Raw.hello(hub.url, token))[0] for _ in range(2)]
    await peers[0].ping()
    response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "version=0.0.4" in response.headers["content-type"]
    text = response.text
    assert text.endswith("\n")
    bad = [line for line in text.splitlines() if not PROM_LINE.match(line)]
    assert not bad, bad
    assert "# TYPE kj_connections gauge" in text
    assert _metric(text, "kj_connections") == 2
    assert _metric(text, "kj_connections_total") >= 2
    assert 'kj_op_latency_seconds_count{op="ping"}' in text
    for peer in peers:
        await peer.close()

    async def gauge_zero() -> bool:
        return _metric((await http.get("/metrics")).text, "kj_connections") == 0

    await eventually(gauge_zero)


async def test_an_unexpected_failure_is_a_json_500(hub: InProcessHub, http: httpx.AsyncClient,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*args: object) -> bool:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(hub.node.store, "create_user", broken)
    response = await http.post("/api/register", json={"username": unique_name("f"),
                                                      "password": PASSWORD})
    message = _error(response, 500, "internal")
    assert "disk on fire" not in message  # details go to the log, not to the client
    monkeypatch.undo()
    ok = await http.post("/api/register", json={"username": unique_name("f"),
                                                "password": PASSWORD})
    assert ok.status_code == 201


async def test_a_huge_body_is_refused_before_it_is_read(hub: Any) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(hub.url + "/api/login", content=b"x" * 200_000,
                                   headers={"content-type": "application/json"})
    assert response.status_code == 413 and response.json()["code"] == "too_large"
