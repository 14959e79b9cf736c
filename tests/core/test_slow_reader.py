"""DESIGN §6: one slow reader never slows the others. Its queue is bounded; past
`max_queue_bytes` it is closed with 4429 while its friends keep getting every event."""

from __future__ import annotations

from typing import Any

import httpx

from hub.client import Event
from tests.core.conftest import MakeHub
from tests.core.support import Raw, post_mood, small_rcvbuf_socket
from tests.harness import Users, befriend

BIG = "慢" * 1990  # near the longest mood: ~6 KB of UTF-8 per event frame
MAX_EVENTS = 2000  # bound: the slow reader must be cut off well before this


def _number(data: dict[str, Any]) -> int:
    """The running number a test mood starts with."""
    return int(data["mood"]["text"].split()[0])


async def test_slow_reader_is_closed_4429_and_others_get_everything(make_hub: MakeHub) -> None:
    hub = await make_hub(max_queue_bytes=64 * 1024, ops_per_second=10_000, ops_burst=10_000,
                         user_ops_per_second=10_000, user_ops_burst=10_000)
    node = hub.node
    users = Users(hub.url)
    try:
        slow, author, fast = (await users.new("slow"), await users.new("auth"),
                              await users.new("fast"))
        await befriend(slow, author)
        await befriend(fast, author)
        await slow.close()
        assert slow.token is not None and author.token is not None
        # The slow reader: a tiny TCP receive window and a 1-frame client queue, and
        # after hello it never reads again.
        sock = await small_rcvbuf_socket("127.0.0.1", hub.settings.port)
        stuck, _ = await Raw.hello(hub.url, slow.token, sock=sock, max_queue=1)
        closes_before = node.metrics.slow_closes.value

        posted = 0
        async with httpx.AsyncClient(base_url=hub.url, timeout=30) as http:
            while posted < MAX_EVENTS and node.metrics.slow_closes.value == closes_before:
                await post_mood(http, author.token, f"{posted} {BIG}")
                posted += 1
        assert node.metrics.slow_closes.value == closes_before + 1, (
            f"no 4429 after {posted} events of ~6 KB")
        print(f"slow reader cut off after {posted} events")

        # The slow reader now reads what was buffered and finds the 4429 close frame.
        got: list[dict[str, Any]] = []
        assert await stuck.closed(timeout=10, frames=got) == 4429
        read = [f for f in got if f["type"] == "event"]
        assert read, "the slow reader got no event before its queue overflowed"

        # The fast friend got every mood, once, in order, with contiguous seqs.
        last = f"{posted - 1} "
        await fast.next_event("mood", where=lambda e: e.data["mood"]["text"].startswith(last),
                              timeout=30)
        moods: list[Event] = [e for e in fast.events_seen if e.event == "mood"]
        assert [_number(e.data) for e in moods] == list(range(posted))
        seqs = [e.seq for e in fast.inbox_events]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
        await fast.call("ping")

        # The cut-off reader resumes from the last event it read and misses nothing:
        # what it read before the cut plus the replay is every mood once, in order.
        back = await users.tab(slow, since=read[-1]["id"])
        assert back.hello["gap"] is False
        head = int(back.hello["seq"])
        await back.next_event(where=lambda e: e.seq == head, timeout=30)
        assert [e.seq for e in back.inbox_events] == list(range(read[-1]["seq"] + 1, head + 1))
        numbers = [_number(f["data"]) for f in read if f["event"] == "mood"]
        numbers += [_number(e.data) for e in back.events_seen if e.event == "mood"]
        assert numbers == list(range(posted))
    finally:
        await users.close()
