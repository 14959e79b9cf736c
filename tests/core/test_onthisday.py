"""那年今日 (issue #19): `onthisday` gives my moods of today's month and day in earlier
years, on both engines, with an injected clock (no waiting a year). The clock starts in
the future, so Redis's real-time expiries (sessions) never run out under it."""

from __future__ import annotations

import datetime

from hub.client import Client
from hub.clock import ManualClock
from tests.core.conftest import MakeHub
from tests.core.support import account

START = datetime.datetime(2030, 6, 15, 12, tzinfo=datetime.UTC)
THREE_YEARS = (START.replace(year=2033) - START).total_seconds()


async def test_my_moods_of_this_day_in_earlier_years(make_hub: MakeHub) -> None:
    clock = ManualClock(now_ms=int(START.timestamp() * 1000))
    hub = await make_hub(clock=clock)
    _, token = await account(hub.url, "otd")
    me = await Client.connect(hub.url, token)
    try:
        assert await me.call("onthisday") == {"items": []}
        old = (await me.call("mood.post", {"text": "三年前的今天"}))["mood"]
        clock.advance(86_400)
        await me.call("mood.post", {"text": "第二天"})
        clock.advance(THREE_YEARS - 86_400)  # 2033-06-15
        await me.call("mood.post", {"text": "今年的今天"})
        items = (await me.call("onthisday"))["items"]
        assert [m["id"] for m in items] == [old["id"]]
        assert items[0]["text"] == "三年前的今天" and "likes" in items[0]  # decorated
    finally:
        await me.close()
