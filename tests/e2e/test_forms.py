"""The client's forms say what is wrong and start fresh: the composer after a post,
blank texts, a space address that names no user."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Kit, skip_without_chromium
from tests.e2e.helpers import (
    feed_loaded,
    mood,
    post_mood_ui,
)

pytestmark = [pytest.mark.e2e, skip_without_chromium]


def test_composer_resets_visibility_after_posting(kj: Kit) -> None:
    """After a 仅自己 Private mood the composer is back to its default visibility, like
    its text and tag: the next mood is not silently private."""
    a = kj.user("a")
    page = kj.page(a)
    feed_loaded(page)
    select = page.get_by_test_id("mood-visibility-select")
    default = select.input_value()
    post_mood_ui(page, "secret 秘密", visibility="private", tag="sad")
    expect(mood(page, text="secret 秘密")).to_have_attribute("data-visibility", "private")
    expect(select).to_have_value(default)
    expect(page.get_by_test_id("mood-tag-select")).to_have_value("")

    page.get_by_test_id("mood-input").fill("next one 下一条")
    page.get_by_test_id("mood-submit").click()
    expect(mood(page, text="next one 下一条")).to_have_attribute("data-visibility", default)


def test_blank_mood_comment_and_message_say_why(kj: Kit) -> None:
    """Posting nothing (or only spaces) as a mood, a comment or a guestbook message
    sends nothing and says why; typing clears the hint."""
    a, b = kj.user("a"), kj.user("b")
    kj.befriend(a, b)
    mood_id = kj.api.op(b, "mood.post", {"text": "comment on me"})["mood"]["id"]
    page = kj.page(a)
    feed_loaded(page)

    hint = page.get_by_test_id("mood-hint")
    text = page.get_by_test_id("mood-input")
    for blank in ("", "   \n  "):
        text.fill(blank)
        page.get_by_test_id("mood-submit").click()
        expect(hint).to_have_text("写点什么吧 Write something first")
        expect(hint).to_be_visible()
        expect(text).to_be_focused()
        expect(text).to_have_attribute("aria-invalid", "true")
    text.press_sequentially("x")
    expect(hint).to_be_hidden()
    expect(mood(page)).to_have_count(1)  # B's only: nothing was posted

    card = mood(page, mood_id)
    card.get_by_test_id("comment-input").fill("  ")
    card.get_by_test_id("comment-submit").click()
    expect(card.get_by_test_id("comment-hint")).to_have_text("写点什么吧 Write something first")
    expect(card.get_by_test_id("comment-input")).to_be_focused()
    expect(card.get_by_test_id("comment")).to_have_count(0)
    card.get_by_test_id("comment-input").press_sequentially("ok")
    expect(card.get_by_test_id("comment-hint")).to_be_hidden()

    page.goto(f"/#/space/{b.name}")
    page.get_by_test_id("guestbook-input").fill(" ")
    page.get_by_test_id("guestbook-submit").click()
    expect(page.get_by_test_id("guestbook-hint")).to_have_text("写点什么吧 Write something first")
    expect(page.get_by_test_id("guestbook-entry")).to_have_count(0)


@pytest.mark.parametrize("path", ["中", "nosuchuser_x"])
def test_space_of_no_such_user(kj: Kit, path: str) -> None:
    """A space that cannot exist (not a username at all) or does not exist says there is
    no such user, not the server's validation wording."""
    page = kj.page(kj.user("a"), f"/#/space/{path}")
    error = page.get_by_test_id("space-error")
    expect(error).to_contain_text("没有这个用户 No such user")
    expect(error).to_contain_text(f"@{path}")
    expect(error).not_to_contain_text("valid username")
