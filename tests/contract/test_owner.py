"""The owner's say (issue #19), on both engines: space settings, and the blacklist
— what each allows is hub.policy's rule, and every refusal says why."""

from __future__ import annotations

from typing import Any

import pytest

from hub.client import Client, KjError
from tests.harness import Users, befriend


async def _refused(client: Client, op: str, data: dict[str, Any]) -> KjError:
    with pytest.raises(KjError) as refused:
        await client.call(op, data)
    return refused.value


async def test_settings_have_defaults_change_and_refuse_what_they_do_not_know(
        users: Users) -> None:
    ann = await users.new("set")
    defaults = {"space": "everyone", "guestbook": "everyone", "visitors": "everyone",
                "comments": "everyone", "record_visits": True}
    assert await ann.call("settings.get") == {"settings": defaults}
    changed = await ann.call("settings.update", {"guestbook": "friends",
                                                 "record_visits": False})
    assert changed == {"settings": {**defaults, "guestbook": "friends",
                                    "record_visits": False}}
    assert await ann.call("settings.get") == changed  # kept
    for data, words in [({"skin": "x"}, "unknown setting"),
                        ({"space": "public"}, "'space' must be one of"),
                        ({"record_visits": "no"}, "'record_visits' must be one of"),
                        ({}, "name at least one setting")]:
        error = await _refused(ann, "settings.update", data)
        assert error.code == "bad_request" and words in error.message, data
    assert await ann.call("settings.get") == changed  # nothing refused was kept


async def test_the_guestbook_and_comment_settings_are_enforced(users: Users) -> None:
    ann, pal, stranger = await users.new("own"), await users.new("pal"), await users.new("str")
    await befriend(ann, pal)
    mood = (await ann.call("mood.post", {"text": "公开的", "visibility": "public"}))["mood"]
    await ann.call("settings.update", {"guestbook": "friends", "comments": "friends"})
    error = await _refused(stranger, "guestbook.post", {"to": ann.name, "text": "你好"})
    assert error.code == "forbidden" and f"only friends may write in {ann.name}'s" in error.message
    for op, data in [("comment.post", {"mood_id": mood["id"], "text": "路过"}),
                     ("like", {"mood_id": mood["id"]})]:
        error = await _refused(stranger, op, data)
        assert error.code == "forbidden" and "only" in error.message and "friends" in error.message
    await pal.call("guestbook.post", {"to": ann.name, "text": "好友可以"})
    await pal.call("comment.post", {"mood_id": mood["id"], "text": "好友评论"})
    await ann.call("settings.update", {"guestbook": "nobody"})
    error = await _refused(pal, "guestbook.post", {"to": ann.name, "text": "现在不行"})
    assert "only no one may write" in error.message
    await ann.call("guestbook.post", {"to": ann.name, "text": "主人自己可以"})
    entries = (await ann.call("space.get", {"user": ann.name}))["guestbook"]
    assert [e["text"] for e in entries] == ["主人自己可以", "好友可以"]


async def test_a_block_ends_the_friendship_and_every_way_in(users: Users) -> None:
    ann, bob = await users.new("blk"), await users.new("bob")
    await befriend(ann, bob)
    mood = (await ann.call("mood.post", {"text": "公开", "visibility": "public"}))["mood"]
    await bob.next_event("mood")
    assert await ann.call("block.set", {"user": bob.name, "on": True}) == {
        "user": bob.name, "blocked": True}
    for who in (ann, bob):
        assert (await who.next_event("friend.removed")).data["users"] == sorted(
            [ann.name, bob.name])
    assert (await ann.call("friends.list"))["friends"] == []
    listed = (await ann.call("blocks.list"))["blocks"]
    assert [b["user"] for b in listed] == [bob.name] and "display_name" in listed[0]
    for op, data in [("comment.post", {"mood_id": mood["id"], "text": "?"}),
                     ("like", {"mood_id": mood["id"]}),
                     ("guestbook.post", {"to": ann.name, "text": "?"}),
                     ("gift.send", {"to": ann.name, "gift": "rose"}),
                     ("friend.request", {"to": ann.name})]:
        error = await _refused(bob, op, data)
        assert error.code == "forbidden" and "blocked" in error.message, op
    # either way: the one who blocked cannot reach the blocked one either
    error = await _refused(ann, "friend.request", {"to": bob.name})
    assert error.code == "forbidden"
    # her posts stop reaching him: he is no friend now
    await ann.call("mood.post", {"text": "好友可见", "visibility": "friends"})
    # his own marker comes down his live channel after anything her mood sent him
    await bob.call("mood.post", {"text": "marker", "visibility": "private"})
    assert (await bob.next_event("mood")).data["mood"]["text"] == "marker"
    # unblocked: he may write again (as anyone may), though they are friends no more
    await ann.call("block.set", {"user": bob.name, "on": False})
    assert (await ann.call("blocks.list"))["blocks"] == []
    await bob.call("guestbook.post", {"to": ann.name, "text": "解除了"})


async def test_block_set_refuses_bad_input(users: Users) -> None:
    ann = await users.new("bad")
    for data, code in [({"user": ann.name, "on": True}, "bad_request"),
                       ({"user": "nobody_here", "on": True}, "not_found"),
                       ({"user": ann.name}, "bad_request"),
                       ({"user": "x", "on": True}, "bad_request"),
                       ({"user": ann.name, "on": "yes"}, "bad_request")]:
        assert (await _refused(ann, "block.set", data)).code == code, data


async def test_who_may_enter_a_space_see_its_visitors_and_be_recorded(users: Users) -> None:
    ann, pal, stranger = await users.new("spc"), await users.new("spp"), await users.new("sps")
    await befriend(ann, pal)
    mood = (await ann.call("mood.post", {"text": "公开", "visibility": "public"}))["mood"]
    first = await pal.call("space.get", {"user": ann.name})
    assert first["visits"] == {"today": 1, "total": 1} and first["visitors_shown"] is True
    await pal.call("space.get", {"user": ann.name})  # a reload counts no second visit
    own = await ann.call("space.get", {"user": ann.name})
    assert own["visits"] == {"today": 1, "total": 1}
    assert [v["user"] for v in own["visitors"]] == [pal.name]
    # friends only: the stranger is refused, saying why; the friend still enters
    await ann.call("settings.update", {"space": "friends", "visitors": "me"})
    error = await _refused(stranger, "space.get", {"user": ann.name})
    assert error.code == "forbidden" and "open to friends only" in error.message
    error = await _refused(stranger, "comment.post", {"mood_id": mood["id"], "text": "?"})
    assert error.code == "not_found"  # a closed space's posts are not there for them
    seen = await pal.call("space.get", {"user": ann.name})
    assert seen["visitors"] == [] and seen["visitors_shown"] is False
    assert [v["user"] for v in (await ann.call("space.get", {"user": ann.name}))["visitors"]]
    # for herself alone: her friend neither enters nor finds her moods in his feed
    await ann.call("settings.update", {"space": "me"})
    error = await _refused(pal, "space.get", {"user": ann.name})
    assert "open to no one but its owner" in error.message
    assert mood["id"] not in [m["id"] for m in (await pal.call("feed"))["items"]]
    # a visitor who keeps no record of their visits leaves none
    await ann.call("settings.update", {"space": "everyone", "record_visits": False})
    await pal.call("settings.update", {"record_visits": False})
    await stranger.call("space.get", {"user": ann.name})
    await pal.call("space.get", {"user": pal.name})
    quiet = await ann.call("space.get", {"user": pal.name})  # ann keeps none either
    assert quiet["visits"] == {"today": 0, "total": 0}
    counted = await ann.call("space.get", {"user": ann.name})
    assert counted["visits"] == {"today": 2, "total": 2}  # pal before, the stranger now
    # blocked: no way in
    await ann.call("block.set", {"user": stranger.name, "on": True})
    error = await _refused(stranger, "space.get", {"user": ann.name})
    assert error.code == "forbidden" and "blocked" in error.message
