"""Small page helpers shared by the browser tests: locators by `data-testid` and the
few multi-step UI actions (register, post a mood) several tests repeat."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.harness import PASSWORD


def feed_loaded(page: Page) -> None:
    expect(page.get_by_test_id("feed-list")).to_have_attribute("data-loaded", "true")


def mood(page: Page, mood_id: str | None = None, text: str | None = None,
         within: str = "view") -> Locator:
    """Mood cards in the current view, by id or by text."""
    cards = page.get_by_test_id(within).locator("[data-testid=mood]:not([data-removing])")
    if mood_id is not None:
        cards = cards.and_(page.locator(f'[data-id="{mood_id}"]'))
    if text is not None:
        cards = cards.filter(has=page.get_by_test_id("mood-text").get_by_text(text, exact=True))
    return cards


def by_user(page: Page, testid: str, user: str) -> Locator:
    return page.locator(f'[data-testid="{testid}"][data-user="{user}"]')


def register_ui(page: Page, username: str, display_name: str | None = None) -> None:
    page.get_by_test_id("show-register").click()
    page.get_by_test_id("register-username").fill(username)
    if display_name:
        page.get_by_test_id("register-display-name").fill(display_name)
    page.get_by_test_id("register-password").fill(PASSWORD)
    page.get_by_test_id("register-submit").click()
    expect(page.get_by_test_id("my-username")).to_have_text(f"@{username}")
    expect(page.get_by_test_id("conn-state")).to_have_attribute("data-state", "connected")


def login_ui(page: Page, username: str) -> None:
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("my-username")).to_have_text(f"@{username}")


def post_mood_ui(page: Page, text: str, visibility: str = "public", tag: str = "") -> None:
    page.get_by_test_id("mood-input").fill(text)
    page.get_by_test_id("mood-visibility-select").select_option(visibility)
    page.get_by_test_id("mood-tag-select").select_option(tag)
    page.get_by_test_id("mood-submit").click()
    expect(page.get_by_test_id("mood-input")).to_have_value("")


def clear_toasts(page: Page) -> None:
    page.evaluate("document.getElementById('toasts').replaceChildren()")


def no_horizontal_overflow(page: Page) -> Any:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")
