"""One websocket connection: a bounded outbound queue, a writer while it holds frames,
ordering.

`send` and `push_event` only enqueue; they never await the socket, so fan-out never
waits on a slow tab. Past `max_queue_bytes` the connection is closed with 4429 and its
user can resume. Events carry a contiguous `seq`: duplicates are dropped, and a jump
(frames missed while a broker reconnected) triggers a catch-up from the inbox, during
which live frames are buffered — the same path a resuming connection takes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from hub.errors import CloseCode
from hub.protocol import epoch_mark
from hub.transport import Transport

log = logging.getLogger("hub.session")


class HistoryLost(Exception):
    """The inbox no longer holds what this connection missed: only a resume can tell
    the client (with `gap`)."""


# Retry delays of a failed catch-up (None: give up, close, and let the client resume).
CATCH_UP_RETRIES: tuple[float | None, ...] = (0.1, 0.3, 1.0, 2.0, None)

# Fetches inbox frames after a seq: returns (frames in order, seq of the last one).
CatchUp = Callable[["Session", int], Awaitable[tuple[list[bytes], int]]]


class Session:
    def __init__(
        self,
        transport: Transport,
        user: str,
        *,
        max_queue_bytes: int,
        catch_up: CatchUp,
        on_overflow: Callable[[], None] = lambda: None,
    ) -> None:
        self.transport = transport
        self.user = user
        self.max_queue_bytes = max_queue_bytes
        self.catch_up = catch_up
        self.on_overflow = on_overflow
        self.queue: list[bytes] = []  # a list, not a deque: an idle socket's is tiny
        self.queued_bytes = 0
        self.last_seq = 0
        # The frame of `last_seq` as this node delivered it (None until one is): a
        # catch-up checks that the inbox still holds it, see `Broker.replay`.
        self.last_frame: bytes | None = None
        self._epoch = ""
        self._mark = epoch_mark("")  # how this epoch's event frames start
        self.last_recv = 0.0
        self.closed = False
        self.close_code: int | None = None
        self.login = ""  # auth.login_id of the token this connection authenticated with
        self._buffer: list[tuple[int, bytes]] | None = []  # buffering until `go_live`
        self._buffered_bytes = 0  # bounded by max_queue_bytes, see `push_event`
        # Seq-less frames (heartbeats, presence) sent while the connection is still being
        # resumed: the session is reachable from the moment it is attached, but `hello`
        # must be the first frame on the wire, so they wait for the first `go_live`.
        self._early: list[bytes] | None = []
        self._started = False  # `start` was called: frames may go to the socket
        # Runs only while frames wait for the socket: an idle connection has no task.
        self._writer: asyncio.Task[None] | None = None
        self._catching_up: asyncio.Task[None] | None = None
        self._closer: asyncio.Task[None] | None = None  # the close `close_soon` started
        # Bytes of replayed frames (resume, catch-up) still queued. They are bounded by
        # the inbox's retention, not by `max_queue_bytes`: a replay larger than the
        # queue bound must not cut off the very resume that is meant to repair a gap.
        self._credit = 0
        self._resync_pending = False  # a resync was asked for while buffering
        self._held = False  # buffering since the broker lost its live feed, see `hold`
        self._hold_pending = False  # the feed was lost while a resume or catch-up ran
        self.token_hash = ""  # of the token it authenticated with: re-checked on resync

    @property
    def epoch(self) -> str:
        """The epoch of the inbox this connection follows (set by the resume)."""
        return self._epoch

    @epoch.setter
    def epoch(self, value: str) -> None:
        self._epoch = value
        self._mark = epoch_mark(value)

    def start(self) -> None:
        self._started = True
        if self.queue:
            self._write_soon()

    def _write_soon(self) -> None:
        if self._writer is None and not self.closed:
            self._writer = asyncio.get_running_loop().create_task(self._write_loop())

    # enqueueing (never awaits)
    def send(self, frame: bytes, *, replayed: bool = False) -> None:
        if self.closed:
            return
        if self._early is not None:
            self._early.append(frame)
            return
        if not self.queue and self._started:
            try:  # fast path: an idle socket takes the frame now, no task switch
                if self.transport.try_write(frame):
                    return
            except ConnectionError:
                self.closed = True
                return
        self.queue.append(frame)
        self.queued_bytes += len(frame)
        if replayed:
            self._credit += len(frame)
        elif self.queued_bytes > self.max_queue_bytes + self._credit:
            self.on_overflow()
            self.close_soon(CloseCode.TOO_SLOW, "reader too slow")
            return
        if self._started and self._writer is None:
            self._write_soon()

    def push_event(self, seq: int | None, frame: bytes) -> None:
        """A live frame for this session's user; `seq` None for presence and signals."""
        if (self._buffer is None and seq is not None and seq == self.last_seq + 1
                and frame.startswith(self._mark)):
            self.last_seq = seq  # the common case first: the next frame, in order
            self.last_frame = frame
            self.send(frame)
            return
        if seq is None:
            self.send(frame)
        elif self._buffer is not None:
            self._buffer.append((seq, frame))
            self._buffered_bytes += len(frame)
            if self._buffered_bytes > self.max_queue_bytes:
                # A slow resume or catch-up under a flood: every buffered frame is in the
                # inbox too, so drop them and read them from there once live.
                self._buffer.clear()
                self._buffered_bytes = 0
                self._resync_pending = True
        elif not frame.startswith(self._mark):
            # The inbox was recreated under a new epoch (its Redis keys were lost), so
            # its seqs restarted: whatever this seq, it is neither a duplicate nor the
            # next frame. Only a resume can tell the client its history has a gap.
            self.close_soon(CloseCode.INTERNAL, "inbox history lost; resume")
        elif seq <= self.last_seq:
            return  # already sent by a replay
        elif seq == self.last_seq + 1:
            self.last_seq = seq
            self.last_frame = frame
            self.send(frame)
        else:
            self._buffer = [(seq, frame)]
            self._catching_up = asyncio.create_task(self._resync(), name=f"resync:{self.user}")

    def hold(self) -> None:
        """The broker lost its live feed: hold live frames until the catch-up that
        `resync` starts has checked the inbox. A Redis back from a crash may have lost
        acknowledged events and hand their seqs out again; a new event taking a seq
        this tab already has must not pass for a duplicate (or the next one for new)."""
        if self.closed or self._held:
            return
        if self._buffer is None:
            self._buffer = []
            self._held = True
        else:  # mid-resume or mid-catch-up: that read ends held, see `_end_of_read`
            self._hold_pending = True

    def resync(self) -> None:
        """Catch up from the inbox (after the broker lost its live feed)."""
        if self.closed:
            return
        if self._held:
            self._held = False
            self._catching_up = asyncio.create_task(self._resync(), name=f"resync:{self.user}")
            return
        if self._buffer is not None:
            # Mid-resume or mid-catch-up: its inbox read may predate the lost frames,
            # so catch up once more as soon as it goes live.
            self._resync_pending = True
            return
        self._buffer = []
        self._catching_up = asyncio.create_task(self._resync(), name=f"resync:{self.user}")

    async def _resync(self) -> None:
        for delay in CATCH_UP_RETRIES:
            try:
                frames, last = await self.catch_up(self, self.last_seq)
            except Exception as exc:
                log.warning("catch-up for %s failed: %s", self.user, exc)
                if isinstance(exc, HistoryLost):
                    break
                if self._hold_pending and not self._resync_pending:
                    # The live feed is down too: its resync will run the catch-up, and
                    # a long Redis restart must not use up the retries and close the tab.
                    self._end_of_read()
                    return
                if delay is None:
                    break
                await asyncio.sleep(delay)  # the broker is coming back: try again soon
                continue
            self.go_live(frames, max(last, self.last_seq))
            return
        self.close_soon(CloseCode.INTERNAL, "could not catch up; resume")

    def _end_of_read(self) -> bool:
        """A resume or catch-up ended: if the feed was lost meanwhile, stay buffered —
        held until the resync, or catching up again if it came already — and say so."""
        if not self._hold_pending:
            return False
        self._hold_pending = False
        if self._resync_pending:
            self._resync_pending = False
            self._catching_up = asyncio.create_task(self._resync(), name=f"resync:{self.user}")
        else:
            self._held = True
        return True

    def go_live(self, frames: list[bytes], last_seq: int, first: bytes | None = None,
                at: bytes | None = None) -> None:
        """Send `first` (the resume's `hello`), replayed `frames` (ending at `last_seq`),
        then what arrived meanwhile. `at`: the inbox's frame of `last_seq`, when no
        frame is replayed (a tab told the head keeps it, see `last_frame`)."""
        early, self._early = self._early or [], None
        if frames and first is None and self.queued_bytes > self.max_queue_bytes:
            # A catch-up while the last one's frames still wait for a reader that does
            # not read: replayed frames are exempt from the bound, so without this
            # every catch-up would pile its frames onto the queue.
            self.on_overflow()
            self.close_soon(CloseCode.TOO_SLOW, "reader too slow")
            return
        if first is not None:
            self.send(first)
        for frame in frames:
            self.send(frame, replayed=True)
        for frame in early:
            self.send(frame)
        if frames:
            self.last_frame = frames[-1]
        elif at is not None:
            self.last_frame = at
        elif last_seq != self.last_seq:
            self.last_frame = None  # a position without its frame: nothing to check
        self.last_seq = last_seq
        if self._end_of_read():
            return  # what was buffered waits for the check after the feed is back
        buffered, self._buffer = self._buffer or [], None
        self._buffered_bytes = 0
        buffered.sort(key=lambda item: item[0])
        for seq, frame in buffered:
            self.push_event(seq, frame)
        if self._resync_pending:
            self._resync_pending = False
            self.resync()

    # writing
    async def _write_loop(self) -> None:
        queue = self.queue
        try:
            while queue and not self.closed:
                if self.transport.direct:
                    await self.transport.wait_writable()
                    batch = queue[:]
                    queue.clear()
                    self.queued_bytes = self._credit = 0
                    self.transport.write_now(batch)
                    del batch  # nothing may pin written frames (orjson's are 4 KiB)
                else:
                    frame = queue.pop(0)
                    self.queued_bytes -= len(frame)
                    self._credit = min(self._credit, self.queued_bytes)
                    await self.transport.send_frame(frame)
                    del frame
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the socket went away under us
            log.debug("writer for %s stopped: %s", self.user, exc)
            self.closed = True
        finally:
            self._writer = None

    def close_soon(self, code: int, reason: str) -> None:
        """Close from synchronous code (fan-out): drop the queue, close in a task."""
        if self.closed:
            return
        self.closed = True
        self.close_code = code
        self.queue.clear()
        self.queued_bytes = self._credit = 0
        self._closer = asyncio.get_running_loop().create_task(self._close(code, reason))

    async def close(self, code: int, reason: str = "") -> None:
        if not self.closed:
            self.closed = True
            self.close_code = code
            await self._close(code, reason)

    async def finish(self) -> None:
        """The connection is over (the endpoint returns): let a close that `close_soon`
        started put its close frame on the wire — the server closes the transport as
        soon as the endpoint returns, and the peer would see 1006 instead of the code —
        then stop the writer and any catch-up. Without this a session whose peer went
        away keeps a writer task that waits for a writable socket forever."""
        self.closed = True
        closer = self._closer
        if closer is not None and closer is not asyncio.current_task():
            with contextlib.suppress(Exception):
                await asyncio.shield(closer)
        for task in (self._writer, self._catching_up):
            if task is not None and task is not asyncio.current_task():
                task.cancel()
        self.queue.clear()  # nothing will write it now
        self.queued_bytes = self._credit = 0

    async def _close(self, code: int, reason: str) -> None:
        for task in (self._writer, self._catching_up):
            if task is not None and task is not asyncio.current_task():
                task.cancel()
        try:
            await asyncio.wait_for(self.transport.close(code, reason), timeout=2.0)
        except Exception as exc:  # a stuck or gone peer: the server aborts it
            log.debug("close of %s's socket: %s", self.user, exc)

    async def drain(self, within: float) -> None:
        """Wait until the queue is written (graceful shutdown), at most `within` s."""
        writer = self._writer
        if self.closed or writer is None:
            return
        await asyncio.wait({writer}, timeout=within)
