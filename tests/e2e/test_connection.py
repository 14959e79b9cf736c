"""The connection badge and reconnects against a hub process that really goes away:
stopped, the tab says so; restarted on the same port with the same data directory
(accounts and inboxes survive), the tab reconnects by itself and resumes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import NO_THROTTLE, Kit, skip_without_chromium
from tests.e2e.helpers import by_user, feed_loaded, mood
from tests.harness import HubProcess

pytestmark = [pytest.mark.e2e, skip_without_chromium]


@pytest.fixture
def own_hub(tmp_path: Path) -> Iterator[list[HubProcess]]:
    """A hub of this test's own (it gets stopped), with a data dir that survives it."""
    hubs = [HubProcess(data=tmp_path, extra=NO_THROTTLE).start()]
    try:
        yield hubs
    finally:
        for hub in hubs:
            hub.stop()


def test_hub_restart_shows_state_and_reconnects(kj: Kit, own_hub: list[HubProcess],
                                                 tmp_path: Path) -> None:
    hub = own_hub[0]
    a, b = kj.user("a", url=hub.url), kj.user("b", url=hub.url)
    kj.befriend(a, b)
    pa = kj.page(a)
    feed_loaded(pa)
    state = pa.get_by_test_id("conn-state")
    expect(state).to_have_text(re.compile("Connected"))

    hub.stop()  # SIGTERM: the hub drains (close 1001) and exits
    expect(state).to_have_attribute("data-state", re.compile("^(reconnecting|offline)$"))
    expect(pa.get_by_test_id("conn-retry")).to_be_visible()

    own_hub.append(HubProcess(port=hub.port, data=tmp_path, extra=NO_THROTTLE).start())
    kj.api.op(b, "mood.post", {"text": "after the restart"})  # replayed or live
    expect(state).to_have_attribute("data-state", "connected", timeout=20_000)
    expect(pa.get_by_test_id("conn-retry")).to_be_hidden()
    expect(mood(pa, text="after the restart")).to_be_visible()
    kj.api.op(b, "mood.post", {"text": "live again"})
    expect(mood(pa, text="live again")).to_be_visible()


def test_presence_is_unknown_while_disconnected(kj: Kit, own_hub: list[HubProcess],
                                                tmp_path: Path) -> None:
    """With the socket gone, the tab cannot hear presence: a friend is not shown online
    (nor offline) on its word from before. Back online, `friends.list` says who is: the
    friend who left meanwhile shows offline."""
    hub = own_hub[0]
    a, b = kj.user("a", url=hub.url), kj.user("b", url=hub.url)
    kj.befriend(a, b)
    pa = kj.page(a, "/#/friends")
    pb = kj.page(b)
    friend = by_user(pa, "friend", b.name)
    expect(friend).to_have_attribute("data-online", "true")
    expect(by_user(pa, "online-friend", b.name)).to_be_visible()

    hub.stop()
    expect(pa.get_by_test_id("conn-state")).to_have_attribute(
        "data-state", re.compile("^(reconnecting|offline)$"))
    expect(friend).to_have_attribute("data-online", "unknown")
    expect(friend).to_contain_text("状态未知 unknown")
    expect(by_user(pa, "online-friend", b.name)).to_have_count(0)
    expect(pa.get_by_test_id("online-unknown")).to_be_visible()
    pb.close()  # B leaves while nobody can tell

    own_hub.append(HubProcess(port=hub.port, data=tmp_path, extra=NO_THROTTLE).start())
    expect(pa.get_by_test_id("conn-state")).to_have_attribute("data-state", "connected",
                                                              timeout=20_000)
    expect(friend).to_have_attribute("data-online", "false")
    expect(pa.get_by_test_id("online-unknown")).to_have_count(0)
