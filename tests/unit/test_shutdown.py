"""The shutdown deadline: a process whose shutdown hangs still exits, and says which
task it was waiting on; one that finishes in time is left alone."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap

import pytest

from hub.shutdown import cancel_and_wait

SCRIPT = textwrap.dedent("""
    import asyncio, logging, sys
    from hub.shutdown import ShutdownDeadline

    logging.basicConfig(level="INFO")

    async def wait_for_a_reply_that_never_comes(never):
        await never.wait()

    async def main(hang):
        deadline = ShutdownDeadline(deadline=float(sys.argv[2]))
        deadline.arm()
        if hang:
            await asyncio.create_task(wait_for_a_reply_that_never_comes(asyncio.Event()))
        deadline.disarm()
        print("finished in time", flush=True)

    asyncio.run(main(sys.argv[1] == "hang"))
""")


def run(mode: str, deadline: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", SCRIPT, mode, str(deadline)],
                          capture_output=True, text=True, timeout=60)


def test_a_hung_shutdown_exits_1_and_names_the_task_it_waited_on() -> None:
    done = run("hang", 1.5)
    assert done.returncode == 1
    assert "shutdown has not finished" in done.stderr
    assert "wait_for_a_reply_that_never_comes" in done.stderr  # the task report, on the loop
    assert "Timeout (0:00:01" in done.stderr  # faulthandler's stacks of every thread
    assert "finished in time" not in done.stdout


def test_a_shutdown_that_finishes_is_left_alone() -> None:
    done = run("finish", 5.0)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "finished in time"
    assert "shutdown has not finished" not in done.stderr


async def _swallow_cancels(times: int, caught: list[int]) -> None:
    """A loop that survives `times` cancellations, as a retry loop does when a library
    turns the cancel into its own timeout error."""
    while True:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            caught.append(1)
            if len(caught) > times:
                raise


async def test_cancel_and_wait_repeats_a_lost_cancel() -> None:
    caught: list[int] = []
    task = asyncio.create_task(_swallow_cancels(2, caught))
    await asyncio.sleep(0)  # let it start waiting
    async with asyncio.timeout(5):
        await cancel_and_wait([task], "test", wait=0.05)
    assert task.cancelled() and len(caught) == 3


async def test_cancel_and_wait_gives_up_on_a_task_that_never_ends(
        caplog: pytest.LogCaptureFixture) -> None:
    caught: list[int] = []
    task = asyncio.create_task(_swallow_cancels(1000, caught), name="stubborn")
    await asyncio.sleep(0)
    await cancel_and_wait([task], "test", tries=3, wait=0.01)
    assert not task.done() and len(caught) == 3
    assert "still running after 3 cancellations: stubborn" in caplog.text
    caught.extend([1] * 1000)  # let it end now
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_cancel_and_wait_does_not_raise_a_task_s_own_error() -> None:
    async def fail() -> None:
        raise ValueError("boom")

    task = asyncio.create_task(fail())
    await asyncio.sleep(0)
    await cancel_and_wait([task], "test")  # stopping it: its error is not the caller's
    assert isinstance(task.exception(), ValueError)
