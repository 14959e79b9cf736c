"""Blogs (日志, issue #20) on both engines: writing, reading (which counts), listing,
changing and deleting one, each with its failure paths; and a blog travelling the same
spine as a mood — its audience, live events, feed entries, comments, likes,
notifications and the withdrawal of a deleted one from replays."""

from __future__ import annotations

from typing import Any

import pytest

from hub.client import Client, Event, KjError
from tests.harness import Users, befriend

BODY = "第一天\n\n到了杭州，<b>西湖</b>很美。\n第二天下雨。"


async def _refused(client: Client, op: str, data: dict[str, Any]) -> KjError:
    with pytest.raises(KjError) as refused:
        await client.call(op, data)
    return refused.value


async def _marker(client: Client, text: str = "marker") -> None:
    """A private mood of the client's own: once its event arrives, anything published to
    the client before it has arrived too (one user's events come in order)."""
    await client.call("mood.post", {"text": text, "visibility": "private"})
    assert (await client.next_event("mood")).data["mood"]["text"] == text


async def test_a_blog_is_written_read_counted_and_listed(users: Users) -> None:
    ann, bob = await users.new("bla"), await users.new("blb")
    await befriend(ann, bob)
    blog = (await ann.call("blog.post", {"title": " 杭州游记 ", "body": BODY,
                                         "category": "旅行", "visibility": "friends"}))["blog"]
    assert (blog["kind"], blog["title"], blog["category"], blog["body"], blog["reads"]) == (
        "blog", "杭州游记", "旅行", BODY, 0)
    assert blog["text"] == "第一天 到了杭州，<b>西湖</b>很美。 第二天下雨。"  # the summary
    live = await bob.next_event("blog")
    assert live.data["blog"]["id"] == blog["id"] and "body" not in live.data["blog"]
    assert live.data["blog"]["author_name"] and live.data["blog"]["likes"] == 0

    read = (await bob.call("blog.get", {"blog_id": blog["id"]}))["blog"]
    assert read["body"] == BODY and read["reads"] == 1  # plain text, kept as written
    assert (await bob.call("blog.get", {"blog_id": blog["id"]}))["blog"]["reads"] == 2
    assert (await ann.call("blog.get", {"blog_id": blog["id"]}))["blog"]["reads"] == 2  # own

    feed = (await bob.call("feed"))["items"]
    assert [(m["kind"], m["id"]) for m in feed if m["kind"] == "blog"] == [("blog", blog["id"])]
    await ann.call("mood.post", {"text": "说说不是日志"})
    second = (await ann.call("blog.post", {"title": "二", "body": "x"}))["blog"]
    listed = await bob.call("blog.list", {"user": ann.name})
    assert [b["id"] for b in listed["items"]] == [second["id"], blog["id"]]
    assert listed["next"] is None
    page = await bob.call("blog.list", {"user": ann.name, "limit": 1})
    assert [b["id"] for b in page["items"]] == [second["id"]] and page["next"] == second["id"]
    rest = await bob.call("blog.list", {"user": ann.name, "before": page["next"]})
    assert [b["id"] for b in rest["items"]] == [blog["id"]]
    in_space = (await bob.call("space.get", {"user": ann.name}))["moods"]
    assert {m["kind"] for m in in_space} == {"mood", "blog"}


async def test_bad_blogs_are_refused_with_a_clear_error(users: Users) -> None:
    ann = await users.new("blx")
    ok = {"title": "t", "body": "b"}
    for data in [{"body": "b"}, {"title": "t"}, {"title": "  ", "body": "b"},
                 {"title": 5, "body": "b"}, {**ok, "visibility": "everyone"},
                 {**ok, "category": 3}, {"title": "t", "body": "\u200b"}]:
        assert (await _refused(ann, "blog.post", data)).code == "bad_request", data
    for data in [{"title": "x" * 101, "body": "b"}, {"title": "t", "body": "x" * 20_001},
                 {**ok, "category": "x" * 21}]:
        assert (await _refused(ann, "blog.post", data)).code == "too_large", data
    assert (await _refused(ann, "blog.get", {"blog_id": "999999"})).code == "not_found"
    assert (await _refused(ann, "blog.get", {"blog_id": "abc"})).code == "bad_request"
    assert (await _refused(ann, "blog.list", {"user": "nobody_here"})).code == "not_found"
    mood = (await ann.call("mood.post", {"text": "说说"}))["mood"]
    # a mood is not a blog, nor a blog a mood
    assert (await _refused(ann, "blog.get", {"blog_id": mood["id"]})).code == "not_found"
    blog = (await ann.call("blog.post", ok))["blog"]
    assert (await _refused(ann, "mood.delete", {"mood_id": blog["id"]})).code == "not_found"
    assert (await _refused(ann, "comment.post", {"mood_id": blog["id"], "text": "?"})
            ).code == "not_found"
    assert (await ann.call("feed"))["items"][0]["id"] == blog["id"]  # nothing was lost


async def test_who_may_read_a_blog_follows_its_visibility(users: Users) -> None:
    ann, bob, eve = await users.new("blv"), await users.new("blw"), await users.new("bly")
    await befriend(ann, bob)
    secret = (await ann.call("blog.post", {"title": "私", "body": "只给自己",
                                           "visibility": "private"}))["blog"]
    friends = (await ann.call("blog.post", {"title": "友", "body": "给朋友"}))["blog"]
    public = (await ann.call("blog.post", {"title": "公", "body": "给大家",
                                           "visibility": "public"}))["blog"]
    assert (await bob.next_event("blog")).data["blog"]["id"] == friends["id"]
    assert (await bob.next_event("blog")).data["blog"]["id"] == public["id"]
    assert (await _refused(bob, "blog.get", {"blog_id": secret["id"]})).code == "not_found"
    assert (await _refused(eve, "blog.get", {"blog_id": friends["id"]})).code == "not_found"
    assert (await eve.call("blog.get", {"blog_id": public["id"]}))["blog"]["body"] == "给大家"
    assert [b["id"] for b in (await eve.call("blog.list", {"user": ann.name}))["items"]] == [
        public["id"]]
    assert [b["id"] for b in (await bob.call("blog.list", {"user": ann.name}))["items"]] == [
        public["id"], friends["id"]]
    await _marker(eve)  # no blog event reached the stranger
    assert not any(e.event == "blog" for e in eve.events_seen)


async def test_comments_likes_and_notifications_on_a_blog(users: Users) -> None:
    ann, bob = await users.new("blc"), await users.new("bld")
    await befriend(ann, bob)
    blog = (await ann.call("blog.post", {"title": "读后感", "body": "很长的正文"}))["blog"]
    await bob.next_event("blog")
    comment = (await bob.call("comment.post", {"blog_id": blog["id"], "text": "写得好"}))[
        "comment"]
    assert (comment["kind"], comment["blog_id"]) == ("blog", blog["id"])
    seen = await ann.next_event("comment")
    assert seen.data["comment"]["blog_id"] == blog["id"] and seen.data["owner"] == ann.name
    await bob.call("like", {"blog_id": blog["id"]})
    liked = await ann.next_event("like")
    assert (liked.data["blog_id"], liked.data["likes"]) == (blog["id"], 1)
    read = (await ann.call("blog.get", {"blog_id": blog["id"]}))["blog"]
    assert (read["likes"], read["comment_count"]) == (1, 1)
    assert read["comments"][0]["text"] == "写得好"
    items = (await ann.call("notifications.list"))["items"]
    assert {(i["type"], i.get("blog_id")) for i in items} >= {("comment", blog["id"]),
                                                               ("like", blog["id"])}
    users_liking = await bob.call("likes.list", {"blog_id": blog["id"]})
    assert [u["user"] for u in users_liking["users"]] == [bob.name]


async def test_a_blog_is_updated_live_and_a_narrower_visibility_withdraws_it(
        users: Users) -> None:
    ann, bob = await users.new("blu"), await users.new("blq")
    await befriend(ann, bob)
    blog = (await ann.call("blog.post", {"title": "初稿", "body": "一"}))["blog"]
    await bob.next_event("blog")
    changed = (await ann.call("blog.update", {"blog_id": blog["id"], "title": "定稿",
                                              "body": "二\n三"}))["blog"]
    assert (changed["title"], changed["body"], changed["text"]) == ("定稿", "二\n三", "二 三")
    assert changed["category"] == "" and changed["visibility"] == "friends"
    updated = await bob.next_event("blog.updated")
    assert (updated.data["blog"]["title"], updated.data["blog"]["text"]) == ("定稿", "二 三")
    assert (await bob.call("blog.get", {"blog_id": blog["id"]}))["blog"]["body"] == "二\n三"

    await ann.call("blog.update", {"blog_id": blog["id"], "visibility": "private"})
    gone = await bob.next_event("blog.deleted")
    assert gone.data == {"kind": "blog", "blog_id": blog["id"]}
    assert (await _refused(bob, "blog.get", {"blog_id": blog["id"]})).code == "not_found"
    assert (await bob.call("blog.list", {"user": ann.name}))["items"] == []
    assert (await ann.call("blog.list", {"user": ann.name}))["items"][0]["id"] == blog["id"]
    await ann.call("blog.update", {"blog_id": blog["id"], "visibility": "public"})
    assert (await bob.next_event("blog.updated")).data["blog"]["visibility"] == "public"
    assert [b["id"] for b in (await bob.call("blog.list", {"user": ann.name}))["items"]] == [
        blog["id"]]


async def test_changing_or_deleting_a_blog_is_the_authors_alone(users: Users) -> None:
    ann, bob = await users.new("blo"), await users.new("blp")
    await befriend(ann, bob)
    blog = (await ann.call("blog.post", {"title": "我的", "body": "正文"}))["blog"]
    for op, data in [("blog.update", {"blog_id": blog["id"], "title": "他的"}),
                     ("blog.delete", {"blog_id": blog["id"]})]:
        assert (await _refused(bob, op, data)).code == "forbidden"
    private = (await ann.call("blog.post", {"title": "私", "body": "x",
                                            "visibility": "private"}))["blog"]
    assert (await _refused(bob, "blog.delete", {"blog_id": private["id"]})).code == "not_found"
    for data in [{"blog_id": blog["id"]}, {"blog_id": blog["id"], "title": None},
                 {"blog_id": blog["id"], "colour": "red"},
                 {"blog_id": blog["id"], "title": ""}]:
        assert (await _refused(ann, "blog.update", data)).code == "bad_request", data
    assert (await _refused(ann, "blog.update", {"blog_id": blog["id"], "body": "x" * 20_001})
            ).code == "too_large"
    assert (await ann.call("blog.get", {"blog_id": blog["id"]}))["blog"]["title"] == "我的"
    await ann.call("blog.delete", {"blog_id": blog["id"]})
    assert (await bob.next_event("blog.deleted")).data["blog_id"] == blog["id"]
    for op, data in [("blog.delete", {"blog_id": blog["id"]}),
                     ("blog.update", {"blog_id": blog["id"], "title": "x"}),
                     ("blog.get", {"blog_id": blog["id"]}),
                     ("comment.post", {"blog_id": blog["id"], "text": "迟到"}),
                     ("like", {"blog_id": blog["id"]})]:
        assert (await _refused(ann, op, data)).code == "not_found", op


async def test_a_blog_deleted_while_a_friend_was_away_is_not_replayed(users: Users) -> None:
    ann, bob = await users.new("blr"), await users.new("bls")
    await befriend(ann, bob)
    since = bob.last_id
    await bob.close()
    gone = (await ann.call("blog.post", {"title": "秘密日志", "body": "马上删"}))["blog"]
    await ann.call("comment.post", {"blog_id": gone["id"], "text": "也是秘密"})
    await ann.call("blog.update", {"blog_id": gone["id"], "title": "秘密二稿"})
    await ann.call("blog.delete", {"blog_id": gone["id"]})
    back = await users.tab(bob, since=since)
    replayed: list[Event] = []
    while sum(e.event == "blog.deleted" for e in replayed) < 4:
        replayed.append(await back.next_event(timeout=5))
    assert [e.event for e in replayed if e.event.startswith(("blog", "comment"))] == [
        "blog.deleted"] * 4
    assert not any("秘密" in str(e.raw) for e in replayed)
