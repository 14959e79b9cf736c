"""Page layout: the content starts right under the nav bar, on a wide screen (where
the sidebar, taller than a short page, spans the nav's row and the content's) and on a
phone; the space banner's decorations keep out from under its buttons; tap targets on
a phone are big enough."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Kit, skip_without_chromium
from tests.e2e.helpers import clear_toasts, feed_loaded, mood, no_horizontal_overflow

pytestmark = [pytest.mark.e2e, skip_without_chromium]

# The nav's bottom margin is 14 px (8 px on a phone); a few more for rounding. The
# broken grid put the sidebar's spare height (well over 100 px) into the nav's row.
MAX_GAP_PX = 24


VIEWPORTS = [{"width": 1280, "height": 860}, {"width": 390, "height": 844}]


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["desktop", "phone"])
def test_content_starts_right_below_the_nav(kj: Kit, viewport: dict[str, int]) -> None:
    user = kj.user("lay")
    page = kj.page(user, "/#/notifications", viewport=viewport)
    for route in ("notifications", "friends", "feed"):  # short pages: no moods, no friends
        page.goto(f"/#/{route}")
        expect(page.get_by_test_id("view")).to_have_attribute("data-route", route)
        expect(page.get_by_test_id("view").locator("> *").first).to_be_visible()
        if route == "feed":
            feed_loaded(page)
        nav = page.locator("nav.nav").bounding_box()
        view = page.get_by_test_id("view").bounding_box()
        sidebar = page.locator("aside.sidebar").bounding_box()
        assert nav and view and sidebar
        gap = view["y"] - (nav["y"] + nav["height"])
        assert 0 <= gap <= MAX_GAP_PX, f"{route}: {gap:.0f} px between the nav and the content"
        if route == "notifications" and viewport["width"] > 760:
            # the case in point: two columns, and the sidebar taller than nav + content
            assert sidebar["height"] > nav["height"] + view["height"] + MAX_GAP_PX
        assert no_horizontal_overflow(page)


PHONE = {"width": 390, "height": 844}
# The decorations drawn opaque red (to see them wherever they are, faint or not), or not
# at all; the buttons themselves hidden both times (their boxes stay put), so the one
# thing that differs between two screenshots is what the decorations paint.
DECO_SHOWN = (".space-banner::after { visibility: visible !important; color: #f00 !important;"
              " opacity: 1 !important; }")
DECO_HIDDEN = ".space-banner::after { visibility: hidden !important; }"
BUTTONS_HIDDEN = ".space-actions > * { visibility: hidden !important; }"


def set_rules(page: Page, *rules: str) -> None:
    """Replace the test's extra CSS rules, through the CSSOM (a <style> tag would break
    the page's CSP)."""
    page.evaluate("""(rules) => {
        const sheet = [...document.styleSheets]
            .find((s) => (s.href || '').endsWith('/style.css'));
        for (const old of window.kjTestRules || []) {
            sheet.deleteRule([...sheet.cssRules].indexOf(old));
        }
        window.kjTestRules = rules.map(
            (rule) => sheet.cssRules[sheet.insertRule(rule, sheet.cssRules.length)]);
    }""", list(rules))


@pytest.mark.parametrize("viewport", [PHONE, VIEWPORTS[0]], ids=["phone", "desktop"])
@pytest.mark.parametrize("whose", ["own", "friend", "stranger"])
def test_banner_decorations_stay_out_from_under_the_buttons(
        kj: Kit, viewport: dict[str, int], whose: str) -> None:
    """The space banner's ★ ☾ ☀ ♛ are drawn, but nowhere under (or over) the music,
    edit, settings, gift, friend and block buttons: inside each button's box the banner
    looks the same with the decorations drawn as without them."""
    owner, visitor = kj.user("own"), kj.user("vis")
    if whose == "friend":
        kj.befriend(owner, visitor)
    kj.api.op(owner, "space.update", {"music": "twinkle", "signature": "签名" * 40})
    viewer = owner if whose == "own" else visitor
    page = kj.page(viewer, f"/#/space/{owner.name}", viewport=viewport, reduced_motion="reduce")
    banner = page.locator(".space-banner")
    # buttons and the 好友 chip: music, edit and 空间设置 on one's own space; music, gift,
    # friend and 拉黑 Block on anyone else's, and ☆ 特别关心 on a friend's
    actions = banner.locator(".space-actions > :visible")
    expect(page.get_by_test_id("music-toggle")).to_be_visible()
    expect(actions).to_have_count({"own": 3, "friend": 5, "stranger": 4}[whose])
    clear_toasts(page)
    banner.scroll_into_view_if_needed()
    boxes = [(a.inner_text(), a.bounding_box()) for a in actions.all()]

    def shots(deco: str) -> tuple[bytes, list[bytes]]:
        set_rules(page, BUTTONS_HIDDEN, deco)
        return (banner.screenshot(animations="disabled"),
                [page.screenshot(clip=box, animations="disabled") for _, box in boxes])

    with_deco, under_buttons_with = shots(DECO_SHOWN)
    without_deco, under_buttons_without = shots(DECO_HIDDEN)
    assert with_deco != without_deco, "the banner decorations are not drawn at all"
    for (label, _), shown, hidden in zip(boxes, under_buttons_with, under_buttons_without,
                                         strict=True):
        assert shown == hidden, f"decorations are drawn under or over {label!r}"
    assert no_horizontal_overflow(page)


def test_cancel_reply_is_a_big_enough_tap_target_on_a_phone(kj: Kit) -> None:
    """The × that cancels a reply is at least 32 x 32 CSS px on a phone, and works."""
    a, b = kj.user("a"), kj.user("b", display_name="读者 Reader")
    kj.befriend(a, b)
    mood_id = kj.api.op(a, "mood.post", {"text": "reply to me"})["mood"]["id"]
    kj.api.op(b, "comment.post", {"mood_id": mood_id, "text": "a comment"})
    page = kj.page(a, viewport=PHONE, is_mobile=True, has_touch=True)
    card = mood(page, mood_id)
    card.get_by_test_id("reply-btn").click()
    chip = card.get_by_test_id("reply-target")
    expect(chip).to_contain_text("读者 Reader")
    cancel = chip.get_by_role("button", name="取消回复 Cancel reply")
    expect(cancel).to_be_visible()
    box = cancel.bounding_box()
    assert box is not None
    size = f"{box['width']:.0f} x {box['height']:.0f} px"
    assert box["width"] >= 32 and box["height"] >= 32, f"the × is {size}"
    cancel.tap()
    expect(chip).to_be_hidden()
    expect(card.get_by_test_id("comment-input")).to_have_attribute(
        "placeholder", "写评论… Write a comment")


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["desktop", "phone"])
def test_toasts_stack_in_a_corner_off_the_composer_and_feed(
        kj: Kit, viewport: dict[str, int]) -> None:
    """A pile of toasts (a sync notice, a long one, one with a button) covers neither
    the mood composer nor the feed's cards, on a wide screen and on a phone."""
    a, b = kj.user("a"), kj.user("b")
    kj.befriend(a, b)
    for n in range(3):
        kj.api.op(b, "mood.post", {"text": f"动态 {n} " + "很长的一条说说 " * 12})
    page = kj.page(a, viewport=viewport)
    feed_loaded(page)
    expect(mood(page)).to_have_count(3)
    clear_toasts(page)
    page.evaluate("""async () => {
        const { toast } = await import('/static/js/dom.js');
        toast('已补上 3 条离线消息 Caught up on 3 missed: 2 说说 mood, 1 留言 guestbook',
              { kind: 'sync', ms: 600000 });
        toast('好友请求 friend wants to be your friend', { kind: 'friend', ms: 600000,
              action: { label: '查看 View', run: () => {} } });
        toast('发表成功 Posted ✓', { ms: 600000 });
    }""")
    toasts = page.get_by_test_id("toast")
    expect(toasts).to_have_count(3)
    expect(toasts.last).to_be_visible()  # the newest one is always shown
    covered = [page.get_by_test_id("mood-form"), *mood(page).all()]
    for toast in toasts.all():
        if not toast.is_visible():
            continue
        box = toast.bounding_box()
        assert box is not None
        for target in covered:
            other = target.bounding_box()
            assert other is not None
            assert not overlaps(box, other), (
                f"the toast {toast.inner_text()!r} covers {target.get_attribute('data-testid')}")
    assert no_horizontal_overflow(page)


@pytest.mark.parametrize("viewport", [PHONE, VIEWPORTS[0]], ids=["phone", "desktop"])
def test_points_and_points_to_go_are_shown_not_only_on_hover(
        kj: Kit, viewport: dict[str, int]) -> None:
    """Under the level icons, in my card and on a space page: the points and how many
    are still needed for the next level — as text on the page, not only in a tooltip."""
    a = kj.user("a")
    kj.api.op(a, "mood.post", {"text": "攒积分 points"})
    level = kj.api.op(a, "space.get", {"user": a.name})["level"]
    page = kj.page(a, viewport=viewport, has_touch=viewport is PHONE)
    wanted = [f"{level['points']} 积分", f"还差 {level['next']} 分"]
    mine = page.get_by_test_id("me-card").get_by_test_id("level-points")
    mine.scroll_into_view_if_needed()
    expect(mine).to_be_visible()
    expect(mine).to_be_in_viewport()
    for text in wanted:
        expect(mine).to_contain_text(text)
    page.goto(f"/#/space/{a.name}")
    on_space = page.get_by_test_id("space-level").get_by_test_id("level-points")
    expect(on_space).to_be_in_viewport()
    for text in wanted:
        expect(on_space).to_contain_text(text)
    assert no_horizontal_overflow(page)
