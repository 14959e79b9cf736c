"""`all_of` / `together`: independent store calls awaited at once, errors surfaced only
once every call has finished."""

from __future__ import annotations

import asyncio

import pytest

from hub.together import all_of, together


async def _value(value: object, delay: float, done: list[object]) -> object:
    await asyncio.sleep(delay)  # a stand-in for a Redis round trip, not a sync wait
    done.append(value)
    return value


async def _fail(error: Exception, delay: float, done: list[object]) -> object:
    await asyncio.sleep(delay)
    done.append(error)
    raise error


async def test_results_come_in_argument_order_and_run_at_once() -> None:
    done: list[object] = []
    assert await together(_value("slow", 0.02, done), _value("fast", 0, done)) == (
        "slow", "fast")
    assert done == ["fast", "slow"]  # the second did not wait for the first


async def test_an_error_is_raised_only_after_every_call_finished() -> None:
    done: list[object] = []
    with pytest.raises(KeyError):
        await all_of([_fail(KeyError("x"), 0, done), _value("write", 0.02, done)])
    assert done[-1] == "write"  # not left running behind the error


async def test_the_first_error_in_argument_order_wins() -> None:
    done: list[object] = []
    with pytest.raises(LookupError, match="first"):
        await together(_fail(LookupError("first"), 0.02, done),
                       _fail(ValueError("second"), 0, done))
    assert len(done) == 2


async def test_cancelling_the_caller_cancels_every_call() -> None:
    done: list[object] = []
    task = asyncio.ensure_future(together(_value(1, 10, done), _value(2, 10, done)))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert done == []
