"""Special care (特别关心) and @mentions (issue #19), on both engines: a cared-for
friend's new mood, and being named with @, notify — only those the post reaches."""

from __future__ import annotations

from typing import Any

import pytest

from hub.client import Client, KjError
from tests.harness import Users, befriend


async def _types(client: Client) -> list[str]:
    return [item["type"] for item in (await client.call("notifications.list"))["items"]]


async def _item(client: Client, kind: str) -> dict[str, Any]:
    items = (await client.call("notifications.list"))["items"]
    return next(item for item in items if item["type"] == kind)


async def test_a_cared_for_friends_new_mood_notifies(users: Users) -> None:
    ann, bob = await users.new("cra"), await users.new("crb")
    await befriend(ann, bob)
    assert await ann.call("care.set", {"user": bob.name, "on": True}) == {
        "user": bob.name, "care": True}
    assert [c["user"] for c in (await ann.call("care.list"))["care"]] == [bob.name]
    mood = (await bob.call("mood.post", {"text": "想你们了"}))["mood"]
    care = await _item(ann, "care")
    assert care["mood_id"] == mood["id"] and care["actors"][0]["user"] == bob.name
    await bob.call("mood.post", {"text": "只给自己", "visibility": "private"})
    assert (await _types(ann)).count("care") == 1  # a mood she may not read: nothing
    await ann.call("care.set", {"user": bob.name, "on": False})
    await bob.call("mood.post", {"text": "又一条"})
    assert (await _types(ann)).count("care") == 1
    for data, code in [({"user": "nobody_x", "on": True}, "bad_request"),
                       ({"user": bob.name}, "bad_request")]:
        with pytest.raises(KjError) as refused:
            await ann.call("care.set", data)
        assert refused.value.code == code
    stranger = await users.new("crs")
    with pytest.raises(KjError, match="special care is for friends"):
        await ann.call("care.set", {"user": stranger.name, "on": True})


async def test_a_mention_notifies_whom_it_names_if_they_may_read_the_post(
        users: Users) -> None:
    ann, bob, cat, eve = [await users.new(p) for p in ("mna", "mnb", "mnc", "mne")]
    await befriend(ann, bob)
    mood = (await ann.call("mood.post", {"text": f"@{bob.name} @{eve.name} 看这个",
                                         "visibility": "friends"}))["mood"]
    mention = await _item(bob, "mention")
    assert mention["mood_id"] == mood["id"] and mention["actors"][0]["user"] == ann.name
    assert "mention" not in await _types(eve)  # not her friend: she may not read it
    public = (await ann.call("mood.post", {"text": f"公开 @{eve.name}",
                                           "visibility": "public"}))["mood"]
    assert (await _item(eve, "mention"))["mood_id"] == public["id"]
    said = await bob.call("comment.post", {"mood_id": public["id"],
                                           "text": f"@{cat.name} 你也来"})
    item = await _item(cat, "mention")
    assert item["comment_id"] == said["comment"]["id"]
    await bob.call("comment.delete", {"comment_id": said["comment"]["id"]})
    assert "mention" not in await _types(cat)  # withdrawn with the comment

