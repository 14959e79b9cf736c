"""A deadline on shutdown: a node told to stop exits within `DEADLINE` seconds, even if
something it waits for never finishes.

uvicorn gives open connections `timeout_graceful_shutdown` (10 s), but the lifespan's
shutdown (closing the engine) and asyncio's final cancellation of leftover tasks have no
bound at all: one await that never returns would keep a stopped node alive until it is
killed, and an orchestrator would see a node that ignores SIGTERM.

So when shutdown starts, two things are armed:

* on the event loop, shortly before the deadline, a log of every task still running,
  with the line each one waits on (what an operator needs to report the hang);
* in faulthandler's C watchdog thread, at the deadline, a dump of every thread's stack
  and `_exit(1)`. It fires even when the loop itself is blocked in a system call.

A node that finishes in time never hears of either.
"""

from __future__ import annotations

import asyncio
import faulthandler
import io
import logging
import sys
from collections.abc import Collection
from typing import Any

log = logging.getLogger("hub.shutdown")

DEADLINE = 20.0  # seconds from the start of shutdown to a forced exit
TASK_REPORT_AHEAD = 1.0  # the task report comes this long before the forced exit


class ShutdownDeadline:
    def __init__(self, deadline: float = DEADLINE) -> None:
        self.deadline = deadline
        self._report: asyncio.TimerHandle | None = None

    def arm(self) -> None:
        """Start the clock (call on the event loop, once shutdown begins)."""
        if self._report is not None:
            return
        faulthandler.dump_traceback_later(self.deadline, exit=True, file=sys.stderr)
        ahead = max(0.0, self.deadline - TASK_REPORT_AHEAD)
        self._report = asyncio.get_running_loop().call_later(ahead, report_tasks, self.deadline)

    def disarm(self) -> None:
        faulthandler.cancel_dump_traceback_later()
        if self._report is not None:
            self._report.cancel()
            self._report = None


def report_tasks(deadline: float) -> None:
    """Log every task of the running loop with its stack."""
    out = io.StringIO()
    tasks = asyncio.all_tasks()
    for task in tasks:
        print(f"- {task!r}", file=out)
        task.print_stack(limit=12, file=out)
    log.error("shutdown has not finished; forcing an exit at %g s. %d task(s) still "
              "running:\n%s", deadline, len(tasks), out.getvalue())


async def cancel_and_wait(tasks: Collection[asyncio.Task[Any]], what: str, *,
                          tries: int = 10, wait: float = 0.5) -> None:
    """Cancel `tasks` and wait until they end; bounded, for a cancellation that is lost.

    On Python 3.11 a cancel can be swallowed: `asyncio.wait_for` returns the result
    when the inner call finishes as the cancel arrives, and a library may answer a
    cancelled read with its own timeout error, which a retry loop then survives. A
    plain `await task` after `task.cancel()` then waits forever. Here the cancel is
    repeated every `wait` seconds, up to `tries` times; what still runs is logged and
    left (the shutdown deadline still bounds the process). A task's own exception is
    not raised: the caller is stopping it."""
    pending = {t for t in tasks if not t.done()}
    for _ in range(tries):
        if not pending:
            break
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=wait)
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            log.debug("%s: task %s ended with %r", what, task.get_name(), task.exception())
    if pending:
        log.error("%s: %d task(s) still running after %d cancellations: %s", what,
                  len(pending), tries, ", ".join(t.get_name() for t in pending))
