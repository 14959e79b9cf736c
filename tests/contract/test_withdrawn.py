"""A mood posted and deleted while a friend was away is not sent to that friend when
they resume: its frames (and those of its comments and likes) come as `mood.deleted`,
at their own seqs, so the resume stays contiguous. Tabs that were live saw it live."""

from __future__ import annotations

from hub.client import Event
from tests.harness import Users, befriend

SECRET = "发错了，马上删"


async def test_a_mood_deleted_while_a_friend_was_away_is_not_replayed(users: Users) -> None:
    ann, bob = await users.new("ann"), await users.new("bob")
    await befriend(ann, bob)
    since = bob.last_id
    await bob.close()
    kept = (await ann.call("mood.post", {"text": "留下的"}))["mood"]
    gone = (await ann.call("mood.post", {"text": SECRET}))["mood"]
    await ann.call("comment.post", {"mood_id": gone["id"], "text": "也是秘密"})
    await ann.call("like", {"mood_id": gone["id"]})
    await ann.call("mood.delete", {"mood_id": gone["id"]})
    live = [await ann.next_event("mood") for _ in range(2)]  # ann's tab saw it live
    assert live[1].data["mood"]["text"] == SECRET

    back = await users.tab(bob, since=since)
    assert back.hello["gap"] is False
    replayed: list[Event] = []
    while sum(e.event == "mood.deleted" for e in replayed) < 4:
        replayed.append(await back.next_event(timeout=5))
    about = [e for e in replayed if e.event in ("mood", "comment", "like", "mood.deleted")]
    assert [(e.event, e.data.get("mood", {}).get("id") or e.data.get("mood_id"))
            for e in about] == [("mood", kept["id"])] + [("mood.deleted", gone["id"])] * 4
    seqs = [e.seq for e in replayed]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # contiguous, none skipped
    assert not any(SECRET in str(e.raw) or "也是秘密" in str(e.raw) for e in replayed)

    # Its ids still resume: from the id of a withdrawn frame, the rest follows.
    again = await users.tab(bob, since=about[1].id)
    assert again.hello["gap"] is False
    assert (await again.next_event(timeout=5)).seq == about[1].seq + 1
