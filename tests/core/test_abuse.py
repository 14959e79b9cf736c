"""Issue #18, the floods: a stranger cannot evict a user's friends' events from the
retained inbox (their events go out live only), and writes into another user's space
are capped per author per owner, inside the store call that writes them (so on Redis
the cap holds across nodes)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from hub.client import Client
from tests.core.conftest import MakeHub
from tests.core.support import Raw, account
from tests.harness import PASSWORD, befriend

OPEN = {"ops_per_second": 10_000, "ops_burst": 10_000, "user_ops_per_second": 10_000,
        "user_ops_burst": 10_000, "register_per_minute": 0}


async def test_a_strangers_twenty_socket_flood_cannot_evict_a_friends_mood(
        make_hub: MakeHub) -> None:
    """Seen before the fix: 1,100 guestbook entries from 20 sockets of a stranger, and
    the victim's resume answered `gap: true` with nothing but spam. The space-write cap
    is off here, so that the inbox's own rule is what holds."""
    hub = await make_hub(inbox_retention=20, space_writes_per_hour=0, **OPEN)
    victim = await Client.connect(hub.url, (await _register(hub.url, "vic"))["token"])
    friend = await Client.connect(hub.url, (await _register(hub.url, "fri"))["token"])
    victim.name, friend.name = victim.hello["user"]["username"], friend.hello["user"]["username"]
    await befriend(victim, friend)
    since = victim.last_id
    assert since is not None
    await victim.close()
    mood = await friend.call("mood.post", {"text": "周末去爬山吗"})
    _, stranger_token = await account(hub.url, "spam")
    # (max_queue=None: these peers read only their replies, and the events for the
    # stranger's own tabs must not fill their queue and stall the close handshake)
    sockets = [(await Raw.hello(hub.url, stranger_token, max_queue=None))[0]
               for _ in range(20)]

    async def flood(raw: Raw) -> list[dict[str, Any]]:
        return [await raw.request("guestbook.post", {"to": victim.name, "text": f"加我 {n}"})
                for n in range(3)]

    replies = [r for one in await asyncio.gather(*map(flood, sockets)) for r in one]
    assert len(replies) == 60 and all(r["ok"] for r in replies)  # three times the retention

    raw, hello = await Raw.hello(hub.url, victim.token, since=since)
    assert hello["gap"] is False
    event = await raw.recv_type("event")
    assert event["event"] == "mood" and event["data"]["mood"]["id"] == mood["mood"]["id"]
    # The entries themselves are kept: the space shows them, newest first.
    space = await raw.request("space.get", {"user": victim.name})
    entries = space["data"]["guestbook"]
    assert len(entries) == 30 and entries[0]["text"].startswith("加我")
    for peer in (*sockets, raw):
        await peer.close()
    await friend.close()


async def test_a_strangers_event_reaches_an_open_tab_live_but_not_the_inbox(
        make_hub: MakeHub) -> None:
    hub = await make_hub(**OPEN)
    owner, stranger = await _client(hub.url, "own"), await _client(hub.url, "str")
    head = owner.hello["seq"]
    await stranger.call("guestbook.post", {"to": owner.name, "text": "路过"})
    event = await owner.next_event("guestbook")
    assert (event.id, event.seq) == (None, None)  # live only: nothing to resume from
    assert event.data["entry"]["text"] == "路过"
    own = await stranger.next_event("guestbook")  # the author's own inbox keeps it
    assert own.seq is not None
    again = await Client.connect(hub.url, owner.token)
    assert again.hello["seq"] == head  # the owner's inbox did not move
    for client in (owner, stranger, again):
        await client.close()


async def test_writes_into_anothers_space_are_capped_per_author_per_owner(
        make_hub: MakeHub) -> None:
    hub = await make_hub(space_writes_per_hour=3, **OPEN)
    owner, stranger, other = [await _client(hub.url, p) for p in ("cap", "pest", "oth")]
    public = (await owner.call("mood.post", {"text": "公开", "visibility": "public"}))["mood"]
    await stranger.call("guestbook.post", {"to": owner.name, "text": "一"})
    await stranger.call("gift.send", {"to": owner.name, "gift": "rose"})
    await stranger.call("comment.post", {"mood_id": public["id"], "text": "三"})
    before = await owner.call("space.get", {"user": owner.name})
    for op, data in [("guestbook.post", {"to": owner.name, "text": "四"}),
                     ("comment.post", {"mood_id": public["id"], "text": "四"}),
                     ("gift.send", {"to": owner.name, "gift": "cake"}),
                     ("friend.request", {"to": owner.name})]:
        reply = await _refusal(stranger, op, data)
        assert reply["code"] == "rate_limited", (op, reply)
        assert f"written in {owner.name}'s space as often as an hour allows" in reply["message"]
    after = await owner.call("space.get", {"user": owner.name})
    assert after["guestbook"] == before["guestbook"] and after["gifts"] == before["gifts"]
    assert after["moods"][0]["comment_count"] == 1  # nothing refused was stored
    async with httpx.AsyncClient(base_url=hub.url) as http:  # over HTTP: 429, Retry-After
        response = await http.post("/api/ops/guestbook.post", json={
            "to": owner.name, "text": "五"}, headers={"authorization": f"Bearer {stranger.token}"})
    assert response.status_code == 429 and 0 < int(response.headers["Retry-After"]) <= 3600
    # the cap is per author and per owner: others, and one's own space, are untouched
    await other.call("guestbook.post", {"to": owner.name, "text": "我也来"})
    await stranger.call("guestbook.post", {"to": other.name, "text": "换一家"})
    for n in range(5):
        await owner.call("guestbook.post", {"to": owner.name, "text": f"自己 {n}"})
    for client in (owner, stranger, other):
        await client.close()


@pytest.mark.redis_only
async def test_the_space_write_cap_holds_across_nodes(make_hub: MakeHub, engine: str) -> None:
    if engine != "redis":
        pytest.skip("one node is the whole memory engine")
    one = await make_hub(space_writes_per_hour=2, node_id="node-a", **OPEN)
    two = await make_hub(space_writes_per_hour=2, node_id="node-b", **OPEN)
    owner = await _client(one.url, "nod")
    name, token = await account(one.url, "hop")
    on_one = await Client.connect(one.url, token)
    on_two = await Client.connect(two.url, token)
    await on_one.call("guestbook.post", {"to": owner.name, "text": "节点一"})
    await on_two.call("guestbook.post", {"to": owner.name, "text": "节点二"})
    for client in (on_one, on_two):
        reply = await _refusal(client, "guestbook.post", {"to": owner.name, "text": "三"})
        assert reply["code"] == "rate_limited", (name, reply)
    for client in (owner, on_one, on_two):
        await client.close()


async def _register(url: str, prefix: str) -> dict[str, Any]:
    from tests.core.support import unique_name

    async with httpx.AsyncClient(base_url=url) as http:
        response = await http.post("/api/register", json={
            "username": unique_name(prefix), "password": PASSWORD})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def _client(url: str, prefix: str) -> Client:
    name, token = await account(url, prefix)
    client = await Client.connect(url, token, name=name)
    client.name = name
    return client


async def _refusal(client: Client, op: str, data: dict[str, Any]) -> dict[str, Any]:
    reply = await client.request(op, data)
    assert reply["ok"] is False, (op, reply)
    return reply["error"]  # type: ignore[no-any-return]
