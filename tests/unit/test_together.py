"""`all_of` / `together`: independent store calls awaited at once, errors surfaced only
once every call has finished."""

from __future__ import annotations

import asyncio

import pytest

from hub.together import all_of, together


async def _after(gate: asyncio.Event, value: object, done: list[object]) -> object:
    await gate.wait()  # a call that can only finish once another one has run
    done.append(value)
    return value


async def _now(value: object, done: list[object], opens: asyncio.Event | None = None) -> object:
    done.append(value)
    if opens is not None:
        opens.set()
    return value


async def _fail(error: Exception, done: list[object], gate: asyncio.Event | None = None,
                opens: asyncio.Event | None = None) -> object:
    if gate is not None:
        await gate.wait()
    done.append(error)
    if opens is not None:
        opens.set()
    raise error


async def test_results_come_in_argument_order_and_run_at_once() -> None:
    done: list[object] = []
    gate = asyncio.Event()
    # the first waits for the second: awaited one after the other, this would hang
    result = await asyncio.wait_for(
        together(_after(gate, "first", done), _now("second", done, opens=gate)), 5)
    assert result == ("first", "second")
    assert done == ["second", "first"]


async def test_an_error_is_raised_only_after_every_call_finished() -> None:
    done: list[object] = []
    gate = asyncio.Event()
    with pytest.raises(KeyError):
        await asyncio.wait_for(
            all_of([_fail(KeyError("x"), done, opens=gate), _after(gate, "write", done)]), 5)
    assert done[-1] == "write"  # not left running behind the error


async def test_the_first_error_in_argument_order_wins() -> None:
    done: list[object] = []
    gate = asyncio.Event()
    with pytest.raises(LookupError, match="first"):
        await asyncio.wait_for(together(_fail(LookupError("first"), done, gate=gate),
                                        _fail(ValueError("second"), done, opens=gate)), 5)
    assert [type(e) for e in done] == [ValueError, LookupError]  # the second failed first


async def test_cancelling_the_caller_cancels_every_call() -> None:
    done: list[object] = []
    never = asyncio.Event()
    task = asyncio.ensure_future(together(_after(never, 1, done), _after(never, 2, done)))
    await asyncio.sleep(0)  # one loop turn: both calls are waiting
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert done == []
