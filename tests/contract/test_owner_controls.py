"""The owner's say over what others left in their space (issue #19), on both engines:
deleting a comment or a guestbook entry (by its author or the owner), the owner's reply,
private entries — live in every open view, withdrawn from replays, and refused clearly."""

from __future__ import annotations

from typing import Any

import pytest

from hub.client import Client, KjError
from tests.harness import Users, befriend


async def _refused(client: Client, op: str, data: dict[str, Any]) -> KjError:
    with pytest.raises(KjError) as refused:
        await client.call(op, data)
    return refused.value


async def test_the_owner_or_the_author_deletes_a_comment_live_everywhere(
        users: Users) -> None:
    ann, pal, stranger = await users.new("own"), await users.new("pal"), await users.new("str")
    await befriend(ann, pal)
    mood = (await ann.call("mood.post", {"text": "公开", "visibility": "public"}))["mood"]
    spam = (await stranger.call("comment.post", {"mood_id": mood["id"], "text": "加V"}))
    mine = (await pal.call("comment.post", {"mood_id": mood["id"], "text": "我的评论"}))
    other = (await pal.call("comment.post", {"mood_id": mood["id"], "text": "留着"}))
    for who in (ann, pal):
        await who.next_event("comment", where=lambda e: e.data["comment"]["id"]
                             == other["comment"]["id"])
    # a stranger may not delete someone else's comment; nobody deletes a missing one
    error = await _refused(stranger, "comment.delete", {"comment_id": mine["comment"]["id"]})
    assert error.code == "forbidden" and "author or the post's owner" in error.message
    assert (await _refused(pal, "comment.delete", {"comment_id": "999999"})).code == "not_found"
    assert (await _refused(pal, "comment.delete", {})).code == "bad_request"
    await ann.call("comment.delete", {"comment_id": spam["comment"]["id"]})  # the owner
    await pal.call("comment.delete", {"comment_id": mine["comment"]["id"]})  # the author
    for who in (ann, pal):
        gone = [await who.next_event("comment.deleted") for _ in range(2)]
        assert {e.data["comment_id"] for e in gone} == {spam["comment"]["id"],
                                                         mine["comment"]["id"]}
        assert gone[0].data["mood_id"] == mood["id"] and gone[0].data["owner"] == ann.name
    # the author of a deleted comment hears of it even as a stranger
    deleted = await stranger.next_event("comment.deleted")
    assert deleted.data["comment_id"] == spam["comment"]["id"]
    feed = (await ann.call("feed"))["items"][0]
    assert [c["text"] for c in feed["comments"]] == ["留着"] and feed["comment_count"] == 1
    assert (await _refused(ann, "comment.delete",
                           {"comment_id": mine["comment"]["id"]})).code == "not_found"


async def test_a_comment_deleted_while_away_is_not_replayed(users: Users) -> None:
    ann, pal = await users.new("rpa"), await users.new("rpb")
    await befriend(ann, pal)
    mood = (await ann.call("mood.post", {"text": "在吗"}))["mood"]
    await pal.next_event("mood")
    since = pal.last_id
    await pal.close()
    said = await ann.call("comment.post", {"mood_id": mood["id"], "text": "说错了的话"})
    await ann.call("comment.delete", {"comment_id": said["comment"]["id"]})
    back = await Client.connect(users.url, pal.token, since=since)
    users.clients.append(back)
    first, second = await back.next_event(), await back.next_event()
    assert [first.event, second.event] == ["comment.deleted", "comment.deleted"]
    assert "说错了的话" not in str(first.raw) and first.seq is not None


async def test_private_entries_replies_and_deletion(users: Users) -> None:
    ann, bob, eve = await users.new("gbo"), await users.new("gbb"), await users.new("gbe")
    whisper = (await bob.call("guestbook.post", {"to": ann.name, "text": "悄悄话",
                                                 "private": True}))["entry"]
    assert whisper["private"] is True and whisper["reply"] is None
    public = (await eve.call("guestbook.post", {"to": ann.name, "text": "公开留言"}))["entry"]
    seen = {name: [e["text"] for e in (await who.call("space.get", {"user": ann.name}))
                   ["guestbook"]] for name, who in (("ann", ann), ("bob", bob), ("eve", eve))}
    assert seen == {"ann": ["公开留言", "悄悄话"], "bob": ["公开留言", "悄悄话"],
                    "eve": ["公开留言"]}
    # only the owner replies; a private entry is "not found" for everyone else
    assert (await _refused(eve, "guestbook.reply", {"entry_id": public["id"], "text": "?"})
            ).code == "forbidden"
    assert (await _refused(eve, "guestbook.delete", {"entry_id": whisper["id"]})
            ).code == "not_found"
    replied = await ann.call("guestbook.reply", {"entry_id": whisper["id"], "text": "收到"})
    assert replied["entry"]["reply"]["text"] == "收到"
    assert (await bob.next_event("guestbook.reply")).data["entry"]["reply"]["text"] == "收到"
    entries = (await bob.call("space.get", {"user": ann.name}))["guestbook"]
    assert entries[1]["reply"]["text"] == "收到" and entries[1]["private"] is True
    # the owner deletes a stranger's entry: gone from the author's open page too
    await ann.call("guestbook.delete", {"entry_id": public["id"]})
    gone = await eve.next_event("guestbook.deleted")
    assert gone.data == {"entry_id": public["id"], "owner": ann.name}
    await bob.call("guestbook.delete", {"entry_id": whisper["id"]})  # its author may too
    assert (await ann.call("space.get", {"user": ann.name}))["guestbook"] == []
    for data, code in [({"entry_id": whisper["id"]}, "not_found"), ({}, "bad_request")]:
        assert (await _refused(ann, "guestbook.delete", data)).code == code
    assert (await _refused(ann, "guestbook.reply", {"entry_id": public["id"], "text": " "})
            ).code == "bad_request"
    assert (await _refused(bob, "guestbook.post", {"to": ann.name, "text": "x",
                                                   "private": "yes"})).code == "bad_request"
