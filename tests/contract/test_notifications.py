"""与我相关 kept on the server (issue #19), on both engines: written whether or not the
user has a tab open, read from a fresh device, grouped, withdrawn when undone, counted
alike in every tab, and never showing what the reader may no longer read."""

from __future__ import annotations

from typing import Any

import pytest

from hub.client import Client, KjError
from tests.harness import Users, befriend


async def _fresh(users: Users, of: Client) -> Client:
    """The same user on a new device: nothing in it but what the hub kept."""
    return await users.tab(of)


def _types(listed: dict[str, Any]) -> list[str]:
    return [item["type"] for item in listed["items"]]


async def test_what_happened_while_away_is_there_on_a_new_device(users: Users) -> None:
    ann, bob, cat = await users.new("nta"), await users.new("ntb"), await users.new("ntc")
    await befriend(ann, bob)
    mood = (await ann.call("mood.post", {"text": "出去玩", "visibility": "public"}))["mood"]
    await ann.close()  # no tab open from here on
    said = (await bob.call("comment.post", {"mood_id": mood["id"], "text": "带上我"}))
    await bob.call("like", {"mood_id": mood["id"]})
    await bob.call("gift.send", {"to": ann.name, "gift": "rose"})
    await cat.call("guestbook.post", {"to": ann.name, "text": "路过留言"})
    await cat.call("space.get", {"user": ann.name})
    device = await _fresh(users, ann)
    listed = await device.call("notifications.list")
    by_type = {item["type"]: item for item in listed["items"]}
    acts = [t for t in _types(listed) if t not in ("level.up", "friend.added")]
    assert acts == ["visit", "guestbook", "gift", "like", "comment"]  # newest first
    assert "friend.added" in by_type  # bob accepted her request
    assert listed["unread"] == len(listed["items"])
    comment = by_type["comment"]
    assert comment["mood_id"] == mood["id"] and comment["comment_id"] == said["comment"]["id"]
    assert comment["text"] == "带上我" and comment["read"] is False
    assert comment["actors"][0]["user"] == bob.name and comment["actors"][0]["display_name"]
    guestbook = by_type["guestbook"]
    assert guestbook["actors"][0]["user"] == cat.name and guestbook["text"] == "路过留言"


async def test_likes_of_one_post_are_one_item_and_an_unlike_takes_its_part_back(
        users: Users) -> None:
    ann = await users.new("nga")
    fans = [await users.new(f"ng{i}") for i in range(3)]
    mood = (await ann.call("mood.post", {"text": "赞我", "visibility": "public"}))["mood"]
    for fan in fans:
        await fan.call("like", {"mood_id": mood["id"]})
    for _ in fans:
        await ann.next_event("notify")
    listed = await ann.call("notifications.list")
    (item,) = listed["items"]
    assert item["type"] == "like" and item["count"] == 3 and len(item["ids"]) == 3
    assert [a["user"] for a in item["actors"]] == [f.name for f in reversed(fans)]
    assert listed["unread"] == 3
    await fans[0].call("unlike", {"mood_id": mood["id"]})
    notify = await ann.next_event("notify")
    assert notify.data["unread"] == 2 and notify.data["withdrawn"] and notify.seq is None
    (item,) = (await ann.call("notifications.list"))["items"]
    assert item["count"] == 2 and fans[0].name not in [a["user"] for a in item["actors"]]


async def test_deleting_what_caused_a_notification_withdraws_it(users: Users) -> None:
    ann, bob = await users.new("nda"), await users.new("ndb")
    await befriend(ann, bob)
    await ann.call("notifications.read", {"all": True})
    mood = (await ann.call("mood.post", {"text": "会删掉"}))["mood"]
    said = await bob.call("comment.post", {"mood_id": mood["id"], "text": "评论一下"})
    await bob.call("like", {"mood_id": mood["id"]})
    entry = (await bob.call("guestbook.post", {"to": ann.name, "text": "留言"}))["entry"]
    assert (await ann.call("notifications.list"))["unread"] == 3
    await bob.call("comment.delete", {"comment_id": said["comment"]["id"]})
    await bob.call("guestbook.delete", {"entry_id": entry["id"]})
    assert _types(await ann.call("notifications.list")) == ["like", "friend.added"]
    await ann.call("mood.delete", {"mood_id": mood["id"]})
    listed = await ann.call("notifications.list")
    assert _types(listed) == ["friend.added"] and listed["unread"] == 0


async def test_every_tab_counts_the_same_and_reading_in_one_clears_all(users: Users) -> None:
    ann, bob = await users.new("nra"), await users.new("nrb")
    other_tab = await users.tab(ann)
    await bob.call("guestbook.post", {"to": ann.name, "text": "一"})
    await bob.call("gift.send", {"to": ann.name, "gift": "cake"})
    for tab in (ann, other_tab):
        assert [(await tab.next_event("notify")).data["unread"] for _ in range(2)] == [1, 2]
    first = (await ann.call("notifications.list"))["items"][0]
    assert await ann.call("notifications.read", {"ids": first["ids"]}) == {"unread": 1}
    for tab in (ann, other_tab):
        assert (await tab.next_event("notify")).data == {"unread": 1}
    await other_tab.call("notifications.read", {"all": True})
    for tab in (ann, other_tab):
        assert (await tab.next_event("notify")).data == {"unread": 0}
    assert all(item["read"] for item in (await ann.call("notifications.list"))["items"])


async def test_a_notification_about_a_post_no_longer_readable_is_left_out(
        users: Users) -> None:
    ann, bob, carl = await users.new("npa"), await users.new("npb"), await users.new("npc")
    for friend in (bob, carl):
        await befriend(ann, friend)
    mood = (await ann.call("mood.post", {"text": "朋友可见", "visibility": "friends"}))["mood"]
    first = await carl.call("comment.post", {"mood_id": mood["id"], "text": "我先"})
    await bob.call("comment.post", {"mood_id": mood["id"], "text": "回复你",
                                    "reply_to": first["comment"]["id"]})
    assert "reply" in _types(await carl.call("notifications.list"))
    await ann.call("friend.remove", {"user": carl.name})  # carl may read it no longer
    assert "reply" not in _types(await carl.call("notifications.list"))


async def test_reading_refuses_what_it_cannot_mean(users: Users) -> None:
    ann = await users.new("nxa")
    for data in [{}, {"ids": []}, {"ids": "1"}, {"all": "yes"}, {"ids": ["x"]},
                 {"ids": ["1"], "all": True}]:
        with pytest.raises(KjError) as refused:
            await ann.call("notifications.read", data)
        assert refused.value.code == "bad_request", data
    with pytest.raises(KjError):
        await ann.call("notifications.list", {"limit": 0})
    assert (await ann.call("notifications.list", {"limit": 5}))["next"] is None
