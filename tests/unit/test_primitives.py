"""Flag and ReceiveQueue stand in for uvicorn's per-socket asyncio.Event and Queue:
every waiter wakes, a cancelled waiter is forgotten, items come out in order."""

from __future__ import annotations

import asyncio

import pytest

from hub.primitives import Flag, ReceiveQueue


async def test_flag_wakes_every_waiter_and_forgets_cancelled_ones() -> None:
    flag = Flag()
    first, second = (asyncio.create_task(flag.wait()) for _ in range(2))
    cancelled = asyncio.create_task(flag.wait())
    await asyncio.sleep(0)
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert flag._waiters is not None and len(flag._waiters) == 2
    flag.set()
    assert await asyncio.wait_for(asyncio.gather(first, second), 1) == [True, True]
    assert flag._waiters is None and flag.is_set() and flag.value
    flag.clear()
    assert not flag.is_set()


async def test_receive_queue_hands_out_items_in_order() -> None:
    queue = ReceiveQueue([{"n": 1}])  # what uvicorn had queued before the swap
    assert await queue.get() == {"n": 1}
    waiting = asyncio.create_task(queue.get())  # its one reader, parked
    await asyncio.sleep(0)
    queue.put_nowait({"n": 2})
    queue.put_nowait({"n": 3})
    assert await asyncio.wait_for(waiting, 1) == {"n": 2}
    assert not queue.empty() and await queue.get() == {"n": 3} and queue.empty()
