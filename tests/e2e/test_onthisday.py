"""那年今日 in the browser (issue #19): my moods of today's month and day in earlier years,
as the hub picks them, in a card at the top of the feed; hidden for the rest of the day
in that tab once dismissed.

The hub decides what is "on this day", by its own clock, so the old mood has to be
really old to the hub. This module serves its own hub, in this process (a thread with
its own event loop), whose clock is real time plus a shift the test sets: shifted back
by whole years (to noon UTC of today's month and day) while the old mood is posted, then
back to real time. The browser's clock is never touched, and it agrees with the hub's
when the card is drawn. The account is registered at real time, so its 30-day session
is valid at both ends. (A run straddling midnight UTC would see no card: the hub's day
changed under it.) `KJ_STATIC_DIR` is honoured, as by the package's hub, to run these
tests against another copy of the client."""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from hub.app import create_app
from hub.config import Settings
from tests.e2e.conftest import Kit, skip_without_chromium
from tests.e2e.helpers import feed_loaded, mood
from tests.harness import InProcessHub
from tests.redis_server import free_port

pytestmark = [pytest.mark.e2e, skip_without_chromium]


class ShiftedClock:
    """Real time plus `shift_ms` (set by the test); monotonic time is real."""

    def __init__(self) -> None:
        self.shift_ms = 0

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000 + self.shift_ms

    def monotonic(self) -> float:
        return time.monotonic()


class ThreadHub:
    """An in-process hub on its own event loop in a daemon thread."""

    def __init__(self, clock: ShiftedClock) -> None:
        extra: dict[str, Any] = {}
        if os.environ.get("KJ_STATIC_DIR"):
            extra["static_dir"] = Path(os.environ["KJ_STATIC_DIR"])
        settings = Settings(port=free_port(), data=None, register_per_minute=0,
                            node_id="e2e-onthisday", **extra)
        self.hub = InProcessHub(settings)
        self.hub.app = create_app(settings, clock)  # the node reads the shifted clock
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> str:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.hub.start(), self.loop).result(30)
        return self.hub.url

    def stop(self) -> None:
        try:
            asyncio.run_coroutine_threadsafe(self.hub.stop(), self.loop).result(30)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)


@pytest.fixture(scope="module")
def shifted_hub() -> Iterator[tuple[str, ShiftedClock]]:
    clock = ShiftedClock()
    hub = ThreadHub(clock)
    url = hub.start()
    try:
        yield url, clock
    finally:
        hub.stop()


def years_back(now: datetime.datetime) -> tuple[int, datetime.datetime]:
    """How many years back, and noon UTC of today's month and day then (4 years back
    from a 29 February)."""
    for years in (3, 4):
        try:
            return years, now.replace(year=now.year - years, hour=12, minute=0, second=0,
                                      microsecond=0)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def test_on_this_day_card_shows_my_old_moods_and_is_dismissed_for_the_day(
        kj: Kit, shifted_hub: tuple[str, ShiftedClock]) -> None:
    """A mood posted N years ago today (and one the day before it) and one today: the
    feed's card says "那年今日 · N 年前的今天" with that mood only, its date and its
    @mention linked. 今天不再显示 removes it (focus on the feed's heading); a reload of
    that tab does not even ask again; a fresh tab (its own session) shows it again."""
    url, clock = shifted_hub
    me = kj.user("a", url=url)
    now = datetime.datetime.now(datetime.UTC)
    years, then = years_back(now)
    try:
        clock.shift_ms = int((then - now).total_seconds() * 1000)
        old = kj.api.op(me, "mood.post", {"text": f"那一年的今天 @{me.name}x 在海边"})["mood"]
        clock.shift_ms -= 86_400_000
        kj.api.op(me, "mood.post", {"text": "那一年的前一天"})
    finally:
        clock.shift_ms = 0
    kj.api.op(me, "mood.post", {"text": "今年的今天"})
    assert [m["id"] for m in kj.api.op(me, "onthisday")["items"]] == [old["id"]]  # the hub's pick

    sent: list[str] = []

    def watch(ws: Any) -> None:
        ws.on("framesent", lambda payload: sent.append(json.loads(payload).get("op", ""))
              if isinstance(payload, str) else None)

    context = kj.context(url)
    context.add_cookies([{"name": "kj_session", "value": me.token, "url": url}])
    page = kj.watch_page(context.new_page())
    page.on("websocket", watch)
    page.goto("/#/feed")
    feed_loaded(page)
    card = page.get_by_test_id("onthisday")
    expect(card.get_by_test_id("onthisday-title")).to_contain_text(f"那年今日 · {years} 年前的今天")
    items = card.get_by_test_id("onthisday-item")
    expect(items).to_have_count(1)
    expect(items).to_have_attribute("data-id", str(old["id"]))
    expect(items.get_by_test_id("onthisday-text")).to_have_text(f"那一年的今天 @{me.name}x 在海边")
    expect(items.get_by_test_id("mention")).to_have_attribute("href", f"#/space/{me.name}x")
    expect(items).to_contain_text(then.date().isoformat())
    expect(card).not_to_contain_text("今年的今天")
    expect(card).not_to_contain_text("那一年的前一天")
    assert page.evaluate(  # on top of the feed's list
        "(() => { const c = document.querySelector('[data-testid=onthisday]');"
        " const l = document.querySelector('[data-testid=feed-list]');"
        " return Boolean(c.compareDocumentPosition(l) & Node.DOCUMENT_POSITION_FOLLOWING); })()")

    card.get_by_test_id("onthisday-dismiss").click()
    expect(card).to_have_count(0)
    expect(page.locator("#feed-title")).to_be_focused()
    sent.clear()
    page.reload()
    feed_loaded(page)
    expect(mood(page, text="今年的今天")).to_be_visible()
    assert "feed" in sent and "onthisday" not in sent, sent  # hidden for today: not asked
    expect(page.get_by_test_id("onthisday")).to_have_count(0)

    fresh = kj.page(me)  # another browser: its own sessionStorage
    expect(fresh.get_by_test_id("onthisday").get_by_test_id("onthisday-item")).to_have_count(1)
