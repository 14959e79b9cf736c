"""DESIGN §3: every event reaches exactly its audience, on both engines."""

from __future__ import annotations

import asyncio

import pytest

from hub.client import Client
from tests.harness import InProcessHub, Users, befriend


async def _trio(users: Users) -> tuple[Client, Client, Client]:
    """a and b are friends; c is a stranger to both."""
    a, b, c = await users.new("a"), await users.new("b"), await users.new("c")
    await befriend(a, b)
    return a, b, c


async def test_friends_mood_reaches_author_and_friends_only(users: Users) -> None:
    a, b, c = await _trio(users)
    posted = await a.call("mood.post", {"text": "今天天气很好", "visibility": "friends"})
    for who in (a, b):
        event = await who.next_event("mood")
        assert event.data["mood"]["id"] == posted["mood"]["id"]
        assert event.data["mood"]["text"] == "今天天气很好"
    await c.expect_no_event("mood")


async def test_public_mood_goes_to_friends_not_strangers_live(users: Users) -> None:
    a, b, c = await _trio(users)
    await a.call("mood.post", {"text": "public", "visibility": "public"})
    await b.next_event("mood")
    await c.expect_no_event("mood")
    # ... but a stranger may read it on a's space
    space = await c.call("space.get", {"user": a.name})
    assert [m["text"] for m in space["moods"]] == ["public"]


async def test_private_mood_reaches_only_its_author(users: Users) -> None:
    a, b, c = await _trio(users)
    await a.call("mood.post", {"text": "secret", "visibility": "private"})
    await a.next_event("mood")
    await b.expect_no_event("mood")
    await c.expect_no_event("mood")
    assert (await b.call("feed"))["items"] == []
    assert (await b.call("space.get", {"user": a.name}))["moods"] == []


async def test_non_friend_never_sees_friends_only_mood(users: Users) -> None:
    a, _, c = await _trio(users)
    posted = await a.call("mood.post", {"text": "friends only", "visibility": "friends"})
    await c.expect_no_event("mood")
    assert (await c.call("feed"))["items"] == []
    assert (await c.call("space.get", {"user": a.name}))["moods"] == []
    mood_id = posted["mood"]["id"]
    for op, data in (("comment.post", {"mood_id": mood_id, "text": "hi"}),
                     ("like", {"mood_id": mood_id})):
        reply = await c.request(op, data)
        assert reply["error"]["code"] == "not_found"


async def test_removed_friend_stops_receiving(users: Users) -> None:
    a, b, _ = await _trio(users)
    await a.call("friend.remove", {"user": b.name})
    await a.next_event("friend.removed")
    await b.next_event("friend.removed")
    await a.call("mood.post", {"text": "after the split"})
    await a.next_event("mood")
    await b.expect_no_event("mood")
    assert (await b.call("feed"))["items"] == []


@pytest.mark.parametrize("op", ["mood.post", "comment.post", "like"])
async def test_an_unfriend_during_a_friends_only_op_keeps_the_ex_friend_out(
        users: Users, hub: InProcessHub, monkeypatch: pytest.MonkeyPatch, op: str) -> None:
    """The op reads a's friends, then b is unfriended, then the op publishes: b has had
    `friend.removed`, so nothing friends-only of a's may reach b after it."""
    a, b, _ = await _trio(users)
    mood = (await a.call("mood.post", {"text": "before", "visibility": "friends"}))["mood"]
    for who in (a, b):
        await who.next_event("mood")
    store = hub.node.store
    read, removed = asyncio.Event(), asyncio.Event()
    original = store.friends

    async def stale_friends(user: str) -> set[str]:
        friends = await original(user)
        monkeypatch.setattr(store, "friends", original)  # only this op's read is held
        read.set()
        await removed.wait()
        return friends  # still names b

    monkeypatch.setattr(store, "friends", stale_friends)
    data = ({"text": "after", "visibility": "friends"} if op == "mood.post"
            else {"mood_id": mood["id"], "text": "re"} if op == "comment.post"
            else {"mood_id": mood["id"]})
    racing = asyncio.create_task(a.call(op, data))
    async with asyncio.timeout(5):
        await read.wait()
    await (await users.tab(a)).call("friend.remove", {"user": b.name})
    await b.next_event("friend.removed")
    removed.set()
    await racing
    event = {"mood.post": "mood", "comment.post": "comment", "like": "like"}[op]
    await a.next_event(event)  # the author still gets it
    await a.call("gift.send", {"to": b.name, "gift": "rose"})
    await b.next_event("gift")  # published after the op's event: b has seen up to here
    assert [e.event for e in b.pending_events() if e.event == event] == []


async def test_comment_like_and_delete_follow_the_mood_audience(users: Users) -> None:
    a, b, c = await _trio(users)
    mood = (await a.call("mood.post", {"text": "m"}))["mood"]
    await a.next_event("mood")
    await b.next_event("mood")
    comment = (await b.call("comment.post", {"mood_id": mood["id"], "text": "好"}))["comment"]
    for who in (a, b):
        event = await who.next_event("comment")
        assert event.data["comment"]["id"] == comment["id"]
        assert event.data["mood_author"] == a.name
    assert (await b.call("like", {"mood_id": mood["id"]})) == {"likes": 1}
    for who in (a, b):
        event = await who.next_event("like")
        assert event.data == {"kind": "mood", "mood_id": mood["id"], "mood_author": a.name,
                              "owner": a.name, "user": b.name,
                              "likes": 1, "liked": True}
    await a.call("mood.delete", {"mood_id": mood["id"]})
    for who in (a, b):
        assert (await who.next_event("mood.deleted")).data == {"kind": "mood",
                                                                "mood_id": mood["id"]}
    await c.expect_no_event(within=0.3)


async def test_a_padded_mood_id_is_answered_and_announced_in_canonical_form(
        users: Users) -> None:
    """"0001" names mood 1: events must say "1", or clients matching ids miss them."""
    a, b, _ = await _trio(users)
    mood = (await a.call("mood.post", {"text": "m"}))["mood"]
    await b.next_event("mood")
    padded = mood["id"].zfill(6)
    comment = (await b.call("comment.post", {"mood_id": padded, "text": "好"}))["comment"]
    assert comment["mood_id"] == mood["id"]
    reply = await b.call("comment.post", {"mood_id": padded, "text": "re",
                                          "reply_to": comment["id"].zfill(6)})
    assert reply["comment"]["reply_to"] == comment["id"]
    await b.call("like", {"mood_id": padded})
    assert (await b.next_event("like")).data["mood_id"] == mood["id"]
    await a.call("mood.delete", {"mood_id": padded})
    assert (await b.next_event("mood.deleted")).data == {"kind": "mood", "mood_id": mood["id"]}


async def test_gift_reaches_recipient_and_sender(users: Users) -> None:
    a, b, c = await _trio(users)
    gift = (await a.call("gift.send", {"to": c.name, "gift": "rose", "message": "给你"}))["gift"]
    assert gift["animation"] == "rose" and gift["from"] == a.name and gift["to"] == c.name
    for who in (a, c):
        assert (await who.next_event("gift")).data["gift"]["id"] == gift["id"]
    await b.expect_no_event("gift")


async def test_guestbook_reaches_owner_and_author(users: Users) -> None:
    a, b, c = await _trio(users)
    entry = (await c.call("guestbook.post", {"to": a.name, "text": "到此一游"}))["entry"]
    for who in (a, c):
        assert (await who.next_event("guestbook")).data["entry"]["id"] == entry["id"]
    await b.expect_no_event("guestbook")


async def test_visit_reaches_owner_not_for_own_space(users: Users) -> None:
    a, b, _ = await _trio(users)
    await b.call("space.get", {"user": a.name})
    event = await a.next_event("visit")
    assert event.data["visitor"] == b.name and event.data["owner"] == a.name
    await b.expect_no_event("visit")
    await a.call("space.get", {"user": a.name})
    await a.expect_no_event("visit")


async def test_level_up_reaches_user_and_friends(users: Users) -> None:
    a, b, c = await _trio(users)
    # 3 points a mood; level 2 needs 10
    for n in range(4):
        await a.call("mood.post", {"text": f"m{n}"})
    for who in (a, b):
        event = await who.next_event("level.up")
        assert event.data["user"] == a.name and event.data["level"]["level"] == 2
    await c.expect_no_event("level.up")


async def test_friend_events_go_to_both(users: Users) -> None:
    a, b, c = await users.new("a"), await users.new("b"), await users.new("c")
    await a.call("space.update", {"display_name": "小A", "head_portrait": "fox"})
    await a.call("friend.request", {"to": b.name})
    assert (await b.next_event("friend.request")).data == {
        "from": a.name, "from_name": "小A", "from_portrait": "fox"}
    await a.expect_no_event("friend.request")
    await b.call("friend.accept", {"from": a.name})
    for who in (a, b):
        assert (await who.next_event("friend.added")).data == {"users": sorted([a.name, b.name])}
    await c.expect_no_event(within=0.3)


async def test_every_tab_of_a_user_receives_its_events(users: Users) -> None:
    a, b, _ = await _trio(users)
    a2 = await users.tab(a)
    b2 = await users.tab(b)
    await a.call("mood.post", {"text": "tabs"})
    for who in (a, a2, b, b2):
        assert (await who.next_event("mood")).data["mood"]["text"] == "tabs"


async def test_presence_when_first_tab_opens_and_last_closes(users: Users) -> None:
    a, b, _ = await _trio(users)
    b2 = await users.tab(b)  # a second tab brings no new presence
    await b.close()
    await b2.close()
    assert await a.next_presence(b.name) == {"user": b.name, "online": False}
    b3 = await users.tab(b)
    assert await a.next_presence(b.name) == {"user": b.name, "online": True}
    listed = await a.call("friends.list")
    assert listed["friends"][0]["user"] == b.name and listed["friends"][0]["online"] is True
    await b3.close()
