"""The account dialog (static/js/account.js): changing the password in one browser
logs the user's other login out (its socket closes 4401 and its page says so) while
this one stays; refusals show the hub's message; "log out everywhere" (退出所有设备)
ends this browser's login and another one's."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Kit, User, skip_without_chromium
from tests.harness import PASSWORD

pytestmark = [pytest.mark.e2e, skip_without_chromium]

NEW_PASSWORD = "e2e-new-passphrase-3"


def second_login(kj: Kit, user: User) -> Any:
    """Another browser (its own context) signed in with a login of its own."""
    answer = kj.api.http.post(f"{user.url}/api/login",
                              json={"username": user.name, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    context = kj.context(user.url)
    context.add_cookies([{"name": "kj_session", "value": answer.json()["token"],
                          "url": user.url}])
    return kj.page(user, context=context)


def test_changing_the_password_logs_the_other_browser_out(kj: Kit) -> None:
    user = kj.user("chpw")
    here = kj.page(user)
    there = second_login(kj, user)

    here.get_by_test_id("account-open").click()
    dialog = here.get_by_test_id("account-dialog")
    expect(dialog).to_be_visible()
    here.get_by_test_id("account-old-password").fill("not-my-password")
    here.get_by_test_id("account-new-password").fill(NEW_PASSWORD)
    here.get_by_test_id("account-password-submit").click()
    expect(here.get_by_test_id("account-error")).to_contain_text("wrong password")
    here.get_by_test_id("account-old-password").fill(PASSWORD)
    here.get_by_test_id("account-new-password").fill("iloveyou")
    here.get_by_test_id("account-password-submit").click()
    expect(here.get_by_test_id("account-error")).to_contain_text("one of the most common")
    expect(there.get_by_test_id("conn-state")).to_have_attribute("data-state", "connected")

    here.get_by_test_id("account-new-password").fill(NEW_PASSWORD)
    here.get_by_test_id("account-password-submit").click()
    expect(here.get_by_test_id("account-done")).to_contain_text("Password changed")
    expect(here.get_by_test_id("account-error")).to_be_hidden()

    expect(there.get_by_test_id("auth-notice")).to_contain_text(
        "Logged out in another tab or device")
    expect(there.get_by_test_id("login-form")).to_be_visible()
    here.get_by_test_id("account-close").click()
    expect(dialog).to_be_hidden()
    expect(here.get_by_test_id("conn-state")).to_have_attribute("data-state", "connected")
    kj.api.op(user, "ping")  # this login lives on
    login = kj.api.http.post(f"{user.url}/api/login",
                             json={"username": user.name, "password": NEW_PASSWORD})
    assert login.status_code == 200


def test_log_out_everywhere_logs_out_the_other_browser_too(kj: Kit) -> None:
    user = kj.user("lgall")
    here = kj.page(user)
    there = second_login(kj, user)
    here.get_by_test_id("account-open").click()
    here.get_by_test_id("logout-everywhere").click()
    expect(here.get_by_test_id("login-form")).to_be_visible()
    expect(here.get_by_test_id("account-dialog")).to_be_hidden()
    expect(there.get_by_test_id("auth-notice")).to_contain_text(
        "Logged out in another tab or device")
    answer = kj.api.http.post(f"{user.url}/api/ops/ping", json={},
                              headers={"Authorization": f"Bearer {user.token}"})
    assert answer.status_code == 401
