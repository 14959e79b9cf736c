"""Friend groups (分组, issue #19) on both engines: managing them, and a mood for some of
them reaching — live, in feeds, in the space, for comments — exactly the author's
friends in those groups; later membership changes rule what is read from then on."""

from __future__ import annotations

from typing import Any

import pytest

from hub.client import Client, KjError
from tests.harness import Users, befriend


async def _refused(client: Client, op: str, data: dict[str, Any]) -> KjError:
    with pytest.raises(KjError) as refused:
        await client.call(op, data)
    return refused.value


async def _feed_ids(client: Client) -> list[str]:
    return [m["id"] for m in (await client.call("feed"))["items"]]


async def test_groups_are_made_listed_and_deleted_and_refuse_what_they_cannot_hold(
        users: Users) -> None:
    ann, bob, eve = await users.new("gma"), await users.new("gmb"), await users.new("gme")
    await befriend(ann, bob)
    made = await ann.call("group.set", {"name": " 同学 ", "members": [bob.name, bob.name]})
    assert made == {"group": {"name": "同学", "members": [bob.name]}}
    await ann.call("group.set", {"name": "空组", "members": []})
    listed = (await ann.call("groups.list"))["groups"]
    assert [(g["name"], [m["user"] for m in g["members"]]) for g in listed] == [
        ("同学", [bob.name]), ("空组", [])]
    assert listed[0]["members"][0]["display_name"]
    error = await _refused(ann, "group.set", {"name": "同事", "members": [eve.name]})
    assert error.code == "bad_request" and eve.name in error.message  # not a friend
    for data in [{"name": "", "members": []}, {"name": "同学"}, {"name": "同学", "members": "bob"},
                 {"name": "\u202e", "members": []}]:
        assert (await _refused(ann, "group.set", data)).code == "bad_request", data
    too_long = await _refused(ann, "group.set", {"name": "x" * 21, "members": []})
    assert too_long.code == "too_large"
    await ann.call("group.delete", {"name": "空组"})
    assert (await _refused(ann, "group.delete", {"name": "空组"})).code == "not_found"
    error = await _refused(ann, "mood.post", {"text": "?", "visibility": {"groups": ["空组"]}})
    assert error.code == "bad_request" and "no group named 空组" in error.message


async def test_a_mood_for_a_group_reaches_exactly_its_members_who_are_friends(
        users: Users) -> None:
    ann, bob, cat, dan = [await users.new(p) for p in ("gpa", "gpb", "gpc", "gpd")]
    for friend in (bob, cat, dan):
        await befriend(ann, friend)
    await ann.call("group.set", {"name": "同学", "members": [bob.name]})
    await ann.call("group.set", {"name": "家人", "members": [cat.name]})
    mood = (await ann.call("mood.post", {"text": "同学聚会", "visibility": {"groups": ["同学"]}}
                           ))["mood"]
    assert mood["visibility"] == {"groups": ["同学"]}
    got = await bob.next_event("mood")
    assert got.data["mood"]["id"] == mood["id"]
    for other in (cat, dan):  # their own marker arrives; the group mood never did
        await other.call("mood.post", {"text": "marker", "visibility": "private"})
        assert (await other.next_event("mood")).data["mood"]["text"] == "marker"
    assert mood["id"] in await _feed_ids(bob) and mood["id"] in await _feed_ids(ann)
    assert mood["id"] not in await _feed_ids(cat)
    in_space = [m["id"] for m in (await bob.call("space.get", {"user": ann.name}))["moods"]]
    assert mood["id"] in in_space
    assert mood["id"] not in [m["id"] for m in (await dan.call("space.get", {"user": ann.name}))
                              ["moods"]]
    assert (await _refused(cat, "comment.post", {"mood_id": mood["id"], "text": "?"})
            ).code == "not_found"
    await bob.call("comment.post", {"mood_id": mood["id"], "text": "一定来"})
    assert (await ann.next_event("comment")).data["comment"]["text"] == "一定来"
    await cat.call("mood.post", {"text": "marker 2", "visibility": "private"})
    assert (await cat.next_event("mood")).data["mood"]["text"] == "marker 2"  # no comment

    # Membership is read again whenever the mood is: moving bob out and cat in changes
    # who reads it from now on (what was delivered live stays delivered).
    await ann.call("group.set", {"name": "同学", "members": [cat.name]})
    assert mood["id"] not in await _feed_ids(bob)
    assert mood["id"] in await _feed_ids(cat)
    assert (await _refused(bob, "like", {"mood_id": mood["id"]})).code == "not_found"


async def test_an_ex_friend_in_a_group_is_reached_no_more(users: Users) -> None:
    ann, bob = await users.new("gxa"), await users.new("gxb")
    await befriend(ann, bob)
    await ann.call("group.set", {"name": "死党", "members": [bob.name]})
    await ann.call("friend.remove", {"user": bob.name})
    mood = (await ann.call("mood.post", {"text": "还在组里", "visibility": {"groups": ["死党"]}}
                           ))["mood"]
    await bob.call("mood.post", {"text": "marker", "visibility": "private"})
    assert (await bob.next_event("mood")).data["mood"]["text"] == "marker"
    assert mood["id"] not in await _feed_ids(bob)
