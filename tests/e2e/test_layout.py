"""Page layout: the content starts right under the nav bar, on a wide screen (where
the sidebar, taller than a short page, spans the nav's row and the content's) and on a
phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Kit, skip_without_chromium
from tests.e2e.helpers import feed_loaded, no_horizontal_overflow

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
