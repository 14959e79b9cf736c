"""Comment threads that outlive a redraw: a reply's "A 回复 B" label after a reload,
and a comment being typed when the card under it is redrawn (the feed or a space page
refetched) or taken away (its author unfriended you)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Kit, skip_without_chromium
from tests.e2e.helpers import clear_toasts, feed_loaded, mood

pytestmark = [pytest.mark.e2e, skip_without_chromium]

NO_LONGER_VISIBLE = "你在评论的说说已不可见 The mood you were commenting on is no longer visible"


@pytest.mark.parametrize("path", ["feed", "space"])
def test_a_replys_label_survives_a_reload(kj: Kit, path: str) -> None:
    """A replies to B's comment; B's tab shows "作者 Author 回复 读者 Reader" live, and
    still after a reload, where the thread is drawn from `feed` / `space.get`."""
    a, b = kj.user("a", display_name="作者 Author"), kj.user("b", display_name="读者 Reader")
    kj.befriend(a, b)
    mood_id = kj.api.op(a, "mood.post", {"text": "楼主 first post"})["mood"]["id"]
    first = kj.api.op(b, "comment.post", {"mood_id": mood_id, "text": "沙发 first!"})["comment"]
    page = kj.page(b, "/#/feed" if path == "feed" else f"/#/space/{a.name}")
    expect(mood(page, mood_id).get_by_test_id("comment")).to_have_count(1)
    kj.api.op(a, "comment.post", {"mood_id": mood_id, "text": "谢谢 thanks",
                                  "reply_to": first["id"]})
    for when in ("live", "after a reload"):
        if when != "live":
            page.reload()
        reply = mood(page, mood_id).get_by_test_id("comment").filter(has_text="谢谢 thanks")
        expect(reply).to_have_class(re.compile(r"\bcomment-reply\b"))
        expect(reply.get_by_test_id("comment-reply-to")).to_contain_text("读者 Reader")
        expect(mood(page, mood_id).get_by_test_id("comment-reply-to")).to_have_count(1)


def test_unfriended_while_typing_a_comment_in_the_feed(kj: Kit) -> None:
    """B is typing on A's friends-only mood (and on C's) when A unfriends B: A's card
    goes, with a word about the half-written comment; the feed is refetched and the
    comment B is typing on C's mood is still there, reply target and all."""
    a, b = kj.user("a"), kj.user("b")
    c = kj.user("c", display_name="丙 Carol")
    kj.befriend(a, b)
    kj.befriend(c, b)
    a_mood = kj.api.op(a, "mood.post", {"text": "只给好友 friends only",
                                        "visibility": "friends"})["mood"]["id"]
    c_mood = kj.api.op(c, "mood.post", {"text": "丙的说说"})["mood"]["id"]
    kj.api.op(c, "comment.post", {"mood_id": c_mood, "text": "自己先评"})
    pb = kj.page(b)
    feed_loaded(pb)
    c_card = mood(pb, c_mood)
    c_card.get_by_test_id("reply-btn").click()
    c_card.get_by_test_id("comment-input").fill("还在写给丙 still typing")
    mood(pb, a_mood).get_by_test_id("comment-input").fill("写到一半 half-written")
    clear_toasts(pb)

    kj.api.op(a, "friend.remove", {"user": b.name})
    expect(mood(pb, a_mood)).to_have_count(0)
    expect(pb.get_by_test_id("toast").filter(has_text=NO_LONGER_VISIBLE)).to_be_visible()
    c_card = mood(pb, c_mood)
    expect(c_card.get_by_test_id("comment-input")).to_have_value("还在写给丙 still typing")
    expect(c_card.get_by_test_id("reply-target")).to_contain_text("丙 Carol")
    c_card.get_by_test_id("comment-submit").click()
    posted = c_card.get_by_test_id("comment").filter(has_text="还在写给丙 still typing")
    expect(posted.get_by_test_id("comment-reply-to")).to_contain_text("丙 Carol")


def test_unfriended_while_typing_on_their_space(kj: Kit) -> None:
    """The same on A's space page, which reloads when the friendship ends: the
    friends-only mood goes with a word; a guestbook message being written stays."""
    a, b = kj.user("a"), kj.user("b")
    kj.befriend(a, b)
    a_mood = kj.api.op(a, "mood.post", {"text": "只给好友 friends only",
                                        "visibility": "friends"})["mood"]["id"]
    kj.api.op(a, "mood.post", {"text": "大家好 for everyone", "visibility": "public"})
    pb = kj.page(b, f"/#/space/{a.name}")
    mood(pb, a_mood).get_by_test_id("comment-input").fill("写到一半 half-written")
    pb.get_by_test_id("guestbook-input").fill("留言写了一半 a message")
    clear_toasts(pb)

    kj.api.op(a, "friend.remove", {"user": b.name})
    expect(pb.get_by_test_id("space-add-friend")).to_have_attribute("data-status", "none")
    expect(mood(pb, a_mood)).to_have_count(0)
    expect(mood(pb, text="大家好 for everyone")).to_be_visible()
    expect(pb.get_by_test_id("toast").filter(has_text=NO_LONGER_VISIBLE)).to_be_visible()
    expect(pb.get_by_test_id("guestbook-input")).to_have_value("留言写了一半 a message")
