"""People as they look: friend search by display name, visitors shown by name and head
portrait, a new name or portrait reaching friends' open pages at once, and the sender
of a declined friend request being told."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Kit, skip_without_chromium
from tests.e2e.helpers import by_user, feed_loaded, mood

pytestmark = [pytest.mark.e2e, skip_without_chromium]


def search(page: Page, text: str) -> None:
    page.get_by_test_id("friend-search-input").fill(text)
    page.get_by_test_id("friend-search-submit").click()


def test_friend_search_finds_display_names(kj: Kit) -> None:
    """"林晓" finds the user whose display name starts with it; an ASCII display name
    is found whatever the case typed; usernames are found as before."""
    a = kj.user("a")
    lin = kj.user("lx", display_name=f"林晓 {a.name}")
    latin = kj.user("zz", display_name=f"Mei{a.name}")
    page = kj.page(a, "/#/friends")
    results = page.get_by_test_id("search-results")

    search(page, "林晓")
    expect(by_user(page, "search-result", lin.name)).to_contain_text(f"林晓 {a.name}")
    expect(by_user(page, "search-result", lin.name)).to_contain_text(f"@{lin.name}")

    search(page, f"MEI{a.name}"[:20].upper())
    expect(by_user(page, "search-result", latin.name)).to_contain_text(f"Mei{a.name}")
    expect(results.get_by_test_id("search-result")).to_have_count(1)

    search(page, lin.name)
    expect(by_user(page, "search-result", lin.name)).to_be_visible()
    by_user(page, "search-result", lin.name).get_by_test_id("friend-add").click()
    expect(by_user(page, "friend-pending", lin.name)).to_be_visible()


def test_a_visit_is_shown_with_the_visitors_name_and_portrait(kj: Kit) -> None:
    """B (never seen by A's tab before) opens A's space from elsewhere: the live visitor
    entry and the notification say B's display name, with B's head portrait."""
    a, b = kj.user("a"), kj.user("b", display_name="访客小王 Wang")
    kj.api.op(b, "space.update", {"head_portrait": "panda"})
    pa = kj.page(a, "/#/space/me")
    expect(pa.get_by_test_id("visitors-empty")).to_be_visible()
    kj.api.op(b, "space.get", {"user": a.name})

    visitor = by_user(pa, "visitor", b.name)
    expect(visitor).to_contain_text("访客小王 Wang")
    expect(visitor.locator(".portrait")).to_have_attribute("data-portrait", "panda")
    pa.get_by_test_id("nav-notify").click()
    notice = pa.locator("[data-testid=notify-item][data-kind=visit]")
    expect(notice).to_contain_text("访客小王 Wang")
    expect(notice).to_contain_text(f"@{b.name}")


def test_a_new_name_and_portrait_reach_open_pages(kj: Kit) -> None:
    """A renames and changes head portrait: B's open feed (the mood card, A's comment,
    the online list), B's other tab on A's space, and A's own other tab all show the new
    ones without a reload; so does B's friends page, opened after."""
    a, b = kj.user("a", display_name="旧名 Old"), kj.user("b")
    kj.befriend(a, b)
    mood_id = kj.api.op(a, "mood.post", {"text": "看我的新头像"})["mood"]["id"]
    kj.api.op(a, "comment.post", {"mood_id": mood_id, "text": "自己先评论"})
    pa = kj.page(a)
    feed = kj.page(b)
    feed_loaded(feed)
    space = kj.page(b, f"/#/space/{a.name}", context=feed.context)
    card = mood(feed, mood_id)
    expect(card.locator(".mood-author")).to_have_text("旧名 Old")
    expect(space.get_by_test_id("space-name")).to_have_text("旧名 Old")

    kj.api.op(a, "space.update", {"display_name": "新名 New", "head_portrait": "tiger"})
    expect(card.locator(".mood-author")).to_have_text("新名 New")
    expect(card.locator(".mood-head .portrait")).to_have_attribute("data-portrait", "tiger")
    expect(card.get_by_test_id("comment").locator(".comment-author")).to_have_text("新名 New")
    expect(by_user(feed, "online-friend", a.name)).to_contain_text("新名 New")
    expect(space.get_by_test_id("space-name")).to_have_text("新名 New")
    expect(space.get_by_test_id("space-portrait")).to_have_attribute("data-portrait", "tiger")
    expect(mood(space, mood_id).locator(".mood-author")).to_have_text("新名 New")
    expect(pa.get_by_test_id("my-name")).to_have_text("新名 New")
    expect(pa.get_by_test_id("topbar-me")).to_contain_text("新名 New")
    expect(pa.get_by_test_id("me-card").locator(".portrait")).to_have_attribute(
        "data-portrait", "tiger")

    feed.get_by_test_id("nav-friends").click()
    friend = by_user(feed, "friend", a.name)
    expect(friend).to_contain_text("新名 New")
    expect(friend.locator(".portrait")).to_have_attribute("data-portrait", "tiger")


def test_the_sender_is_told_of_a_declined_request(kj: Kit) -> None:
    """C asks A; A declines (from elsewhere): C's open tab says so and the request
    leaves C's pending list."""
    a, c = kj.user("a", display_name="甲 Jia"), kj.user("c")
    pc = kj.page(c, "/#/friends")
    search(pc, a.name)
    by_user(pc, "search-result", a.name).get_by_test_id("friend-add").click()
    expect(by_user(pc, "friend-pending", a.name)).to_be_visible()

    kj.api.op(a, "friend.decline", {"from": c.name})
    notice = pc.get_by_test_id("toast").filter(has_text="declined your friend request")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("甲 Jia")
    expect(by_user(pc, "friend-pending", a.name)).to_have_count(0)
