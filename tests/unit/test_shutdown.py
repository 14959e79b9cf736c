"""The shutdown deadline: a process whose shutdown hangs still exits, and says which
task it was waiting on; one that finishes in time is left alone."""

from __future__ import annotations

import subprocess
import sys
import textwrap

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
