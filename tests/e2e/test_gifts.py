"""Gifts in the browser: the scene a gift plays (one per catalog animation), the card's
buttons, and the shelf it settles on."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from playwright.sync_api import Locator, expect

from tests.e2e.conftest import Kit, skip_without_chromium
from tests.e2e.helpers import clear_toasts, feed_loaded

pytestmark = [pytest.mark.e2e, skip_without_chromium]


SCENE_PARTS = {
    "rose": ".hero-rose", "cake": ".hero-cake", "balloon": ".balloon-b", "teddy": ".hero-teddy",
    "fireworks": "canvas.fireworks-canvas", "star": ".hero-star", "crown": ".hero-crown",
    "rocket": ".hero-rocket",
}


def test_gift_plays_then_settles_on_shelf(kj: Kit) -> None:
    """A sends B a gift from B's space; B's tab plays that gift's animation, then the
    gift settles on B's shelf; B sends one back and A's tab plays that one."""
    a, b = kj.user("a"), kj.user("b")
    kj.befriend(a, b)
    pb = kj.page(b)
    pa = kj.page(a, f"/#/space/{b.name}")

    pa.get_by_test_id("send-gift").click()
    dialog = pa.get_by_test_id("gift-dialog")
    expect(dialog).to_be_visible()
    teddy = dialog.locator("[data-testid=gift-option][data-gift=teddy]")
    expect(teddy).to_be_disabled()  # a level-1 sender: teddy needs level 2
    expect(teddy.get_by_test_id("lock")).to_have_text("🔒 Lv 2")
    dialog.locator("[data-testid=gift-option][data-gift=rose]").click()
    dialog.get_by_test_id("gift-message").fill("送你一朵玫瑰 🌹")
    dialog.get_by_test_id("gift-send").click()
    expect(dialog).to_be_hidden()

    anim = pb.get_by_test_id("gift-anim")
    expect(anim).to_have_attribute("data-animation", "rose")
    expect(anim.locator(".hero-rose")).to_be_attached()
    expect(pb.get_by_test_id("gift-anim-message")).to_contain_text("送你一朵玫瑰 🌹")
    expect(anim).to_have_count(0)  # the scene ends by itself ...
    shelf = pb.get_by_test_id("my-gift-shelf")
    item = shelf.get_by_test_id("gift-item")
    expect(item).to_have_count(1)  # ... and the gift sits on the shelf
    expect(item).to_have_attribute("data-gift", "rose")
    expect(item.get_by_test_id("gift-item-message")).to_have_text("送你一朵玫瑰 🌹")
    # The sender, looking at B's space, sees it on B's shelf too.
    expect(pa.get_by_test_id("gift-shelf").locator("[data-gift=rose]")).to_have_count(1)
    expect(pb.get_by_test_id("notify-count")).to_have_text("2")  # A's visit and the gift

    # 回赠: send one back from the shelf.
    item.get_by_test_id("gift-return").click()
    dialog_b = pb.get_by_test_id("gift-dialog")
    expect(dialog_b.locator("#gift-dialog-title")).to_contain_text(a.name)
    dialog_b.locator("[data-testid=gift-option][data-gift=balloon]").click()
    dialog_b.get_by_test_id("gift-send").click()
    anim_a = pa.get_by_test_id("gift-anim")
    expect(anim_a).to_have_attribute("data-animation", "balloon")
    expect(anim_a.locator(".balloon-b").first).to_be_attached()
    anim_a.get_by_test_id("gift-anim-close").click()  # 收下 Accept ends it early
    expect(anim_a).to_have_count(0)
    expect(pa.get_by_test_id("my-gift-shelf").locator("[data-gift=balloon]")).to_have_count(1)

    # A logout (here from another device) ends the scene playing and drops those queued:
    # the next person at this screen must not see them, nor their private messages.
    for n in range(2):
        kj.api.op(b, "gift.send", {"to": a.name, "gift": "rose", "message": f"悄悄话 {n}"})
    expect(anim_a).to_have_attribute("data-animation", "rose")
    out = kj.api.http.post(f"{a.url}/api/logout", headers={"Authorization": f"Bearer {a.token}"})
    assert out.status_code == 200
    expect(pa.get_by_test_id("login-form")).to_be_visible()
    assert anim_a.count() == 0  # at once, not when the scene would have ended


def test_every_catalog_gift_has_its_own_scene(kj: Kit) -> None:
    """Each gift in the hub's catalog plays its own scene (not the fallback), without
    a page error — including the ones a level-1 test user cannot send yet."""
    a = kj.user("a")
    catalog = kj.api.op(a, "gifts.catalog")["gifts"]
    missing = {g["animation"] for g in catalog} - set(SCENE_PARTS)
    assert not missing, f"catalog animations with no scene in the client: {missing}"
    page = kj.page(a)
    for n, gift in enumerate(catalog):
        page.evaluate("""async ([gift, n]) => {
            const { playGift } = await import('/static/js/giftanim.js');
            const card = document.createElement('div');
            card.dataset.testid = 'scene-card';
            playGift({ id: `scene-${n}`, gift: gift.id, animation: gift.animation,
                       from: 'x', to: 'y', name: gift.name }, card, () => {});
        }""", [gift, n])
        overlay = page.locator(f'[data-testid=gift-anim][data-gift-id="scene-{n}"]')
        expect(overlay).to_have_attribute("data-animation", gift["animation"])
        expect(overlay.locator(SCENE_PARTS[gift["animation"]]).first).to_be_attached()
        page.keyboard.press("Escape")  # ends the scene early; the next one is queued
    expect(page.get_by_test_id("gift-anim")).to_have_count(0)


def on_top(target: Locator) -> bool:
    """Whether `target` is what a click on its centre and near its ends would hit."""
    return bool(target.evaluate("""el => {
        const r = el.getBoundingClientRect();
        return [0.15, 0.5, 0.85].every((fx) =>
            el.contains(document.elementFromPoint(r.left + r.width * fx, r.top + r.height / 2)));
    }"""))


def test_gift_card_buttons_stay_usable(kj: Kit) -> None:
    """A received gift's card offers 回赠 Send back / 收下 Accept: toasts never cover those
    buttons, and the card does not end by itself while the pointer is on it or focus is
    in it. Left alone again it ends by itself; Esc and the backdrop still end it at once.

    The tab's clock is Playwright's fake one, paused and advanced by hand (`run_for`):
    the scene's own timers fire exactly when the test says, nothing waits on real time."""
    a, b = kj.user("a"), kj.user("b")
    kj.befriend(a, b)
    context = kj.context(b.url)
    context.add_cookies([{"name": "kj_session", "value": b.token, "url": b.url}])
    context.clock.install()
    pb = kj.page(b, context=context)
    feed_loaded(pb)
    pb.clock.pause_at(datetime.fromtimestamp(pb.evaluate("Date.now()") / 1000 + 1))

    kj.api.op(a, "gift.send", {"to": b.name, "gift": "rose", "message": "一朵玫瑰"})
    anim = pb.get_by_test_id("gift-anim")
    card = anim.locator(".gift-card")
    buttons = [pb.get_by_test_id("gift-anim-return"), pb.get_by_test_id("gift-anim-close")]
    for button in buttons:
        expect(button).to_be_visible()

    # A pile of toasts (as after a reconnect: sync, level-up, errors) covers neither.
    pb.evaluate("""async () => {
        const { toast } = await import('/static/js/dom.js');
        for (let i = 0; i < 5; i += 1) toast(`提示 toast ${i}`, { ms: 600000 });
    }""")
    expect(pb.get_by_test_id("toast").filter(has_text="提示 toast")).to_have_count(5)
    for button in buttons:
        assert on_top(button), f"{button} is covered"
    clear_toasts(pb)

    # Pointer on the card: it stays well past a scene's life (3.8 s).
    card.hover()
    pb.clock.run_for(5_000)
    expect(anim).to_be_visible()
    expect(anim).not_to_have_class(re.compile(r"\bgift-anim-out\b"))

    # Focus in the card (keyboard user), pointer gone: it still stays.
    pb.get_by_test_id("gift-anim-close").focus()
    pb.mouse.move(5, 5)  # the backdrop, off the card
    pb.clock.run_for(5_000)
    expect(anim).to_be_visible()

    # Both gone: it ends by itself, and the gift settles on the shelf.
    pb.evaluate("document.activeElement.blur()")
    pb.clock.run_for(5_000)
    expect(anim).to_have_count(0)
    expect(pb.get_by_test_id("my-gift-shelf").locator("[data-gift=rose]")).to_have_count(1)

    # Esc and a click on the backdrop still close a card under the pointer at once.
    for close in ("Escape", "backdrop"):
        kj.api.op(a, "gift.send", {"to": b.name, "gift": "rose"})
        expect(anim).to_be_visible()
        card.hover()
        if close == "Escape":
            pb.keyboard.press("Escape")
        else:
            pb.mouse.click(5, 5)
        expect(anim).to_have_class(re.compile(r"\bgift-anim-out\b"))
        pb.clock.run_for(1_000)  # its fade-out
        expect(anim).to_have_count(0)


def test_back_closes_the_gift_dialog(kj: Kit) -> None:
    """The browser's Back button, with the gift dialog open on a friend's space: the page
    before comes back, and the dialog does not stay open over it."""
    a, b = kj.user("a"), kj.user("b")
    kj.befriend(a, b)
    pa = kj.page(a, "/#/friends")
    pa.locator(f'[data-testid=friend][data-user="{b.name}"] a.user-link').click()
    expect(pa.get_by_test_id("space")).to_have_attribute("data-user", b.name)
    pa.get_by_test_id("send-gift").click()
    dialog = pa.get_by_test_id("gift-dialog")
    expect(dialog).to_be_visible()
    pa.go_back()
    expect(pa.get_by_test_id("view")).to_have_attribute("data-route", "friends")
    expect(dialog).to_be_hidden()
    pa.go_forward()  # and it does not come back by itself either
    expect(pa.get_by_test_id("space")).to_have_attribute("data-user", b.name)
    expect(dialog).to_be_hidden()


def test_send_back_goes_once_the_gift_was_returned(kj: Kit) -> None:
    """B returns A's gift from the card the gift plays: 回赠 Send back then leaves that
    gift's shelf item and its notification (saying it was returned instead), also after
    a reload; another gift still offers it."""
    a, b = kj.user("a"), kj.user("b")
    kj.befriend(a, b)
    older = kj.api.op(a, "gift.send", {"to": b.name, "gift": "cake"})["gift"]
    pb = kj.page(b, "/#/space/me")
    kj.api.op(a, "gift.send", {"to": b.name, "gift": "rose", "message": "给你"})
    pb.get_by_test_id("gift-anim-return").click()
    dialog = pb.get_by_test_id("gift-dialog")
    dialog.locator("[data-testid=gift-option][data-gift=balloon]").click()
    dialog.get_by_test_id("gift-send").click()
    expect(dialog).to_be_hidden()

    shelf = pb.get_by_test_id("gift-shelf")
    returned = shelf.locator("[data-testid=gift-item][data-gift=rose]")
    other = shelf.locator(f'[data-testid=gift-item][data-id="{older["id"]}"]')
    for when in ("at once", "after a reload"):
        if when != "at once":
            pb.reload()
        expect(returned.get_by_test_id("gift-returned")).to_be_visible()
        expect(returned.get_by_test_id("gift-return")).to_have_count(0)
        expect(other.get_by_test_id("gift-return")).to_be_visible()
    # 与我相关 holds both gifts (the hub kept the one sent before B's tab was open)
    pb.get_by_test_id("nav-notify").click()
    gifts = pb.locator("[data-testid=notify-item][data-kind=gift]")
    expect(gifts).to_have_count(2)
    item = gifts.filter(has_text="玫瑰")
    expect(item.get_by_test_id("gift-returned")).to_be_visible()
    expect(item.get_by_test_id("notify-gift-return")).to_have_count(0)
    expect(gifts.filter(has_text="蛋糕").get_by_test_id("notify-gift-return")).to_be_visible()
