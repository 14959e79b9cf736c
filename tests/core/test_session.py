"""`Session` with a fake transport: the bounded queue (4429), replay exempt from the
bound, seq ordering across a resume and a catch-up, and a clean end of the tasks."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from hub.protocol import encode_event_body, frame_event
from hub.session import CatchUp, HistoryLost, Session
from tests.harness import until


class FakeTransport:
    """An ASGI-like transport (one awaited send per frame) whose sends wait on `gate`,
    or, with `direct=True`, a direct one that is writable while `gate` is set."""

    def __init__(self, *, direct: bool = False) -> None:
        self.direct = direct
        self.gate = asyncio.Event()
        self.sent: list[bytes] = []
        self.closed_with: int | None = None
        self._progress = asyncio.Event()

    def writable(self) -> bool:
        return self.direct and self.gate.is_set()

    def try_write(self, frame: bytes) -> bool:
        if not self.writable():
            return False
        self.write_now((frame,))
        return True

    def write_now(self, frames: Sequence[bytes]) -> None:
        self.sent.extend(frames)
        self._progress.set()

    async def wait_writable(self) -> None:
        await self.gate.wait()

    async def send_frame(self, frame: bytes) -> None:
        await self.gate.wait()
        self.sent.append(frame)
        self._progress.set()

    async def close(self, code: int, reason: str) -> None:
        self.closed_with = code

    async def wait_sent(self, n: int) -> None:
        async with asyncio.timeout(5):
            while len(self.sent) < n:
                self._progress.clear()
                await self._progress.wait()


def _frame(seq: int, pad: int = 0) -> bytes:
    return frame_event(f"e:{seq}", seq, encode_event_body("mood", 0, {"n": seq, "p": "x" * pad}))


async def _no_catch_up(session: Session, after: int) -> tuple[list[bytes], int]:
    raise AssertionError("no catch-up expected")


def _session(transport: FakeTransport, max_queue: int = 10_000,
             catch_up: CatchUp = _no_catch_up) -> tuple[Session, list[int]]:
    overflows: list[int] = []
    session = Session(transport, "u", max_queue_bytes=max_queue, catch_up=catch_up,
                      on_overflow=lambda: overflows.append(1))
    return session, overflows


async def test_live_frames_past_the_bound_close_4429() -> None:
    transport = FakeTransport()
    session, overflows = _session(transport, max_queue=1000)
    session.go_live([], 0)
    session.start()
    frames = [_frame(n, 300) for n in range(1, 10)]
    for seq, frame in enumerate(frames, 1):
        session.push_event(seq, frame)
    assert session.closed and session.close_code == 4429
    assert overflows == [1]
    await session.finish()
    assert transport.closed_with == 4429
    assert len(session.queue) == 0 and session.queued_bytes == 0


async def test_a_replay_larger_than_the_bound_is_not_cut_off() -> None:
    transport = FakeTransport()
    session, overflows = _session(transport, max_queue=1000)
    replay = [_frame(n, 300) for n in range(1, 21)]  # ~7 KB, 7x the bound
    session.go_live(replay, 20)
    session.start()
    assert not session.closed and overflows == []
    # live frames behind the replay still get the whole bound...
    session.push_event(21, _frame(21, 300))
    session.push_event(22, _frame(22, 300))
    assert not session.closed
    transport.gate.set()
    await transport.wait_sent(22)
    assert transport.sent == [*replay, _frame(21, 300), _frame(22, 300)]
    # ...and once the replay is written, the bound applies as usual
    transport.gate.clear()
    for seq in range(23, 30):
        session.push_event(seq, _frame(seq, 300))
    assert session.closed and session.close_code == 4429 and overflows == [1]
    await session.finish()


async def test_resume_joins_replay_and_buffered_live_frames_exactly_once() -> None:
    transport = FakeTransport(direct=True)
    session, _ = _session(transport)
    # live frames arrive while the inbox is being read: buffered, some overlapping it
    for seq in (3, 4, 6, 5):
        session.push_event(seq, _frame(seq))
    session.push_event(None, b'{"type":"presence"}')  # no seq: held until hello is out
    session.send(b'{"type":"heartbeat"}')
    session.go_live([_frame(1), _frame(2), _frame(3)], 3, first=b'{"type":"hello"}')
    transport.gate.set()
    session.start()
    await transport.wait_sent(9)
    assert transport.sent == [b'{"type":"hello"}', _frame(1), _frame(2), _frame(3),
                              b'{"type":"presence"}', b'{"type":"heartbeat"}',
                              _frame(4), _frame(5), _frame(6)]
    session.push_event(6, _frame(6))  # a duplicate is dropped
    session.push_event(7, _frame(7))  # the next one goes out at once (fast path)
    assert transport.sent[-1] == _frame(7) and len(transport.sent) == 10
    await session.finish()


async def test_a_seq_jump_catches_up_from_the_inbox() -> None:
    transport = FakeTransport(direct=True)
    asked: list[int] = []

    async def catch_up(session: Session, after: int) -> tuple[list[bytes], int]:
        asked.append(after)
        return [_frame(3), _frame(4)], 4

    session, _ = _session(transport, catch_up=catch_up)
    transport.gate.set()
    session.go_live([], 2)
    session.start()
    session.push_event(5, _frame(5))  # 3 and 4 were missed
    session.push_event(6, _frame(6))
    await transport.wait_sent(4)
    assert asked == [2]
    assert transport.sent == [_frame(3), _frame(4), _frame(5), _frame(6)]
    assert session.last_seq == 6
    await session.finish()


@pytest.mark.parametrize("seq", [1, 5, 6, 9])  # restarted, a "duplicate", "next", a jump
async def test_a_frame_from_a_new_epoch_closes_whatever_its_seq(seq: int) -> None:
    """An inbox recreated under a new epoch restarts its seqs: dropping its frames as
    already sent, or taking one as the next, would lose events silently (a resume from
    its id would report no gap); the session closes so the client resumes."""
    transport = FakeTransport(direct=True)
    session, _ = _session(transport)
    session.epoch = "e"
    transport.gate.set()
    session.go_live([], 5)
    session.start()
    session.push_event(5, _frame(5))  # a real duplicate (same epoch): dropped
    assert not session.closed and transport.sent == []
    reborn = frame_event(f"f:{seq}", seq, encode_event_body("mood", 0, {}))
    session.push_event(seq, reborn)
    assert session.closed and session.close_code == 1011
    await session.finish()
    assert transport.closed_with == 1011 and reborn not in transport.sent


async def test_catch_ups_cannot_pile_replays_onto_a_reader_that_does_not_read() -> None:
    """Replayed frames are exempt from the bound, but only while the reader takes them:
    a catch-up finding the last one's frames still queued closes 4429."""
    inbox = [_frame(n, 300) for n in range(1, 200)]

    async def catch_up(session: Session, after: int) -> tuple[list[bytes], int]:
        head = after + 15  # the flood goes on between catch-ups
        return inbox[after:head], head

    transport = FakeTransport(direct=True)  # never writable: the peer stopped reading
    session, overflows = _session(transport, max_queue=2000, catch_up=catch_up)
    session.go_live([], 0)
    session.start()
    session.resync()
    await until(lambda: session.last_seq == 15)
    assert not session.closed  # one replay larger than the bound is allowed
    session.resync()  # the live feed flapped again: nothing was read meanwhile
    await until(lambda: session.closed)
    assert session.close_code == 4429 and overflows == [1]
    await session.finish()
    assert session.queued_bytes == 0


async def test_the_writer_runs_only_while_frames_wait() -> None:
    transport = FakeTransport(direct=True)
    session, _ = _session(transport)
    session.go_live([], 0, first=b"hello")
    session.start()
    writer = session._writer
    assert writer is not None  # hello waits for a writable socket
    transport.gate.set()
    await asyncio.wait_for(writer, 5)
    assert session._writer is None  # an idle connection holds no task
    session.push_event(1, _frame(1))  # written at once, no task
    assert session._writer is None and transport.sent == [b"hello", _frame(1)]
    transport.gate.clear()
    session.push_event(2, _frame(2))
    assert session._writer is not None and session.queue == [_frame(2)]
    transport.gate.set()
    await transport.wait_sent(3)
    await session.finish()


async def test_finish_ends_the_writer_and_is_idempotent() -> None:
    transport = FakeTransport()
    session, _ = _session(transport)
    session.go_live([], 0, first=b"hello")  # the ASGI-like transport blocks on gate
    session.start()
    writer = session._writer
    assert writer is not None and not writer.done()
    await session.finish()
    await session.finish()
    with pytest.raises(asyncio.CancelledError):
        await writer
    assert session.closed
    session.send(b"late")  # ignored once closed
    assert session.queue == []


async def test_a_resync_asked_for_during_a_resume_runs_after_it() -> None:
    """The live feed was lost while this connection was still resuming: its inbox read
    may predate the lost frames, so it catches up once more when it goes live."""
    asked: list[int] = []
    done = asyncio.Event()

    async def catch_up(session: Session, after: int) -> tuple[list[bytes], int]:
        asked.append(after)
        done.set()
        return [_frame(6)], 6

    transport = FakeTransport(direct=True)
    transport.gate.set()
    session, _ = _session(transport, catch_up=catch_up)
    session.start()
    session.resync()  # still resuming: remembered, not lost
    assert asked == []
    session.go_live([_frame(5)], 5)
    async with asyncio.timeout(5):
        await done.wait()
    await transport.wait_sent(2)
    assert asked == [5] and transport.sent == [_frame(5), _frame(6)]
    await session.finish()


async def test_live_frames_buffered_past_the_bound_are_read_from_the_inbox_instead() -> None:
    """A flood while the inbox read is slow: memory stays within the queue bound, and
    the dropped frames come from the inbox, in order, none twice."""
    inbox = [_frame(n, 300) for n in range(1, 41)]
    asked: list[int] = []
    first_read = asyncio.Event()

    async def catch_up(session: Session, after: int) -> tuple[list[bytes], int]:
        asked.append(after)
        if len(asked) == 1:
            await first_read.wait()  # slow: the flood arrives meanwhile
            return inbox[after:10], 10
        return inbox[after:], len(inbox)

    transport = FakeTransport(direct=True)
    transport.gate.set()
    session, overflows = _session(transport, max_queue=2000, catch_up=catch_up)
    session.go_live([], 0)
    session.start()
    session.resync()  # the feed was lost: live frames are buffered from now on
    for seq in range(1, 41):
        session.push_event(seq, inbox[seq - 1])
        assert sum(len(frame) for _, frame in session._buffer or []) <= 2000
    first_read.set()
    await transport.wait_sent(40)
    assert transport.sent == inbox and asked == [0, 10]
    assert overflows == [] and not session.closed
    await session.finish()


async def test_a_held_session_passes_nothing_live_until_its_catch_up_checked_the_inbox(
) -> None:
    """The live feed was lost: a Redis back from a crash may hand out again seqs this
    tab already has. Until the catch-up has checked the inbox, no live frame passes,
    neither one taking a seq already sent ("duplicate") nor the one after ("next"); the
    catch-up is told the frame the tab holds, and a void history closes the tab."""
    asked: list[tuple[int, bytes | None]] = []
    checked = asyncio.Event()

    async def catch_up(session: Session, after: int) -> tuple[list[bytes], int]:
        asked.append((after, session.last_frame))
        await checked.wait()
        raise HistoryLost("the inbox lost what this tab holds")

    transport = FakeTransport(direct=True)
    transport.gate.set()
    session, _ = _session(transport, catch_up=catch_up)
    session.epoch = "e"
    session.start()
    session.go_live([_frame(1), _frame(2)], 2)
    session.push_event(3, _frame(3))
    await transport.wait_sent(3)
    session.hold()
    session.hold()  # a second loss before the feed is back changes nothing
    reissued = frame_event("e:3", 3, encode_event_body("gift", 0, {}))
    session.push_event(3, reissued)  # seq 3 handed out again after the rollback
    session.push_event(4, _frame(4))  # would pass for the next frame
    assert transport.sent == [_frame(1), _frame(2), _frame(3)] and asked == []
    session.resync()  # the feed is back
    await until(lambda: asked == [(3, _frame(3))])
    assert transport.sent == [_frame(1), _frame(2), _frame(3)]
    checked.set()
    await until(lambda: session.closed)
    await session.finish()
    assert transport.closed_with == 1011
    assert transport.sent == [_frame(1), _frame(2), _frame(3)]


async def test_a_held_session_whose_inbox_checks_out_goes_on_in_order() -> None:
    asked: list[bytes | None] = []

    async def catch_up(session: Session, after: int) -> tuple[list[bytes], int]:
        asked.append(session.last_frame)
        return [_frame(3)], 3

    transport = FakeTransport(direct=True)
    transport.gate.set()
    session, _ = _session(transport, catch_up=catch_up)
    session.start()
    session.go_live([], 0)
    session.push_event(1, _frame(1))
    session.push_event(2, _frame(2))
    session.hold()
    session.push_event(3, _frame(3))
    session.push_event(4, _frame(4))
    session.resync()
    await transport.wait_sent(4)
    assert asked == [_frame(2)]
    assert transport.sent == [_frame(1), _frame(2), _frame(3), _frame(4)]
    assert session.last_seq == 4 and session.last_frame == _frame(4)
    await session.finish()


async def test_a_hold_during_a_resume_holds_what_came_meanwhile_until_the_resync() -> None:
    """The feed was lost while the tab was still resuming: the replay goes out, but the
    live frames buffered meanwhile wait for the check that the resync brings."""
    asked: list[tuple[int, bytes | None]] = []

    async def catch_up(session: Session, after: int) -> tuple[list[bytes], int]:
        asked.append((after, session.last_frame))
        return [], after

    transport = FakeTransport(direct=True)
    transport.gate.set()
    session, _ = _session(transport, catch_up=catch_up)
    session.start()
    session.push_event(2, _frame(2))  # arrived during the resume, before the loss
    session.hold()
    session.push_event(3, _frame(3))  # after it: maybe a seq handed out again
    session.go_live([_frame(1)], 1)
    assert transport.sent == [_frame(1)] and asked == []
    session.resync()
    await until(lambda: asked == [(1, _frame(1))])
    await transport.wait_sent(3)
    assert transport.sent == [_frame(1), _frame(2), _frame(3)]
    await session.finish()


async def test_a_catch_up_failing_while_the_feed_is_down_waits_for_the_resync() -> None:
    """A catch-up in flight when the feed drops fails against the dead Redis: it does
    not spend its retries and close the tab (a Redis restart takes longer), it waits
    for the resync and checks then."""
    calls: list[int] = []
    redis_gone = asyncio.Event()

    async def catch_up(session: Session, after: int) -> tuple[list[bytes], int]:
        calls.append(after)
        if len(calls) == 1:
            await redis_gone.wait()
            raise ConnectionError("redis is down")
        return [_frame(3)], 3

    transport = FakeTransport(direct=True)
    transport.gate.set()
    session, _ = _session(transport, catch_up=catch_up)
    session.start()
    session.go_live([], 2, at=_frame(2))
    session.resync()  # a first loss and recovery: catching up
    await until(lambda: calls == [2])
    session.hold()  # lost again while that read runs
    redis_gone.set()
    await until(lambda: session._catching_up is not None and session._catching_up.done())
    assert calls == [2] and not session.closed and transport.sent == []
    session.push_event(3, _frame(3))  # held
    assert transport.sent == []
    session.resync()
    await transport.wait_sent(1)
    assert calls == [2, 2] and transport.sent == [_frame(3)] and not session.closed
    await session.finish()


async def test_a_held_buffer_past_the_bound_is_read_from_the_inbox_instead() -> None:
    inbox = [_frame(n, 300) for n in range(1, 41)]
    asked: list[int] = []

    async def catch_up(session: Session, after: int) -> tuple[list[bytes], int]:
        asked.append(after)
        return inbox[after:], len(inbox)

    transport = FakeTransport(direct=True)
    transport.gate.set()
    session, overflows = _session(transport, max_queue=2000, catch_up=catch_up)
    session.go_live([], 0)
    session.start()
    session.hold()
    for seq in range(1, 41):
        session.push_event(seq, inbox[seq - 1])
        assert sum(len(frame) for _, frame in session._buffer or []) <= 2000
    session.resync()
    await transport.wait_sent(40)
    await until(lambda: asked == [0, 40])
    assert transport.sent == inbox and overflows == [] and not session.closed
    await session.finish()


def test_the_held_frame_is_the_last_one_received_or_the_heads_frame() -> None:
    session, _ = _session(FakeTransport())
    session.go_live([], 7)  # told a position without its frame: nothing to check
    assert session.last_frame is None
    session._buffer = []
    session.go_live([], 7, at=_frame(7))  # a fresh tab keeps the head's frame
    assert session.last_frame == _frame(7)
    session.push_event(8, _frame(8))
    assert session.last_frame == _frame(8)
    session.push_event(8, _frame(8))
    assert session.last_frame == _frame(8)
