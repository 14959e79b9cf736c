"""与我相关 in the browser, read from the hub (issue #19): the red dot is the hub's unread
count in every tab and device; the page lists the hub's grouped items, marks what it
shows read, loads more, takes live additions and withdrawals, opens what an item is
about (scrolled to and highlighted), and asks before 全部已读."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import Kit, skip_without_chromium
from tests.e2e.helpers import feed_loaded, login_ui, mood

pytestmark = [pytest.mark.e2e, skip_without_chromium]


def dot(page: Page) -> Locator:
    return page.get_by_test_id("notify-count")


def items(page: Page, kind: str | None = None) -> Locator:
    found = page.get_by_test_id("notify-list").get_by_test_id("notify-item")
    return found if kind is None else found.and_(page.locator(f'[data-kind="{kind}"]'))


def open_panel(page: Page) -> None:
    page.get_by_test_id("nav-notify").click()
    expect(page.get_by_test_id("view")).to_have_attribute("data-route", "notifications")
    expect(page.get_by_test_id("notify-loading")).to_be_hidden()


def test_the_red_dot_counts_live_and_clears_in_two_tabs_of_one_user(kj: Kit) -> None:
    """A has two tabs open (two browsers: nothing but the hub ties them). A friend's
    like, comment and guestbook entry count up the dot in both while the panel is
    closed; opening the panel in one clears the dot in both."""
    a, b = kj.user("a"), kj.user("b", display_name="小美")
    kj.befriend(b, a)
    mood_id = kj.api.op(a, "mood.post", {"text": "周末去爬山"})["mood"]["id"]
    tab1, tab2 = kj.page(a), kj.page(a, "/#/friends")
    for tab in (tab1, tab2):
        expect(dot(tab)).to_be_hidden()

    kj.api.op(b, "like", {"mood_id": mood_id})
    for tab in (tab1, tab2):
        expect(dot(tab)).to_have_text("1")
    kj.api.op(b, "comment.post", {"mood_id": mood_id, "text": "带上我"})
    for tab in (tab1, tab2):
        expect(dot(tab)).to_have_text("2")
    kj.api.op(b, "guestbook.post", {"to": a.name, "text": "来踩踩"})
    for tab in (tab1, tab2):
        expect(dot(tab)).to_have_text("3")

    open_panel(tab1)
    expect(items(tab1)).to_have_count(3)
    for tab in (tab1, tab2):
        expect(dot(tab)).to_be_hidden()
    tab2.reload()  # the hub's count, not a copy kept by the browser
    expect(tab2.get_by_test_id("conn-state")).to_have_attribute("data-state", "connected")
    expect(dot(tab2)).to_be_hidden()


def test_what_came_while_away_is_there_on_a_fresh_login(kj: Kit) -> None:
    """A has no tab open while B comments, likes, sends a gift and signs the guestbook.
    A then logs in in a fresh browser: the dot says 5, the panel has the four items and
    the level-up they earned A, marked new; 回赠 is offered on the gift; the guestbook
    item opens the entry."""
    a, b = kj.user("a"), kj.user("b", display_name="王经理")
    kj.befriend(b, a)
    mood_id = kj.api.op(a, "mood.post", {"text": "新工作第一天"})["mood"]["id"]
    kj.api.op(b, "comment.post", {"mood_id": mood_id, "text": "加油！"})
    kj.api.op(b, "like", {"mood_id": mood_id})
    kj.api.op(b, "gift.send", {"to": a.name, "gift": "rose"})
    entry = kj.api.op(b, "guestbook.post", {"to": a.name, "text": "祝贺祝贺"})["entry"]

    page = kj.open(kj.context(a.url))
    login_ui(page, a.name)
    expect(dot(page)).to_have_text("5")
    open_panel(page)
    expect(items(page)).to_have_count(5)
    expect(items(page, "level.up")).to_contain_text("Lv 2")
    expect(items(page, "comment")).to_contain_text("王经理 评论了你的说说")
    expect(items(page, "comment")).to_contain_text("“加油！”")
    expect(items(page, "like")).to_contain_text("王经理 赞了你的说说")
    expect(items(page, "gift")).to_contain_text("王经理 送你")
    expect(items(page, "guestbook")).to_contain_text("“祝贺祝贺”")
    for kind in ("comment", "like", "gift", "guestbook", "level.up"):
        expect(items(page, kind)).to_have_attribute("data-read", "false")
    expect(dot(page)).to_be_hidden()

    back = items(page, "gift").get_by_test_id("notify-gift-return")
    back.click()
    dialog = page.get_by_test_id("gift-dialog")
    expect(dialog.locator("#gift-dialog-title")).to_contain_text(b.name)
    dialog.get_by_test_id("gift-cancel").click()
    expect(dialog).to_be_hidden()

    items(page, "guestbook").get_by_test_id("notify-open").click()
    shown = page.locator(f'[data-testid=guestbook-entry][data-id="{entry["id"]}"]')
    expect(shown).to_have_attribute("data-revealed", "true")
    expect(shown).to_be_in_viewport()
    expect(shown).to_be_focused()


def test_three_likes_are_one_item(kj: Kit) -> None:
    """Two friends like A's mood while A is on the feed, a third while A's panel is
    open: one item, "小美、王经理 等 3 人赞了你的说说"."""
    a = kj.user("a")
    likers = [kj.user("l", display_name=name) for name in ("老张", "王经理", "小美")]
    for liker in likers:
        kj.befriend(liker, a)
    mood_id = kj.api.op(a, "mood.post", {"text": "新发型"})["mood"]["id"]
    page = kj.page(a)
    for n, liker in enumerate(likers[:2], start=1):
        kj.api.op(liker, "like", {"mood_id": mood_id})
        expect(dot(page)).to_have_text(str(n))
    open_panel(page)
    like = items(page, "like")
    expect(like).to_have_count(1)
    expect(like).to_contain_text("王经理、老张 赞了你的说说")
    expect(dot(page)).to_be_hidden()

    kj.api.op(likers[2], "like", {"mood_id": mood_id})
    expect(like).to_contain_text("小美、王经理 等 3 人赞了你的说说")
    expect(like).to_have_attribute("data-count", "3")
    expect(items(page)).to_have_count(1)


def test_a_comment_notification_opens_the_mood_with_the_comment_highlighted(kj: Kit) -> None:
    """A clicks "B 评论了你的说说": A's space opens, scrolled to that mood (the oldest of
    twelve), the card and the comment highlighted, the comment focused. B's reply
    notification opens A's mood for B (found in B's feed) with A's reply highlighted."""
    a, b = kj.user("a", display_name="作者"), kj.user("b", display_name="读者")
    kj.befriend(b, a)
    mood_ids = [kj.api.op(a, "mood.post", {"text": f"说说 {i}"})["mood"]["id"] for i in range(12)]
    mood_id = mood_ids[0]  # the oldest: far down A's space
    page = kj.page(a)
    comment = kj.api.op(b, "comment.post", {"mood_id": mood_id, "text": "这条最早"})["comment"]
    comment_id = comment["id"]
    expect(mood(page, mood_id).get_by_test_id("comment-text")).to_have_text("这条最早")
    open_panel(page)
    items(page, "comment").get_by_text("评论了你的说说").click()

    expect(page.get_by_test_id("space")).to_have_attribute("data-user", a.name)
    card = mood(page, mood_id)
    shown = card.locator(f'[data-testid=comment][data-id="{comment_id}"]')
    expect(card).to_have_attribute("data-revealed", "true")
    expect(shown).to_have_attribute("data-revealed", "true")
    expect(shown).to_have_class(re.compile(r"\bis-revealed\b"))
    expect(shown).to_be_in_viewport()
    expect(shown).to_be_focused()
    expect(page.locator("[data-revealed=true]")).to_have_count(2)

    reply = kj.api.op(a, "comment.post",
                      {"mood_id": mood_id, "text": "谢谢", "reply_to": comment_id})["comment"]
    pb = kj.page(b, "/#/friends")
    open_panel(pb)
    expect(items(pb, "reply")).to_contain_text("作者 回复了你的评论")
    items(pb, "reply").get_by_text("回复了你的评论").click()
    expect(pb.get_by_test_id("view")).to_have_attribute("data-route", "feed")
    answer = mood(pb, mood_id).locator(f'[data-testid=comment][data-id="{reply["id"]}"]')
    expect(answer).to_have_attribute("data-revealed", "true")
    expect(answer).to_be_in_viewport()


def test_an_unlike_and_a_deleted_comment_leave_the_open_panel(kj: Kit) -> None:
    """A's panel is open with C's like on it (read). B likes (the item grows to two likers,
    the dot says 1) and comments (a new item on top, 2); B unlikes: the like item is C's
    alone again and the dot says 1; B deletes the comment: its item goes, the dot too."""
    a, b, c = kj.user("a"), kj.user("b", display_name="小美"), kj.user("c", display_name="老张")
    kj.befriend(b, a)
    kj.befriend(c, a)
    mood_id = kj.api.op(a, "mood.post", {"text": "猜猜我在哪"})["mood"]["id"]
    page = kj.page(a)
    kj.api.op(c, "like", {"mood_id": mood_id})
    expect(dot(page)).to_have_text("1")
    open_panel(page)
    like = items(page, "like")
    expect(like).to_contain_text("老张 赞了你的说说")
    expect(dot(page)).to_be_hidden()

    kj.api.op(b, "like", {"mood_id": mood_id})
    expect(like).to_contain_text("小美、老张 赞了你的说说")
    expect(dot(page)).to_have_text("1")
    comment = kj.api.op(b, "comment.post", {"mood_id": mood_id, "text": "海边？"})["comment"]
    expect(items(page).first).to_have_attribute("data-kind", "comment")
    expect(items(page, "comment")).to_have_attribute("data-read", "false")
    expect(dot(page)).to_have_text("2")

    kj.api.op(b, "unlike", {"mood_id": mood_id})
    expect(dot(page)).to_have_text("1")
    expect(like).to_have_attribute("data-count", "1")
    expect(like).not_to_contain_text("小美")
    expect(like).to_contain_text("老张 赞了你的说说")

    kj.api.op(b, "comment.delete", {"comment_id": comment["id"]})
    expect(items(page, "comment")).to_have_count(0)
    expect(dot(page)).to_be_hidden()
    expect(items(page)).to_have_count(1)


def test_clear_all_asks_first_and_cancel_keeps_the_count(kj: Kit) -> None:
    """A comment arrives while A's panel is open (the dot says 1). 全部已读 asks first:
    Cancel keeps the count and the new mark, focus back on the button; confirming
    clears both, and a reload agrees."""
    a, b = kj.user("a"), kj.user("b")
    kj.befriend(b, a)
    mood_id = kj.api.op(a, "mood.post", {"text": "今天好冷"})["mood"]["id"]
    page = kj.page(a, "/#/notifications")
    expect(page.get_by_test_id("notify-empty")).to_be_visible()
    kj.api.op(b, "comment.post", {"mood_id": mood_id, "text": "多穿点"})
    expect(items(page)).to_have_count(1)
    expect(dot(page)).to_have_text("1")

    clear = page.get_by_test_id("notify-clear")
    dialog = page.get_by_test_id("confirm-dialog")
    clear.click()
    expect(dialog).to_be_visible()
    expect(dialog.get_by_test_id("confirm-cancel")).to_be_focused()
    dialog.get_by_test_id("confirm-cancel").click()
    expect(dialog).to_be_hidden()
    expect(clear).to_be_focused()
    expect(dot(page)).to_have_text("1")
    expect(items(page)).to_have_attribute("data-read", "false")

    clear.click()
    dialog.get_by_test_id("confirm-ok").click()
    expect(dialog).to_be_hidden()
    expect(dot(page)).to_be_hidden()
    expect(items(page)).to_have_attribute("data-read", "true")
    page.reload()
    expect(page.get_by_test_id("conn-state")).to_have_attribute("data-state", "connected")
    expect(items(page)).to_have_count(1)
    expect(items(page)).to_have_attribute("data-read", "true")
    expect(dot(page)).to_be_hidden()


def test_load_more_marks_the_next_page_read(kj: Kit) -> None:
    """25 guestbook entries: the panel shows 20 and marks those read (the dot says 5);
    加载更多 shows the other 5 and marks them read too."""
    a, b = kj.user("a"), kj.user("b")
    for i in range(25):
        kj.api.op(b, "guestbook.post", {"to": a.name, "text": f"第 {i} 条"})
    page = kj.page(a)
    expect(dot(page)).to_have_text("25")
    open_panel(page)
    expect(items(page)).to_have_count(20)
    expect(items(page).first).to_contain_text("第 24 条")
    expect(dot(page)).to_have_text("5")
    page.get_by_test_id("notify-more").click()
    expect(items(page)).to_have_count(25)
    expect(items(page).last).to_contain_text("第 0 条")
    expect(dot(page)).to_be_hidden()
    expect(page.get_by_test_id("notify-more")).to_be_hidden()
    page.get_by_test_id("nav-feed").click()
    feed_loaded(page)
    expect(dot(page)).to_be_hidden()
