"""likes.list (issue #19, "who liked"): the users who like a post, for whoever may read
it, on both engines; a post you may not read is not found."""

from __future__ import annotations

import pytest

from hub.client import KjError
from tests.harness import Users, befriend


async def test_who_likes_a_post_for_whoever_may_read_it(users: Users) -> None:
    ann, bob, cat, eve = [await users.new(p) for p in ("lla", "llb", "llc", "lle")]
    for friend in (bob, cat):
        await befriend(ann, friend)
    public = (await ann.call("mood.post", {"text": "看这里", "visibility": "public"}))["mood"]
    closed = (await ann.call("mood.post", {"text": "朋友看", "visibility": "friends"}))["mood"]
    for who in (cat, bob, eve):
        await who.call("like", {"mood_id": public["id"]})
    await bob.call("like", {"mood_id": closed["id"]})
    listed = await eve.call("likes.list", {"mood_id": public["id"]})
    assert [u["user"] for u in listed["users"]] == sorted([bob.name, cat.name, eve.name])
    assert listed["likes"] == 3 and listed["users"][0]["display_name"]
    short = await ann.call("likes.list", {"mood_id": public["id"], "limit": 1})
    assert len(short["users"]) == 1 and short["likes"] == 3
    assert [u["user"] for u in (await cat.call("likes.list", {"mood_id": closed["id"]}))
            ["users"]] == [bob.name]
    for data, code in [({"mood_id": closed["id"]}, "not_found"),  # eve may not read it
                       ({"mood_id": "999999"}, "not_found"), ({}, "bad_request"),
                       ({"mood_id": public["id"], "limit": 0}, "bad_request")]:
        with pytest.raises(KjError) as refused:
            await eve.call("likes.list", data)
        assert refused.value.code == code, data
