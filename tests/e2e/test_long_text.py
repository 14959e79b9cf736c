"""Long text and lost text: a long mood is collapsed to a few lines with a 展开 Show
more toggle; an edit that the browser trims at a field's maxlength says so; a comment
being typed on a mood that gets deleted is not dropped without a word."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import Kit, skip_without_chromium
from tests.e2e.helpers import clear_toasts, feed_loaded, mood

pytestmark = [pytest.mark.e2e, skip_without_chromium]

CLAMP_LINES = 8
TRIMMED = "已截断到 {} 字 Trimmed to {} characters"
DELETED_UNDER_YOU = "你在评论的说说已被删除 The mood you were commenting on was deleted"


def lines_shown(text: Locator) -> float:
    """How many of its own lines of text `text` (a mood's <p>) takes on screen."""
    return float(text.evaluate(
        "el => el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight)"))


def paste(page: Page, target: Locator, text: str) -> None:
    """A real paste (Ctrl+V from the system clipboard) at the end of `target`."""
    page.evaluate("text => navigator.clipboard.writeText(text)", text)
    target.press("End")
    target.press("ControlOrMeta+V")


def test_a_long_mood_is_collapsed_with_a_show_more_toggle(kj: Kit) -> None:
    """A 2,000-character mood (and one of many short lines) shows its first lines and a
    real, keyboard-usable 展开 Show more / 收起 Show less button; a short mood has none."""
    a = kj.user("a")
    long_text = "长" * 1974 + " http://example.com/a/link"
    many_lines = "\n".join(f"第 {i} 行 line {i}" for i in range(1, 16))
    long_id = kj.api.op(a, "mood.post", {"text": long_text})["mood"]["id"]
    lines_id = kj.api.op(a, "mood.post", {"text": many_lines})["mood"]["id"]
    short_id = kj.api.op(a, "mood.post", {"text": "短的 short one"})["mood"]["id"]
    page = kj.page(a)
    feed_loaded(page)

    card = mood(page, long_id)
    text = card.get_by_test_id("mood-text")
    toggle = card.get_by_test_id("mood-more")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_text("展开 Show more")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_have_attribute("aria-controls", text.evaluate("el => el.id"))
    assert toggle.evaluate("el => el.tagName") == "BUTTON"
    assert lines_shown(text) <= CLAMP_LINES + 0.5
    expect(text).to_have_text(long_text)  # all of it is there, only folded

    # Keyboard: focused, Enter opens it and Space folds it again.
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(toggle).to_have_text("收起 Show less")
    assert lines_shown(text) > CLAMP_LINES + 1
    assert text.evaluate("el => el.scrollHeight <= el.clientHeight + 1")  # nothing hidden
    page.keyboard.press(" ")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_have_text("展开 Show more")
    assert lines_shown(text) <= CLAMP_LINES + 0.5
    expect(toggle).to_be_in_viewport()

    # Many short lines are folded the same way.
    lines_card = mood(page, lines_id)
    expect(lines_card.get_by_test_id("mood-more")).to_be_visible()
    assert lines_shown(lines_card.get_by_test_id("mood-text")) <= CLAMP_LINES + 0.5

    # A short mood: nothing to fold, no toggle.
    short = mood(page, short_id)
    expect(short.get_by_test_id("mood-text")).to_have_text("短的 short one")
    expect(short.get_by_test_id("mood-more")).to_be_hidden()


def test_text_trimmed_at_the_limit_says_so(kj: Kit) -> None:
    """A paste (or typing) that the maxlength cuts short is not silent: the counter
    turns red and a hint says it was trimmed; editing back under the limit clears it.
    Comments (1,000) and guestbook messages (500) say so too."""
    a, b = kj.user("a"), kj.user("b")
    kj.befriend(a, b)
    mood_id = kj.api.op(b, "mood.post", {"text": "comment on me"})["mood"]["id"]
    page = kj.page(a)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    feed_loaded(page)

    text = page.get_by_test_id("mood-input")
    counter = page.get_by_test_id("mood-counter")
    hint = page.get_by_test_id("mood-limit-hint")
    text.fill("a" * 1990)
    expect(counter).to_have_text("1990/2000")
    expect(hint).to_be_hidden()

    paste(page, text, " http://example.com/a/long/link")
    expect(text).to_have_value("a" * 1990 + " http://ex")  # what the browser kept
    expect(counter).to_have_text("2000/2000")
    expect(hint).to_be_visible()
    expect(hint).to_have_text(TRIMMED.format(2000, 2000))
    expect(counter).to_have_class(re.compile(r"\bcounter-over\b"))
    hint_id = hint.evaluate("el => el.id")
    expect(text).to_have_attribute("aria-describedby", re.compile(rf"\b{hint_id}\b"))

    text.press("Backspace")  # back under the limit: the warning goes
    expect(counter).to_have_text("1999/2000")
    expect(hint).to_be_hidden()
    expect(counter).not_to_have_class(re.compile(r"\bcounter-over\b"))

    text.press_sequentially("xy")  # typing past the limit: the second key is dropped
    expect(counter).to_have_text("2000/2000")
    expect(hint).to_have_text(TRIMMED.format(2000, 2000))

    text.fill("b" * 2500)  # a whole over-long text at once
    expect(text).to_have_value("b" * 2000)
    expect(hint).to_be_visible()
    page.get_by_test_id("mood-submit").click()
    expect(text).to_have_value("")
    expect(hint).to_be_hidden()  # a fresh composer
    expect(counter).to_have_text("0/2000")
    expect(counter).not_to_have_class(re.compile(r"\bcounter-over\b"))
    text.fill("c" * 2000)  # exactly the limit is not trimmed
    expect(hint).to_be_hidden()

    card = mood(page, mood_id)
    comment = card.get_by_test_id("comment-input")
    comment.fill("c" * 995)
    expect(card.get_by_test_id("comment-limit-hint")).to_be_hidden()
    paste(page, comment, "0123456789")
    expect(comment).to_have_value("c" * 995 + "01234")
    expect(card.get_by_test_id("comment-limit-hint")).to_have_text(TRIMMED.format(1000, 1000))

    page.goto(f"/#/space/{b.name}")
    message = page.get_by_test_id("guestbook-input")
    message.fill("m" * 600)
    expect(message).to_have_value("m" * 500)
    expect(page.get_by_test_id("guestbook-limit-hint")).to_have_text(TRIMMED.format(500, 500))


def test_deleting_a_mood_with_a_comment_being_typed_says_so(kj: Kit) -> None:
    """B is typing a comment on A's mood when A deletes it: the card goes, and B is
    told why the comment went with it. A mood B was not commenting on goes quietly."""
    a, b = kj.user("a"), kj.user("b")
    kj.befriend(a, b)
    quiet = kj.api.op(a, "mood.post", {"text": "no draft here"})["mood"]["id"]
    target = kj.api.op(a, "mood.post", {"text": "comment being typed"})["mood"]["id"]
    pb = kj.page(b)
    feed_loaded(pb)
    expect(mood(pb, quiet)).to_be_visible()
    clear_toasts(pb)
    mood(pb, target).get_by_test_id("comment-input").fill("我正在写一条很长的评论")

    kj.api.op(a, "mood.delete", {"mood_id": quiet})  # first: no draft, no toast
    kj.api.op(a, "mood.delete", {"mood_id": target})
    expect(mood(pb, target)).to_have_count(0)
    expect(mood(pb, quiet)).to_have_count(0)
    toast = pb.get_by_test_id("toast").filter(has_text=DELETED_UNDER_YOU)
    expect(toast).to_have_count(1)  # once, for the mood with the draft only

    # A's own tab: deleting one's own mood with a half-typed comment is no surprise.
    mine = kj.api.op(a, "mood.post", {"text": "my own"})["mood"]["id"]
    pa = kj.page(a)
    feed_loaded(pa)
    card = mood(pa, mine)
    card.get_by_test_id("comment-input").fill("draft")
    card.get_by_test_id("delete-mood").click()
    card.get_by_test_id("delete-confirm").click()
    expect(pa.get_by_test_id("toast").filter(has_text="已删除 Deleted")).to_be_visible()
    expect(mood(pa, mine)).to_have_count(0)
    expect(pa.get_by_test_id("toast").filter(has_text=DELETED_UNDER_YOU)).to_have_count(0)
