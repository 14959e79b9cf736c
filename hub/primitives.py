"""asyncio's Event and Queue for one connection, without their deques.

Every `asyncio.Event` carries a deque of waiters and every `asyncio.Queue` four (its
items, getters, putters and the Event behind `join`): about 760 bytes each even when
empty. An idle websocket had six of them — a third of what it cost. These keep nothing
but a list made while someone waits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any


class Flag:
    """`asyncio.Event`: set, clear, is_set and wait, for any number of waiters. `value`
    is `is_set()` without a call, for hot paths."""

    __slots__ = ("_waiters", "value")

    def __init__(self, value: bool = False) -> None:
        self.value = value
        self._waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        return self.value

    def set(self) -> None:
        self.value = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self.value = False

    async def wait(self) -> bool:
        if self.value:
            return True
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = [waiter]
        else:
            self._waiters.append(waiter)
        try:
            await waiter
        finally:  # cancelled: forget it, so a parked list never grows
            waiters = self._waiters
            if waiters is not None and waiter in waiters:
                waiters.remove(waiter)
                if not waiters:
                    self._waiters = None
        return True


class ReceiveQueue:
    """The `asyncio.Queue` a server keeps per connection for ASGI `receive` messages:
    unbounded, `put_nowait` from the protocol, `get` by the one reading endpoint."""

    __slots__ = ("_items", "_waiter")

    def __init__(self, items: Iterable[Any] = ()) -> None:
        self._items: list[Any] | None = list(items) or None
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: Any) -> None:
        if self._items is None:
            self._items = [item]
        else:
            self._items.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def get(self) -> Any:
        while not self._items:
            waiter = self._waiter = asyncio.get_running_loop().create_future()
            try:
                await waiter
            finally:
                self._waiter = None
        item = self._items.pop(0)
        if not self._items:
            self._items = None
        return item

    def empty(self) -> bool:
        return not self._items
