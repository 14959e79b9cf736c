"""The browser client against two hub nodes sharing one Redis: events cross nodes live,
and a tab whose node goes away reconnects by itself and shows what it missed, once."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import NO_THROTTLE, Kit, skip_without_chromium
from tests.e2e.helpers import feed_loaded, mood
from tests.harness import HubProcess
from tests.redis_server import RedisServer

pytestmark = [pytest.mark.e2e, skip_without_chromium]


class Nodes:
    def __init__(self) -> None:
        self.redis = RedisServer()
        self.redis.start()
        self.prefix = f"kje2e{uuid.uuid4().hex[:8]}"
        self.hubs = [self._hub(i) for i in (1, 2)]

    def _hub(self, n: int, port: int | None = None) -> HubProcess:
        return HubProcess(port=port, redis_url=self.redis.url, node_id=f"node-{n}",
                          extra=["--key-prefix", self.prefix, *NO_THROTTLE]).start()

    def restart(self, n: int) -> HubProcess:
        old = self.hubs[n - 1]
        old.stop()
        self.hubs[n - 1] = self._hub(n, port=old.port)
        return self.hubs[n - 1]

    def close(self) -> None:
        for hub in self.hubs:
            hub.stop()
        self.redis.cleanup()


@pytest.fixture
def nodes() -> Iterator[Nodes]:
    made = Nodes()
    try:
        yield made
    finally:
        made.close()


def test_tab_on_a_restarted_node_reconnects_and_shows_the_mood_once(
        kj: Kit, nodes: Nodes) -> None:
    one, two = nodes.hubs
    a = kj.user("a", url=two.url)
    b = kj.user("b", url=one.url)
    kj.befriend(a, b)
    pb = kj.page(b)  # B's tab is on node 1
    feed_loaded(pb)
    kj.api.op(a, "mood.post", {"text": "来自二号节点 from node 2"})
    expect(mood(pb, text="来自二号节点 from node 2")).to_be_visible()  # crossed live

    state = pb.get_by_test_id("conn-state")
    one.stop()  # node 1 drains: B's tab loses its connection
    expect(state).to_have_attribute("data-state", re.compile("^(reconnecting|offline)$"))
    missed = "趁一号节点重启 while node 1 was down"
    kj.api.op(a, "mood.post", {"text": missed})  # through node 2, into B's inbox

    nodes.restart(1)
    expect(state).to_have_attribute("data-state", "connected", timeout=20_000)
    expect(mood(pb, text=missed)).to_have_count(1)
    kj.api.op(a, "mood.post", {"text": "marker"})
    expect(mood(pb, text="marker")).to_be_visible()
    expect(mood(pb, text=missed)).to_have_count(1)  # still once after more live events
