from __future__ import annotations
import pytest
from playwright.sync_api import expect
from tests.e2e.conftest import Kit, skip_without_chromium
from tests.e2e.helpers import feed_loaded, mood, post_mood_ui

pytestmark = [pytest.mark.e2e, skip_without_chromium]

def test_probe(kj: Kit) -> None:
    a = kj.user("a")
    pa = kj.page(a)
    feed_loaded(pa)
    post_mood_ui(pa, "my own mood")
    expect(mood(pa, text="my own mood")).to_be_visible()
    print("resume before", pa.evaluate("sessionStorage.getItem('kj:resume')"))
    pa.reload()
    feed_loaded(pa)
    print("resume after", pa.evaluate("sessionStorage.getItem('kj:resume')"))
    pa.wait_for_timeout(2500)
    print("toasts", pa.evaluate("[...document.querySelectorAll('[data-testid=sync-toast]')].map(t=>t.textContent)"))
