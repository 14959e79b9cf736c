"""When the cyclic garbage collector may pause the hub, and for how long.

CPython's full collection walks every tracked object. A hub holding 10,000 connections
tracks ~700,000 (about 70 per connection: uvicorn's and websockets' protocol objects,
asyncio transports and tasks, our session), and a full collection of that many took
0.3–0.5 s: a pause every connection feels (bench/HISTORY.md, social workload). Python
starts one whenever the long-lived objects have grown by a quarter since the last.

So after each full collection the survivors are frozen (`gc.freeze`): they are long
lived, and the next full collection only walks what was allocated since. (Python sizes
the next full collection by the survivors it saw, so full collections now come more
often, but each is as short as a young one.) The cost is that cyclic garbage among
frozen objects is not found while they stay frozen, and a closed connection leaves ~26
such objects behind. So once the connections closed since the freeze reach a quarter of
those that were open at it (and at least `MIN_CLOSED`), everything is unfrozen again and
the next full collection walks, and frees, it all: under churn that is one full-size
pause per quarter of the connections turned over — no more often than without the
policy — and with steady connections there is none.

Young collections are made rarer too: one per `YOUNG_THRESHOLD` net allocations instead
of CPython's 700. Serving a busy hub allocates fast (frames, op dicts, coroutines), and
at 700 the young and middle collections came several times a second, 5–34 ms each, right
in the delivery path. At 20,000 the social benchmark's memory-engine p99 went from
118–179 ms to 49–90 ms and its CPU from 27.6–28.5 to 24.7–26.6 s (bench/HISTORY.md,
summary of 13:40–14:13).
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from typing import Any

MIN_CLOSED = 1000  # closed connections tolerated in the frozen heap, whatever its size
YOUNG_THRESHOLD = 20_000  # gc threshold0 while installed (CPython's default: 700)


class GcPolicy:
    def __init__(self, open_count: Callable[[], int], closed_count: Callable[[], int]) -> None:
        self.open_count = open_count  # connections open now
        self.closed_count = closed_count  # connections closed since the process started
        self.frozen = False
        self._closed_at_freeze = 0
        self._tolerated = MIN_CLOSED
        self._loop: asyncio.AbstractEventLoop | None = None
        self._freeze_pending = False
        self._thresholds: tuple[int, int, int] | None = None  # (before, set) by install

    def install(self) -> None:
        self._loop = asyncio.get_running_loop()
        gc.callbacks.append(self._on_gc)
        before = gc.get_threshold()
        gc.set_threshold(max(before[0], YOUNG_THRESHOLD), before[1], before[2])
        self._thresholds = before

    def uninstall(self) -> None:
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)
        self._loop = None  # a freeze still scheduled does nothing now
        self.thaw()
        if self._thresholds is not None:
            before, self._thresholds = self._thresholds, None
            if gc.get_threshold()[0] == max(before[0], YOUNG_THRESHOLD):  # still ours
                gc.set_threshold(*before)

    def thaw(self) -> None:
        if self.frozen:
            gc.unfreeze()
            self.frozen = False

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            if self.frozen and self.closed_count() - self._closed_at_freeze > self._tolerated:
                # Too much garbage may hide among frozen objects: let the collections
                # that follow (this one too, if it is a full one) see everything.
                gc.unfreeze()
                self.frozen = False
            return
        loop = self._loop
        if (info["generation"] == 2 and not self._freeze_pending and loop is not None
                and not loop.is_closed()):
            # Not from inside the collector: freeze right after it, on the event loop
            # (threadsafe: a collection may run in a worker thread, e.g. StaticFiles's).
            self._freeze_pending = True
            loop.call_soon_threadsafe(self._freeze)

    def _freeze(self) -> None:
        self._freeze_pending = False
        if self._loop is None:  # uninstalled meanwhile
            return
        gc.freeze()
        self.frozen = True
        self._closed_at_freeze = self.closed_count()
        self._tolerated = max(MIN_CLOSED, self.open_count() // 4)
        # (no gc.get_freeze_count() here: it walks every frozen object — it was 2.7 %
        # of a Redis node's CPU in the social benchmark, even with the log line off)
