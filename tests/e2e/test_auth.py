"""The login and sign-up forms: what they check before asking the hub, and what they
say when the hub refuses (wrong password, lock-out with its wait) or when the session
ended somewhere else."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Kit, skip_without_chromium
from tests.e2e.helpers import login_ui
from tests.harness import PASSWORD

pytestmark = [pytest.mark.e2e, skip_without_chromium]

USERNAME_RULE = "Username: 3–20 of a-z, 0-9, _"


def test_empty_form_asks_for_what_is_missing(kj: Kit) -> None:
    """An empty login form asks for the username, then for the password — not the
    format rule; a username that breaks the rule still gets the rule."""
    page = kj.open(kj.context(), "/")
    error = page.get_by_test_id("auth-error")
    page.get_by_test_id("login-submit").click()
    expect(error).to_have_text("请输入用户名 Please enter your username")
    expect(page.get_by_test_id("login-username")).to_be_focused()

    page.get_by_test_id("login-username").fill("someone")
    page.get_by_test_id("login-submit").click()
    expect(error).to_have_text("请输入密码 Please enter your password")
    expect(page.get_by_test_id("login-password")).to_be_focused()

    page.get_by_test_id("login-username").fill("no way!")
    page.get_by_test_id("login-submit").click()
    expect(error).to_contain_text(USERNAME_RULE)

    page.get_by_test_id("show-register").click()
    page.get_by_test_id("register-submit").click()
    expect(error).to_have_text("请输入用户名 Please enter your username")
    page.get_by_test_id("register-username").fill("newbie_ok")
    page.get_by_test_id("register-submit").click()
    expect(error).to_have_text("请输入密码 Please enter your password")


def test_usernames_are_lowercased_for_login_and_register(kj: Kit) -> None:
    """"Alice" logs in as alice, and signing up as "Bob_1" makes bob_1: usernames are
    lowercase, so what was typed is lowercased (as friend search does)."""
    user = kj.user("case")
    page = kj.open(kj.context(), "/")
    page.get_by_test_id("login-username").fill(f"  {user.name.upper()} ")
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("my-username")).to_have_text(f"@{user.name}")
    expect(page.get_by_test_id("conn-state")).to_have_attribute("data-state", "connected")

    name = kj.name("reg")
    other = kj.open(kj.context(), "/")
    other.get_by_test_id("show-register").click()
    other.get_by_test_id("register-username").fill(name.upper())
    other.get_by_test_id("register-password").fill(PASSWORD)
    other.get_by_test_id("register-submit").click()
    expect(other.get_by_test_id("my-username")).to_have_text(f"@{name}")
    login = kj.api.http.post(f"{user.url}/api/login", json={"username": name, "password": PASSWORD})
    assert login.status_code == 200, login.text


def test_lock_out_says_how_long_to_wait(kj: Kit) -> None:
    """A 429 from /api/login carries `Retry-After` (seconds): the form says when to try
    again, in both languages. (The answer is the hub's 429 body; the route stands in
    for the hub so the wait is known.)"""
    page = kj.open(kj.context(), "/")

    def locked(route: Any) -> None:
        body = {"code": "rate_limited", "message": "too many wrong passwords"}
        route.fulfill(status=429, headers={"Retry-After": "42"},
                      content_type="application/json", body=json.dumps(body))

    page.route("**/api/login", locked)
    page.get_by_test_id("login-username").fill("locked_out")
    page.get_by_test_id("login-password").fill("wrong password")
    page.get_by_test_id("login-submit").click()
    error = page.get_by_test_id("auth-error")
    expect(error).to_contain_text("请 42 秒后再试")
    expect(error).to_contain_text("try again in 42 s")
    expect(error).not_to_contain_text("try again later")


def test_lock_out_by_the_hub_is_shown(kj: Kit) -> None:
    """Against the real hub: enough wrong passwords lock the username out; the form
    says so (and names the wait when the hub sends `Retry-After`)."""
    user = kj.user("lock")
    page = kj.open(kj.context(), "/")
    error = page.get_by_test_id("auth-error")
    page.get_by_test_id("login-username").fill(user.name)
    page.get_by_test_id("login-password").fill("wrong password")
    for _ in range(20):  # the hub allows a few failures, then answers 429
        with page.expect_response("**/api/login") as answer:
            page.get_by_test_id("login-submit").click()
        if answer.value.status == 429:
            break
        expect(error).to_contain_text("Wrong username or password")
    else:
        raise AssertionError("the hub never locked the username out")
    wait = answer.value.headers.get("retry-after")
    expect(error).to_contain_text(f"try again in {wait} s" if wait else "Too many attempts")


def test_logged_out_elsewhere_is_a_notice_not_an_error(kj: Kit) -> None:
    """A session ended from another device: the login form says so as a neutral
    notice, and the red error box stays empty until something really fails."""
    user = kj.user("out")
    page = kj.page(user)
    out = kj.api.http.post(f"{user.url}/api/logout",
                           headers={"Authorization": f"Bearer {user.token}"})
    assert out.status_code == 200
    notice = page.get_by_test_id("auth-notice")
    expect(notice).to_contain_text("Logged out in another tab or device")
    expect(notice).not_to_have_attribute("role", "alert")
    expect(page.get_by_test_id("auth-error")).to_be_hidden()

    page.get_by_test_id("login-username").fill(user.name)
    page.get_by_test_id("login-password").fill("wrong password")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("auth-error")).to_contain_text("Wrong username or password")
    expect(notice).to_be_hidden()
    login_ui(page, user.name)
