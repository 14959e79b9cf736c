"""POST /api/admin/seed: the server-key guard, bad bodies, existing names, and that the
returned tokens are real sessions."""

from __future__ import annotations

import httpx

from hub.client import Client
from tests.loadtest.conftest import SERVER_KEY, start_hub

KEY = {"authorization": f"Bearer {SERVER_KEY}"}
PASSWORD = "password123"


async def test_seed_creates_users_friendships_and_sessions(hub) -> None:
    async with httpx.AsyncClient(base_url=hub.url) as http:
        r = await http.post("/api/admin/seed", headers=KEY, json={
            "users": ["sa_1", "sa_2", "sa_3"], "password": PASSWORD,
            "friendships": [["sa_1", "sa_2"], ["sa_1", "sa_3"], ["sa_2", "nobody_x"]]})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["created"] == 3 and body["existing"] == []
        assert set(body["tokens"]) == {"sa_1", "sa_2", "sa_3"}
        assert body["friendships"] == {"added": 2, "existing": 0,
                                       "unknown": [["sa_2", "nobody_x"]]}
        again = (await http.post("/api/admin/seed", headers=KEY, json={
            "users": ["sa_1", "sa_4"], "password": PASSWORD,
            "friendships": [["sa_2", "sa_1"]]})).json()
        assert again["existing"] == ["sa_1"] and list(again["tokens"]) == ["sa_4"]
        assert again["friendships"]["existing"] == 1
        login = await http.post("/api/login", json={"username": "sa_3", "password": PASSWORD})
        assert login.status_code == 200  # the one shared hash verifies
    alice = await Client.connect(hub.url, body["tokens"]["sa_1"])
    bob = await Client.connect(hub.url, body["tokens"]["sa_2"])
    try:
        friends = await alice.call("friends.list")
        assert {f["user"] for f in friends["friends"]} == {"sa_2", "sa_3"}
        await alice.call("mood.post", {"text": "hi"})
        assert (await bob.next_event("mood")).data["mood"]["author"] == "sa_1"
    finally:
        await alice.close()
        await bob.close()


async def test_seed_refuses_wrong_or_missing_key_and_bad_bodies(hub) -> None:
    async with httpx.AsyncClient(base_url=hub.url) as http:
        for headers in ({}, {"authorization": "Bearer wrong"}, {"authorization": SERVER_KEY}):
            r = await http.post("/api/admin/seed", headers=headers, json={"users": []})
            assert r.status_code == 401 and r.json()["code"] == "unauthenticated"
        for body in (b"not json", b"[1]", b'{"users": "x"}', b'{"users": ["A!"]}',
                     b'{"users": ["okname"], "password": "short"}',
                     b'{"friendships": [["abc"]]}', b'{"friendships": [["abc", "abc"]]}'):
            r = await http.post("/api/admin/seed", headers=KEY, content=body)
            assert r.status_code == 400, (body, r.text)
            assert r.json()["code"] == "bad_request"


async def test_seed_is_off_without_a_server_key() -> None:
    hub = await start_hub(server_key=None)
    try:
        async with httpx.AsyncClient(base_url=hub.url) as http:
            r = await http.post("/api/admin/seed", headers=KEY, json={"users": []})
        assert r.status_code == 401 and "--server-key" in r.json()["message"]
    finally:
        await hub.stop()
