"""Every op's behaviour and its failure paths, on both engines."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from hub.client import Client, KjError
from hub.subjects import Subject
from tests.harness import InProcessHub, Users, befriend


async def _error(client: Client, op: str, data: dict) -> str:
    reply = await client.request(op, data)
    assert reply["ok"] is False, reply
    assert reply["error"]["message"]
    return str(reply["error"]["code"])


async def test_ping(users: Users) -> None:
    a = await users.new()
    assert isinstance((await a.call("ping"))["ts"], int)


async def test_feed_is_newest_first_and_pages_with_before(users: Users) -> None:
    a, b = await users.new("a"), await users.new("b")
    await befriend(a, b)
    for n in range(5):
        await (a if n % 2 else b).call("mood.post", {"text": f"m{n}"})
    page = await a.call("feed", {"limit": 2})
    assert [m["text"] for m in page["items"]] == ["m4", "m3"]
    page2 = await a.call("feed", {"limit": 2, "before": page["next"]})
    assert [m["text"] for m in page2["items"]] == ["m2", "m1"]
    page3 = await a.call("feed", {"limit": 2, "before": page2["next"]})
    assert [m["text"] for m in page3["items"]] == ["m0"] and page3["next"] is None


async def test_feed_of_a_user_with_many_friends(hub: InProcessHub, users: Users) -> None:
    """600 friends: the memory engine's query once had a term per source and SQLite
    refused it (`internal`) from about 500."""
    from hub.models import UserRecord

    a = await users.new("a")
    store = hub.node.store
    friends = [f"m{i}_{a.name}"[:20] for i in range(600)]
    for name in friends:
        await store.create_user(UserRecord(
            username=name, display_name=name, password_hash="x", created=0, signature="",
            head_portrait="cat", skin="classic", music="none", points=0))
        await store.add_friendship(a.name, name)
    stranger = await users.new("s")
    await store.add_mood(friends[0], "朋友可见", "friends", "", 1)
    await store.add_mood(friends[-1], "私密", "private", "", 2)
    await stranger.call("mood.post", {"text": "公开但不是朋友", "visibility": "public"})
    await store.add_mood(friends[-1], "公开", "public", "", 3)
    await a.call("mood.post", {"text": "我的", "visibility": "private"})
    page = await a.call("feed", {"limit": 2})
    assert [m["text"] for m in page["items"]] == ["我的", "公开"]
    rest = await a.call("feed", {"before": page["next"]})
    assert [m["text"] for m in rest["items"]] == ["朋友可见"]


async def test_feed_counts_likes_and_comments_per_viewer(users: Users) -> None:
    a, b = await users.new("a"), await users.new("b")
    await befriend(a, b)
    mood = (await a.call("mood.post", {"text": "x", "tag": "开心"}))["mood"]
    assert mood["tag"] == "开心" and mood["visibility"] == "friends"
    await b.call("like", {"mood_id": mood["id"]})
    first = (await b.call("comment.post", {"mood_id": mood["id"], "text": "c1"}))["comment"]
    reply = (await a.call("comment.post", {"mood_id": mood["id"], "text": "re",
                                           "reply_to": first["id"]}))["comment"]
    assert reply["reply_to"] == first["id"]
    for tab in (a, b):  # the events name whom a comment concerns: author, replied-to
        top = await tab.next_event("comment", where=lambda e: e.data["comment"]["text"] == "c1")
        assert (top.data["mood_author"], top.data["reply_to_author"]) == (a.name, None)
        re = await tab.next_event("comment", where=lambda e: e.data["comment"]["text"] == "re")
        assert (re.data["mood_author"], re.data["reply_to_author"]) == (a.name, b.name)
    item_b = (await b.call("feed"))["items"][0]
    item_a = (await a.call("feed"))["items"][0]
    assert item_b["likes"] == 1 and item_b["liked"] is True
    assert item_a["likes"] == 1 and item_a["liked"] is False
    assert [c["text"] for c in item_a["comments"]] == ["c1", "re"]
    assert item_a["comment_count"] == 2


async def test_like_is_idempotent_and_counted(users: Users) -> None:
    a, b = await users.new("a"), await users.new("b")
    await befriend(a, b)
    mood = (await a.call("mood.post", {"text": "x"}))["mood"]
    assert await a.call("like", {"mood_id": mood["id"]}) == {"likes": 1}
    assert await a.call("like", {"mood_id": mood["id"]}) == {"likes": 1}
    assert await b.call("like", {"mood_id": mood["id"]}) == {"likes": 2}
    assert await a.call("unlike", {"mood_id": mood["id"]}) == {"likes": 1}
    assert await a.call("unlike", {"mood_id": mood["id"]}) == {"likes": 1}
    likes = [e for e in a.events_seen if e.event == "like"]
    await a.next_event("like", where=lambda e: e.data["liked"] is False)
    assert len([e for e in a.events_seen if e.event == "like"]) == len(likes)  # no dup events


async def test_mood_errors(users: Users) -> None:
    a, b = await users.new("a"), await users.new("b")
    assert await _error(a, "mood.post", {"text": ""}) == "bad_request"
    assert await _error(a, "mood.post", {"text": "   "}) == "bad_request"
    assert await _error(a, "mood.post", {"text": 42}) == "bad_request"
    assert await _error(a, "mood.post", {"text": "x" * 2001}) == "too_large"
    assert await _error(a, "mood.post", {"text": "x", "visibility": "world"}) == "bad_request"
    assert await _error(a, "mood.delete", {"mood_id": "999999"}) == "not_found"
    assert await _error(a, "mood.delete", {"mood_id": "abc"}) == "bad_request"
    assert await _error(a, "feed", {"limit": 0}) == "bad_request"
    assert await _error(a, "feed", {"limit": 101}) == "bad_request"
    mood = (await a.call("mood.post", {"text": "x" * 2000, "visibility": "public"}))["mood"]
    assert await _error(b, "mood.delete", {"mood_id": mood["id"]}) == "forbidden"
    assert await _error(a, "comment.post", {"mood_id": mood["id"], "text": "x" * 1001}) == (
        "too_large")
    assert await _error(a, "comment.post", {"mood_id": mood["id"], "text": "r",
                                            "reply_to": "424242"}) == "bad_request"
    # the mood is checked first: on a mood b may not see, a bad reply_to tells nothing
    private = (await a.call("mood.post", {"text": "mine", "visibility": "private"}))["mood"]
    assert await _error(b, "comment.post", {"mood_id": private["id"], "text": "r",
                                            "reply_to": "424242"}) == "not_found"
    # a reply_to on another mood is refused, and stores nothing
    other = (await a.call("mood.post", {"text": "other", "visibility": "public"}))["mood"]
    elsewhere = (await a.call("comment.post", {"mood_id": other["id"], "text": "c"}))["comment"]
    assert await _error(b, "comment.post", {"mood_id": mood["id"], "text": "r",
                                            "reply_to": elsewhere["id"]}) == "bad_request"
    # nothing was lost or half-written by the failures
    feed = (await a.call("feed"))["items"]
    assert [m["id"] for m in feed] == [other["id"], private["id"], mood["id"]]
    assert [m["comment_count"] for m in feed] == [1, 0, 0]


async def test_gifts_catalog_and_level_gate(users: Users) -> None:
    a, b = await users.new("a"), await users.new("b")
    gifts = (await a.call("gifts.catalog"))["gifts"]
    assert len(gifts) >= 8
    assert all({"id", "name", "min_level", "animation"} <= set(g) for g in gifts)
    assert len({g["animation"] for g in gifts}) == len(gifts)
    locked = next(g for g in gifts if g["min_level"] > 1)
    assert await _error(a, "gift.send", {"to": b.name, "gift": locked["id"]}) == "forbidden"
    assert await _error(a, "gift.send", {"to": b.name, "gift": "nope"}) == "bad_request"
    assert await _error(a, "gift.send", {"to": "nobody_here", "gift": "rose"}) == "not_found"
    assert await _error(a, "gift.send", {"to": a.name, "gift": "rose"}) == "bad_request"
    assert await _error(a, "gift.send", {"to": b.name, "gift": "rose",
                                         "message": "x" * 201}) == "too_large"
    await b.expect_no_event("gift", within=0.2)
    sent = (await a.call("gift.send", {"to": b.name, "gift": "cake"}))["gift"]
    shelf = (await a.call("space.get", {"user": b.name}))["gifts"]
    assert [g["id"] for g in shelf] == [sent["id"]]


async def test_a_gift_message_is_read_only_by_its_sender_and_recipient(users: Users) -> None:
    """The gift shelf is on show to every visitor; the note with a gift is not (the
    `gift` event, too, reaches only the two of them)."""
    a, b, c = await users.new("a"), await users.new("b"), await users.new("c")
    await befriend(b, c)  # even a friend of the recipient does not read it
    await a.call("gift.send", {"to": b.name, "gift": "rose", "message": "只给你看"})
    messages = {who.name: [g["message"] for g in (await who.call(
        "space.get", {"user": b.name}))["gifts"]] for who in (a, b, c)}
    assert messages == {a.name: ["只给你看"], b.name: ["只给你看"], c.name: [""]}


async def test_guestbook_and_space(users: Users) -> None:
    a, b = await users.new("a"), await users.new("b")
    assert await _error(b, "guestbook.post", {"to": a.name, "text": ""}) == "bad_request"
    assert await _error(b, "guestbook.post", {"to": a.name, "text": "x" * 501}) == "too_large"
    assert await _error(b, "guestbook.post", {"to": "ghost_user", "text": "hi"}) == "not_found"
    await b.call("guestbook.post", {"to": a.name, "text": "<b>hi</b>"})
    space = await b.call("space.get", {"user": a.name})
    assert space["guestbook"][0]["text"] == "<b>hi</b>"
    assert space["profile"]["user"] == a.name and space["level"]["level"] == 1
    assert [v["user"] for v in space["visitors"]] == [b.name]
    assert space["is_self"] is False and space["is_friend"] is False
    assert await _error(b, "space.get", {"user": "ghost_user"}) == "not_found"


async def test_space_update_and_locked_skins(users: Users) -> None:
    a = await users.new("a")
    updated = await a.call("space.update", {"signature": "生活明朗", "head_portrait": "panda",
                                            "skin": "sakura", "display_name": "小A"})
    assert updated["profile"]["signature"] == "生活明朗"
    assert updated["profile"]["display_name"] == "小A"
    options = await a.call("space.options")
    locked = next(s for s in options["skins"] if s["min_level"] > 1)
    assert await _error(a, "space.update", {"skin": locked["id"]}) == "forbidden"
    assert await _error(a, "space.update", {"head_portrait": "dragon"}) == "bad_request"
    assert await _error(a, "space.update", {"signature": "x" * 101}) == "too_large"
    assert await _error(a, "space.update", {"colour": "red"}) == "bad_request"
    assert (await a.call("space.get", {"user": a.name}))["profile"]["skin"] == "sakura"


async def test_friend_errors(users: Users) -> None:
    a, b = await users.new("a"), await users.new("b")
    assert await _error(a, "friend.request", {"to": a.name}) == "bad_request"
    assert await _error(a, "friend.request", {"to": "ghost_user"}) == "not_found"
    assert await _error(a, "friend.accept", {"from": b.name}) == "not_found"
    assert await _error(a, "friend.remove", {"user": b.name}) == "not_found"
    await a.call("friend.request", {"to": b.name})
    assert await _error(a, "friend.request", {"to": b.name}) == "conflict"
    listed = await b.call("friends.list")
    assert listed["incoming"] == [a.name] and listed["friends"] == []
    assert (await a.call("friends.list"))["outgoing"] == [b.name]
    await b.call("friend.decline", {"from": a.name})
    assert (await a.next_event("friend.declined")).data["users"] == sorted([a.name, b.name])
    assert (await b.call("friends.list"))["incoming"] == []
    # a declined request cannot be sent again at once (a day), and says so
    with pytest.raises(KjError, match="declined your request; you can ask again in 24 h") as err:
        await a.call("friend.request", {"to": b.name})
    assert err.value.code == "rate_limited"
    # asking someone who already asked you makes you friends
    await b.call("friend.request", {"to": a.name})
    assert await a.call("friend.request", {"to": b.name}) == {"friends": True}
    assert await _error(a, "friend.request", {"to": b.name}) == "conflict"
    assert [f["user"] for f in (await a.call("friends.list"))["friends"]] == [b.name]


def _both_at_once(store: object, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hold the first call of store.<name> until a second one arrives, then run both:
    two ops interleaved at that point, as they can be on Redis."""
    real = getattr(store, name)
    arrived: list[int] = []
    both = asyncio.Event()

    async def held(*args: object, **kwargs: object) -> object:
        arrived.append(1)
        if len(arrived) == 2:
            both.set()
        async with asyncio.timeout(5):
            await both.wait()
        return await real(*args, **kwargs)

    monkeypatch.setattr(store, name, held)


async def test_two_tabs_accepting_one_request_make_one_friendship(
        hub: InProcessHub, users: Users, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = await users.new("a"), await users.new("b")
    b2 = await users.tab(b)
    await a.call("friend.request", {"to": b.name})
    await b.next_event("friend.request")
    _both_at_once(hub.node.store, "add_friendship", monkeypatch)
    replies = await asyncio.gather(*(tab.request("friend.accept", {"from": a.name})
                                     for tab in (b, b2)))
    assert sorted(r["ok"] for r in replies) == [False, True]
    assert next(r for r in replies if not r["ok"])["error"]["code"] == "conflict"
    await a.next_event("friend.added")
    await b.call("mood.post", {"text": "marker"})
    await a.next_event("mood")  # all published before it has arrived: one friend.added
    await a.expect_no_event("friend.added", within=0)


async def test_two_users_asking_each_other_at_once_become_friends(
        hub: InProcessHub, users: Users, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = await users.new("a"), await users.new("b")
    _both_at_once(hub.node.store, "add_request", monkeypatch)
    replies = await asyncio.gather(a.call("friend.request", {"to": b.name}),
                                   b.call("friend.request", {"to": a.name}))
    # the later of the two to store its request sees the other's: it says "friends"
    assert {"friends": True} in replies
    for me, other in ((a, b), (b, a)):
        listed = await me.call("friends.list")
        assert [f["user"] for f in listed["friends"]] == [other.name]
        assert listed["incoming"] == listed["outgoing"] == []
        await me.next_event("friend.added")
    await b.call("mood.post", {"text": "marker"})
    await a.next_event("mood")
    await a.expect_no_event("friend.added", within=0)


async def test_users_search(users: Users) -> None:
    a = await users.new("findme")
    await a.call("space.update", {"display_name": "找我", "head_portrait": "panda"})
    found = await a.call("users.search", {"q": a.name[:8]})
    assert {"user": a.name, "display_name": "找我", "head_portrait": "panda"} in found["users"]
    assert await _error(a, "users.search", {"q": ""}) == "bad_request"


async def test_unknown_op(users: Users) -> None:
    a = await users.new()
    assert await _error(a, "mood.explode", {}) == "unknown_op"


async def test_http_ops_and_status_codes(hub: InProcessHub, users: Users) -> None:
    a = await users.new("a")
    headers = {"Authorization": f"Bearer {a.token}"}
    async with httpx.AsyncClient(base_url=hub.url) as http:
        ok = await http.post("/api/ops/mood.post", json={"text": "over http"}, headers=headers)
        assert ok.status_code == 200 and ok.json()["mood"]["text"] == "over http"
        assert (await a.next_event("mood")).data["mood"]["text"] == "over http"
        cases = [
            ("/api/ops/mood.post", {"text": ""}, headers, 400, "bad_request"),
            ("/api/ops/mood.post", {"text": "x" * 3000}, headers, 413, "too_large"),
            ("/api/ops/nope", {}, headers, 404, "unknown_op"),
            ("/api/ops/mood.delete", {"mood_id": "9999"}, headers, 404, "not_found"),
            ("/api/ops/ping", {}, {}, 401, "unauthenticated"),
            ("/api/ops/ping", {}, {"Authorization": "Bearer wrong"}, 401, "unauthenticated"),
        ]
        for path, body, hdrs, status, code in cases:
            response = await http.post(path, json=body, headers=hdrs)
            assert (response.status_code, response.json()["code"]) == (status, code), path
        bad = await http.post("/api/ops/ping", content=b"[1,2]", headers=headers)
        assert bad.status_code == 400


async def test_accounts(hub: InProcessHub) -> None:
    async with httpx.AsyncClient(base_url=hub.url) as http:
        reg = await http.post("/api/register", json={"username": "carol_x", "password":
                                                     "longenough", "display_name": "卡罗"})
        assert reg.status_code == 201
        assert reg.json()["user"]["display_name"] == "卡罗"
        assert "kj_session" in reg.cookies
        dup = await http.post("/api/register", json={"username": "carol_x",
                                                     "password": "longenough"})
        assert (dup.status_code, dup.json()["code"]) == (409, "conflict")
        for body in ({"username": "No!", "password": "longenough"},
                     {"username": "dave_x", "password": "short"},
                     {"username": "dave_x"}):
            bad = await http.post("/api/register", json=body)
            assert bad.status_code == 400 and bad.json()["message"]
        wrong = await http.post("/api/login", json={"username": "carol_x", "password": "nope"})
        unknown = await http.post("/api/login", json={"username": "zed_x", "password": "nope"})
        assert wrong.status_code == unknown.status_code == 401
        assert wrong.json() == unknown.json()  # says not which part was wrong
        good = await http.post("/api/login", json={"username": "carol_x",
                                                   "password": "longenough"})
        token = good.json()["token"]
        client = await Client.connect(hub.url, token)
        assert client.hello["user"]["username"] == "carol_x"
        await client.close()
        out = await http.post("/api/logout", headers={"Authorization": f"Bearer {token}"})
        assert out.status_code == 200
    with pytest.raises(Exception) as closed:
        await Client.connect(hub.url, token)
    assert getattr(closed.value, "code", None) == 4401


async def test_kj_error_carries_code(users: Users) -> None:
    a = await users.new()
    with pytest.raises(KjError) as exc:
        await a.call("mood.delete", {"mood_id": "123456"})
    assert exc.value.code == "not_found"


async def test_people_come_with_names_and_portraits(users: Users) -> None:
    a, b = await users.new("a"), await users.new("b")
    await befriend(a, b)
    await b.call("space.update", {"display_name": "小白", "head_portrait": "panda"})
    mood = (await a.call("mood.post", {"text": "看熊猫"}))["mood"]
    await b.call("comment.post", {"mood_id": mood["id"], "text": "好可爱"})
    await b.call("guestbook.post", {"to": a.name, "text": "来啦"})
    await b.call("space.get", {"user": a.name})
    await b.call("gift.send", {"to": a.name, "gift": "rose"})
    gift = (await a.next_event("gift")).data["gift"]
    assert (gift["from_name"], gift["from_portrait"]) == ("小白", "panda")
    comment = (await a.call("feed", {}))["items"][0]["comments"][0]
    assert (comment["author_name"], comment["author_portrait"]) == ("小白", "panda")
    space = await a.call("space.get", {"user": a.name})
    visitor = next(v for v in space["visitors"] if v["user"] == b.name)
    assert (visitor["display_name"], visitor["head_portrait"]) == ("小白", "panda")
    assert space["guestbook"][0]["author_portrait"] == "panda"
    assert space["gifts"][0]["from_portrait"] == "panda"
    friend = (await a.call("friends.list", {}))["friends"][0]
    assert (friend["display_name"], friend["head_portrait"]) == ("小白", "panda")


async def test_a_visit_notifies_the_owner_once_a_day(users: Users) -> None:
    a, b = await users.new("a"), await users.new("b")
    for _ in range(3):
        await b.call("space.get", {"user": a.name})
    await a.next_event("visit")
    await b.call("guestbook.post", {"to": a.name, "text": "marker"})
    await a.next_event("guestbook")
    await a.expect_no_event("visit", within=0)  # reloads before the marker sent nothing


async def test_a_comment_racing_its_moods_deletion_is_refused_and_leaves_nothing(
        hub: InProcessHub, users: Users, monkeypatch: pytest.MonkeyPatch) -> None:
    """The mood is deleted between the op's read of it and its write: the comment is
    neither stored nor announced nor rewarded, and the op says `not_found`."""
    a, b = await users.new("a"), await users.new("b")
    await befriend(a, b)
    mood = (await a.call("mood.post", {"text": "马上删除"}))["mood"]
    await b.next_event("mood")
    store = hub.node.store
    add_comment = store.add_comment

    async def after_a_delete(*args: object, **kwargs: object) -> object:
        await a.call("mood.delete", {"mood_id": mood["id"]})  # lands in the gap
        return await add_comment(*args, **kwargs)

    monkeypatch.setattr(store, "add_comment", after_a_delete)
    points = (await store.get_user(a.name))["points"]
    assert await _error(b, "comment.post", {"mood_id": mood["id"], "text": "晚了"}) == \
        "not_found"
    assert (await b.next_event("mood.deleted")).data == {"kind": "mood", "mood_id": mood["id"]}
    subject = Subject("mood", mood["id"])
    assert await store.comments([subject], 10) in ({}, {subject: ([], 0)})
    assert (await store.get_user(a.name))["points"] == points
    await b.call("mood.post", {"text": "marker"})
    await a.next_event("mood")  # everything published before it has arrived
    await a.expect_no_event("comment", within=0)
