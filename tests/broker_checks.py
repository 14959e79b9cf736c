"""Checks that both brokers must pass, run by tests/unit/test_memory_broker.py and
tests/redis/test_broker.py: what `Broker.replay` does with the frame a catch-up holds."""

from __future__ import annotations

from hub.channels.base import Broker
from hub.protocol import encode_event_body, frame_event, seq_of


def _body(n: int) -> bytes:
    return encode_event_body("mood", 1_700_000_000_000 + n, {"mood": {"id": str(n)}})


async def held_frame_is_checked(broker: Broker, retention: int) -> None:
    """`broker` keeps `retention` (≤ 10) events per inbox."""
    for n in range(1, 6):
        await broker.deliver(_body(n), ["hal"])
    head = await broker.head("hal")
    epoch = head.epoch
    assert head.frame == frame_event(f"{epoch}:5", 5, _body(5))  # what a fresh tab keeps
    assert (await broker.head("nobody_yet")).frame is None
    held = frame_event(f"{epoch}:3", 3, _body(3))

    # The inbox still holds that frame: an ordinary replay, nothing voided.
    same = await broker.replay("hal", f"{epoch}:3", holding=held)
    assert not same.gap and [seq_of(f) for f in same.frames] == [4, 5]
    at_head = await broker.replay("hal", f"{epoch}:5",
                                  holding=frame_event(f"{epoch}:5", 5, _body(5)))
    assert not at_head.gap and at_head.frames == []

    # Another event holds seq 3 now (Redis lost the held one and handed its seq out
    # again): the history is void, a new epoch starts, the old one resumes with a gap.
    other = frame_event(f"{epoch}:3", 3, _body(99))
    void = await broker.replay("hal", f"{epoch}:3", holding=other)
    assert void.gap
    reborn = await broker.head("hal")
    assert reborn.epoch != epoch and reborn.seq == 0
    assert (await broker.replay("hal", f"{epoch}:5")).gap
    await broker.deliver(_body(6), ["hal"])
    assert (await broker.head("hal")).last_id == f"{reborn.epoch}:1"

    # The held seq is past the head (lost, not yet handed out again): void too. A
    # client's `since` alone, with no frame held, voids nothing.
    for n in range(1, 3):
        await broker.deliver(_body(n), ["ivy"])
    ivy = (await broker.head("ivy")).epoch
    assert (await broker.replay("ivy", f"{ivy}:4")).gap
    assert (await broker.head("ivy")).epoch == ivy
    lost = await broker.replay("ivy", f"{ivy}:4", holding=frame_event(f"{ivy}:4", 4, _body(4)))
    assert lost.gap and (await broker.head("ivy")).epoch != ivy

    # Another frame exactly at the head: void as well.
    for n in range(1, 4):
        await broker.deliver(_body(n), ["kit"])
    kit = (await broker.head("kit")).epoch
    assert (await broker.replay("kit", f"{kit}:3",
                                holding=frame_event(f"{kit}:3", 3, _body(9)))).gap
    assert (await broker.head("kit")).epoch != kit

    # Trimmed past the held seq: a plain gap with every retained event, nothing voided.
    for n in range(1, 51):  # Redis trims its streams only approximately
        await broker.deliver(_body(n), ["joe"])
    joe = (await broker.head("joe")).epoch
    trimmed = await broker.replay("joe", f"{joe}:1",
                                  holding=frame_event(f"{joe}:1", 1, _body(1)))
    assert trimmed.gap and len(trimmed.frames) >= retention
    assert seq_of(trimmed.frames[-1]) == 50
    assert (await broker.head("joe")).epoch == joe
