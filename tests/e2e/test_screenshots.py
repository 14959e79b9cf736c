"""Decorating a space through the edit panel (head portrait, skin, music, signature;
locked options show their level), the music toggle, usability at 360 px — and the
screenshots of docs/screenshots/ (feed.png and space.png at desktop width, mobile.png
at 360 px), taken from a live hub.

Every run takes them; they land in docs/screenshots/ only with
`KJ_E2E_UPDATE_SCREENSHOTS=1` (so a plain test run never dirties the work tree), else
in the artifacts directory next to failure screenshots:

    KJ_E2E_UPDATE_SCREENSHOTS=1 pytest tests/e2e -k screenshots

Install a colour emoji font first (Debian: fonts-noto-color-emoji), or the head
portraits and icons in them are empty boxes; the tests need none.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, ROOT, Kit, skip_without_chromium
from tests.e2e.helpers import clear_toasts, feed_loaded, mood, no_horizontal_overflow

pytestmark = [pytest.mark.e2e, skip_without_chromium]

SHOTS = (ROOT / "docs" / "screenshots" if os.environ.get("KJ_E2E_UPDATE_SCREENSHOTS") == "1"
         else ARTIFACTS / "screenshots")


def shoot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    clear_toasts(page)
    page.evaluate("window.scrollTo(0, 0)")
    path = SHOTS / name
    page.screenshot(path=str(path), animations="disabled")
    return path


def test_decorated_space_feed_and_mobile_screenshots(kj: Kit) -> None:
    mei = kj.user("mei", display_name="小美 Mei")
    lei = kj.user("lei", display_name="阿磊 Lei")
    yun = kj.user("yun", display_name="云朵 Yun")
    kj.befriend(mei, lei)
    kj.befriend(mei, yun)
    api = kj.api
    api.op(yun, "space.update", {"head_portrait": "panda"})
    api.op(lei, "space.update", {"head_portrait": "fox"})
    m1 = api.op(mei, "mood.post", {"text": "周末去爬山，风景太美了！ Hiking this weekend ⛰️",
                                   "tag": "happy", "visibility": "public"})["mood"]["id"]
    api.op(lei, "mood.post", {"text": "新学了一首歌 🎵 Learned a new song today",
                              "tag": "music", "visibility": "friends"})
    m3 = api.op(yun, "mood.post", {"text": "下雨天和奶茶最配 Rainy day + bubble tea = 😋",
                                   "tag": "food"})["mood"]["id"]
    c1 = api.op(lei, "comment.post", {"mood_id": m1, "text": "哇，好羡慕！ So jealous!"})
    api.op(mei, "comment.post", {"mood_id": m1, "text": "下次一起去 Come along next time",
                                 "reply_to": c1["comment"]["id"]})
    api.op(yun, "comment.post", {"mood_id": m1, "text": "照片呢？ Photos please!"})
    for who in (lei, yun):
        api.op(who, "like", {"mood_id": m1})
    api.op(mei, "like", {"mood_id": m3})
    api.op(lei, "gift.send", {"to": mei.name, "gift": "rose", "message": "送你一朵小红花"})
    api.op(yun, "gift.send", {"to": mei.name, "gift": "balloon"})
    api.op(yun, "guestbook.post", {"to": mei.name, "text": "踩踩你的空间～ 好漂亮！"})
    api.op(lei, "guestbook.post", {"to": mei.name, "text": "Hi Mei, 周末愉快 have a nice weekend"})
    for who in (lei, yun):
        api.op(who, "space.get", {"user": mei.name})  # footprints in 访客 Visitors

    page = kj.page(mei, "/#/space/me", reduced_motion="reduce")
    space = page.get_by_test_id("space")
    expect(space).to_have_attribute("data-skin", "classic")
    page.get_by_test_id("edit-space").click()
    panel = page.get_by_test_id("space-edit")
    gold = panel.locator("[data-testid=skin-option][value=gold]")
    expect(gold).to_be_disabled()  # level 6 needed; shown with its lock
    gold_label = panel.locator("label.choice").filter(
        has=page.locator("[data-testid=skin-option][value=gold]"))
    expect(gold_label.get_by_test_id("lock")).to_have_text("🔒 Lv 6")
    panel.locator("[data-testid=portrait-option][value=rabbit]").check()
    panel.locator("[data-testid=skin-option][value=sakura]").check()
    expect(space).to_have_attribute("data-skin", "sakura")  # live preview
    panel.locator("[data-testid=music-option][value=twinkle]").check()
    panel.get_by_test_id("edit-signature").fill("春暖花开 🌸 Spring is here")
    panel.get_by_test_id("edit-save").click()
    expect(panel).to_have_count(0)
    expect(page.get_by_test_id("space-signature")).to_have_text("春暖花开 🌸 Spring is here")
    expect(page.get_by_test_id("space-portrait")).to_have_attribute("data-portrait", "rabbit")
    expect(space).to_have_attribute("data-skin", "sakura")
    expect(page.locator("body")).to_have_class(re.compile(r"\bskin-sakura\b"))

    music = page.get_by_test_id("music-toggle")
    expect(music).to_have_attribute("data-music", "twinkle")
    music.click()
    expect(music).to_have_attribute("aria-pressed", "true")
    music.click()
    expect(music).to_have_attribute("aria-pressed", "false")

    expect(page.get_by_test_id("visitor")).to_have_count(2)
    expect(page.get_by_test_id("guestbook-entry")).to_have_count(2)
    expect(page.get_by_test_id("gift-shelf").get_by_test_id("gift-item")).to_have_count(2)
    shoot(page, "space.png")

    page.get_by_test_id("nav-feed").click()
    feed_loaded(page)
    expect(mood(page)).to_have_count(3)
    expect(page.locator("body")).to_have_class(re.compile(r"\bskin-sakura\b"))  # my own skin
    shoot(page, "feed.png")

    phone = kj.page(lei, f"/#/space/{mei.name}", viewport={"width": 360, "height": 780},
                    reduced_motion="reduce", is_mobile=True, has_touch=True)
    expect(phone.get_by_test_id("space")).to_have_attribute("data-skin", "sakura")
    expect(phone.get_by_test_id("send-gift")).to_be_visible()
    assert no_horizontal_overflow(phone)
    shoot(phone, "mobile.png")
    phone.get_by_test_id("nav-feed").click()
    feed_loaded(phone)
    assert no_horizontal_overflow(phone)
