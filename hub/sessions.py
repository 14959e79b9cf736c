"""A user's logins as a whole: ending all of them but one (a password change, "log
out everywhere"), and purging expired sessions from the store.

Ending logins deletes their sessions first, then sends one `revoked` signal on the
user's live channel (`protocol.encode_revoked_all`): every node closes that user's
sockets of the ended logins with 4401. The order matters: a socket that is still
opening re-reads its session after attaching (hub/gateway.py), so it finds the session
gone even if the signal passed it by.

Expired sessions are refused at once (the store compares `expires`), but on the memory
engine their rows would stay: `SessionPurge` deletes them when the node starts and
every `interval` after, at most `batch` rows a statement and `batches` statements a
pass, so one pass never holds the event loop long. Redis expires them itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from hub import auth
from hub.channels.base import Broker
from hub.clock import Clock
from hub.protocol import encode_revoked_all
from hub.store.base import Store

log = logging.getLogger("hub.sessions")


async def end_logins(store: Store, broker: Broker, user: str, keep: str | None = None
                     ) -> int:
    """End every login of `user` except `keep` (a token hash; None ends them all), on
    every node; how many sessions were deleted."""
    ended = await store.delete_user_sessions(user, keep)
    # sent even when no session was listed: a socket may outlive its expired session
    await broker.signal(encode_revoked_all(auth.login_id(keep) if keep else ""), [user])
    return len(ended)


class SessionPurge:
    """A node service: purge expired sessions on start, then every `interval` s."""

    def __init__(self, store: Store, clock: Clock, *, interval: float = 3600.0,
                 batch: int = 500, batches: int = 20) -> None:
        self.store, self.clock = store, clock
        self.interval, self.batch, self.batches = interval, batch, batches
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="session-purge")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def purge(self) -> int:
        """One pass; how many sessions went. A pass that hits its bound leaves the
        rest to the next one."""
        total = 0
        for _ in range(self.batches):
            gone = await self.store.purge_sessions(self.clock.now_ms(), self.batch)
            total += gone
            if gone < self.batch:
                break
            await asyncio.sleep(0)  # requests get their turn between statements
        return total

    async def _run(self) -> None:
        while True:
            try:
                await self.purge()
            except Exception as exc:  # a storage blip: the next pass tries again
                log.warning("purging expired sessions failed: %s", exc)
            await asyncio.sleep(self.interval)
