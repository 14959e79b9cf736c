"""External producers over HTTP: `POST /api/server/publish` on both engines."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from hub.config import Settings
from tests.harness import InProcessHub, Users, befriend

KEY = "server-key-for-tests"


@pytest.fixture
def hub_settings(hub_settings: Settings) -> Settings:
    return dataclasses.replace(hub_settings, server_key=KEY)


async def publish(hub: InProcessHub, body: object, key: str | None = KEY) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with httpx.AsyncClient() as http:
        return await http.post(hub.url + "/api/server/publish", json=body, headers=headers)


async def test_friends_of_reaches_exactly_the_friends(hub: InProcessHub, users: Users) -> None:
    ann, bob, cat, dan = [await users.new(n) for n in ("ann", "bob", "cat", "dan")]
    await befriend(ann, bob)
    await befriend(ann, cat)
    response = await publish(hub, {"event": "notice", "friends_of": ann.name,
                                   "data": {"text": "维护通知"}})
    assert response.status_code == 200
    assert response.json() == {"event": "x.notice", "recipients": 2}
    for friend in (bob, cat):
        event = await friend.next_event("x.notice")
        assert event.data == {"text": "维护通知"} and event.seq > 0
    marker = await publish(hub, {"event": "x.marker", "to": [ann.name, dan.name]})
    assert marker.json()["recipients"] == 2
    await ann.next_event("x.marker")
    await dan.next_event("x.marker")
    await ann.expect_no_event("x.notice", within=0)  # the marker came after: no notice
    await dan.expect_no_event("x.notice", within=0)


async def test_events_are_namespaced_and_resumable(hub: InProcessHub, users: Users) -> None:
    ann = await users.new("ann")
    first = await publish(hub, {"event": "mood", "to": [ann.name], "data": {"fake": True}})
    assert first.json()["event"] == "x.mood"  # can never impersonate a built-in event
    event = await ann.next_event("x.mood")
    resumed = await users.tab(ann, since=f"{ann.hello['epoch']}:0")
    replayed = await resumed.next_event()
    assert (replayed.event, replayed.id) == ("x.mood", event.id)


@pytest.mark.parametrize("key", [None, "wrong"])
async def test_missing_or_wrong_key_is_401(hub: InProcessHub, users: Users,
                                           key: str | None) -> None:
    ann = await users.new("ann")
    response = await publish(hub, {"event": "notice", "to": [ann.name]}, key=key)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    await publish(hub, {"event": "marker", "to": [ann.name]})
    assert (await ann.next_event()).event == "x.marker"  # nothing came before it


async def test_one_unknown_recipient_refuses_the_whole_event(hub: InProcessHub,
                                                               users: Users) -> None:
    ann, bob = await users.new("ann"), await users.new("bob")
    response = await publish(hub, {"event": "notice",
                                   "to": [ann.name, "ghost_one", bob.name, "ghost_two"]})
    assert response.status_code == 404
    assert response.json()["message"] == "no such users: ghost_one, ghost_two"
    await publish(hub, {"event": "marker", "to": [ann.name, bob.name]})
    for user in (ann, bob):  # nothing was delivered before the marker, no seq was used
        marker = await user.next_event()
        assert (marker.event, marker.seq) == ("x.marker", 1)


@pytest.mark.parametrize(("body", "status"), [
    ({"event": "Bad Name!", "to": ["x"]}, 400),
    ({"event": "notice"}, 400),
    ({"event": "notice", "to": "ann"}, 400),
    ({"event": "notice", "to": [], "friends_of": "ann"}, 400),
    ({"event": "notice", "to": ["nobody_here"]}, 404),
    ({"event": "notice", "to": ["a{b}", "nobody_here"]}, 404),  # no account can be named so
    ({"event": "notice", "friends_of": "nobody_here"}, 404),
    ({"event": "notice", "to": ["x"], "data": [1, 2]}, 400),
    ({"event": "notice", "to": ["x"], "data": {"t": "x" * 20_000}}, 413),
])
async def test_bad_requests_are_refused_clearly(hub: InProcessHub, body: object,
                                                status: int) -> None:
    response = await publish(hub, body)
    assert response.status_code == status
    assert response.json()["message"]


async def test_publishing_is_off_without_a_server_key(hub_settings: Settings) -> None:
    hub = await InProcessHub(dataclasses.replace(hub_settings, server_key=None)).start()
    try:
        response = await publish(hub, {"event": "notice", "to": ["x"]})
        assert response.status_code == 401
        assert "--server-key" in response.json()["message"]
    finally:
        await hub.stop()


async def test_an_empty_inbox_resumes_from_epoch_zero(hub: InProcessHub, users: Users) -> None:
    ann = await users.new("ann")
    assert ann.hello["last_id"] == "" and ann.hello["seq"] == 0
    await ann.close()
    for n in range(3):
        await publish(hub, {"event": "n", "to": [ann.name], "data": {"n": n}})
    resumed = await users.tab(ann, since=f"{ann.hello['epoch']}:0")
    assert resumed.hello["gap"] is False and resumed.hello["replayed"] == 3
    assert [(await resumed.next_event()).data["n"] for _ in range(3)] == [0, 1, 2]


async def test_publishing_while_redis_is_down_answers_503(key_prefix: str) -> None:
    from tests.redis_server import RedisServer, free_port

    redis = RedisServer()  # its own server: this test stops it
    redis.start()
    hub = await InProcessHub(Settings(port=free_port(), data=None, redis_url=redis.url,
                                      key_prefix=key_prefix, server_key=KEY)).start()
    try:
        users = Users(hub.url)
        ann = await users.new("ann")
        await users.close()
        redis.stop()
        response = await publish(hub, {"event": "notice", "to": [ann.name]})
        assert response.status_code == 503 and response.json()["code"] == "unavailable"
    finally:
        redis.start()
        await hub.stop()
        redis.cleanup()
