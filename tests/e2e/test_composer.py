"""Writing and coming back: the mood draft is kept through a reload (per user, gone once
posted), Ctrl/⌘+Enter sends from the mood composer and from comment and guestbook boxes,
and the "caught up on N missed" notice counts only what is news to you."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Kit, skip_without_chromium
from tests.e2e.helpers import feed_loaded, mood

pytestmark = [pytest.mark.e2e, skip_without_chromium]

SEND = "ControlOrMeta+Enter"


def test_the_mood_draft_survives_a_reload_until_posted(kj: Kit) -> None:
    """Half a mood, its visibility and tag chosen; a reload brings all of it back (also
    to the composer on my own space); Ctrl+Enter posts it, and then it is gone for good.
    Another account signed in to the same tab does not get it."""
    a, other = kj.user("a"), kj.user("o")
    draft = "写了一半的说说\n第二行 half a mood"
    page = kj.page(a)
    feed_loaded(page)
    box = page.get_by_test_id("mood-input")
    box.fill(draft)
    page.get_by_test_id("mood-visibility-select").select_option("private")
    page.get_by_test_id("mood-tag-select").select_option("happy")

    page.reload()
    feed_loaded(page)
    expect(box).to_have_value(draft)
    expect(page.get_by_test_id("mood-visibility-select")).to_have_value("private")
    expect(page.get_by_test_id("mood-tag-select")).to_have_value("happy")
    expect(page.get_by_test_id("mood-counter")).to_have_text(f"{len(draft)}/2000")
    page.get_by_test_id("nav-space").click()
    expect(page.get_by_test_id("space").get_by_test_id("mood-input")).to_have_value(draft)
    page.get_by_test_id("nav-feed").click()

    # the same tab, someone else's session: their composer starts empty
    page.context.add_cookies([{"name": "kj_session", "value": other.token, "url": other.url}])
    page.reload()
    expect(page.get_by_test_id("my-username")).to_have_text(f"@{other.name}")
    feed_loaded(page)
    expect(box).to_have_value("")
    page.context.add_cookies([{"name": "kj_session", "value": a.token, "url": a.url}])
    page.reload()
    expect(page.get_by_test_id("my-username")).to_have_text(f"@{a.name}")
    feed_loaded(page)
    expect(box).to_have_value(draft)

    box.press(SEND)
    card = mood(page, text=draft)
    expect(card).to_be_visible()
    expect(card.get_by_test_id("mood-visibility")).to_have_attribute("data-visibility", "private")
    expect(box).to_have_value("")
    page.reload()
    feed_loaded(page)
    expect(mood(page, text=draft)).to_be_visible()
    expect(box).to_have_value("")
    expect(page.get_by_test_id("mood-visibility-select")).to_have_value("public")  # the default


def test_ctrl_enter_sends_a_comment_and_a_guestbook_message(kj: Kit) -> None:
    a, b = kj.user("a"), kj.user("b")
    kj.befriend(a, b)
    mood_id = kj.api.op(a, "mood.post", {"text": "评论我"})["mood"]["id"]
    page = kj.page(b)
    card = mood(page, mood_id)
    card.get_by_test_id("comment-input").fill("用键盘发的 by keyboard")
    card.get_by_test_id("comment-input").press(SEND)
    expect(card.get_by_test_id("comment-text")).to_have_text("用键盘发的 by keyboard")
    expect(card.get_by_test_id("comment")).to_have_count(1)  # sent once
    expect(card.get_by_test_id("comment-input")).to_have_value("")

    page.goto(f"/#/space/{a.name}")
    message = page.get_by_test_id("guestbook-input")
    message.fill("第一行\n第二行")
    message.press(SEND)
    expect(page.get_by_test_id("guestbook-text")).to_have_text("第一行\n第二行")
    expect(page.get_by_test_id("guestbook-entry")).to_have_count(1)
    expect(message).to_have_value("")


def test_caught_up_counts_neither_my_own_events_nor_ones_already_seen(kj: Kit) -> None:
    """While tab 1 is away: I post from elsewhere (my own mood), a friend posts and tab 2
    of mine shows it (seen), then the friend signs my guestbook with no tab of mine open
    (missed). Tab 1 comes back and is told of one missed event: the guestbook entry."""
    a, b = kj.user("a"), kj.user("b")
    kj.befriend(a, b)
    tab1 = kj.page(a)
    feed_loaded(tab1)
    tab1.goto("about:blank")  # the tab lives on (sessionStorage kept); its socket is gone
    tab2 = kj.page(a, context=tab1.context)
    feed_loaded(tab2)
    kj.api.op(a, "mood.post", {"text": "我在手机上发的 from my phone"})
    kj.api.op(b, "mood.post", {"text": "在另一个标签看过 seen in tab 2"})
    expect(mood(tab2, text="在另一个标签看过 seen in tab 2")).to_be_visible()
    expect(mood(tab2, text="我在手机上发的 from my phone")).to_be_visible()
    tab2.close()
    kj.api.op(b, "guestbook.post", {"to": a.name, "text": "真的错过了 really missed"})

    tab1.goto("/#/feed")
    toast = tab1.get_by_test_id("sync-toast")
    expect(toast).to_contain_text("已补上 1 条")
    expect(toast).to_contain_text("1 留言 guestbook")
    expect(toast).not_to_contain_text("mood")
    expect(mood(tab1, text="在另一个标签看过 seen in tab 2")).to_be_visible()
