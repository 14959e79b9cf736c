"""The memory broker frames exactly as `protocol.frame_event` does (the Redis broker's
Lua does too: tests/redis/test_broker.py), so clients see one format from both."""

from __future__ import annotations

from hub.channels.memory import MemoryBroker
from hub.protocol import encode_event_body, frame_event


async def test_frames_match_the_protocol_byte_for_byte() -> None:
    got: list[tuple[str, bytes]] = []
    broker = MemoryBroker(retention=10)
    await broker.start(lambda frames: got.extend((u, f) for u, _, f in frames), lambda: None)
    body = encode_event_body("mood", 123, {"mood": {"text": "你好"}})
    for _ in range(12):
        await broker.deliver(body, ["ann", "bob"])
    ann = await broker.head("ann")
    assert got[-2] == ("ann", frame_event(f"{ann.epoch}:12", 12, body))
    replay = await broker.replay("ann", f"{ann.epoch}:0")
    assert replay.gap and len(replay.frames) == 10  # retention kept the newest ten
    assert replay.frames[0] == frame_event(f"{ann.epoch}:3", 3, body)


def test_an_absurdly_long_since_is_not_an_event_id() -> None:
    from hub.protocol import parse_event_id

    assert parse_event_id("ab:" + "9" * 5000) is None
    assert parse_event_id("ab:" + "9" * 19) == ("ab", int("9" * 19))
