"""The live feed's RESP reader: messages cut anywhere by TCP still come out whole, in
order around confirmations; an error reply fails its command; garbage drops the link."""

from __future__ import annotations

import asyncio

import pytest

from hub.redis.endpoint import Endpoint
from hub.redis.live import TURN_MESSAGES, LiveConnection, LiveError
from hub.redis.resp import pack


def message(channel: bytes, payload: bytes) -> bytes:
    return (b"*3\r\n$7\r\nmessage\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n"
            % (len(channel), channel, len(payload), payload))


STREAM = (message(b"kj:{u:ann}:live", b'{"type":"event","seq":1}')
          + b"*3\r\n$9\r\nsubscribe\r\n$3\r\nbob\r\n:2\r\n"
          + message(b"kj:{u:bob}:live", "你好\r\n$3".encode())  # CRLF inside a payload
          + message(b"c", b""))


class FakeTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written: list[bytes] = []
        self.aborted = False
        self.paused = False
        self.pauses = 0

    def write(self, data: bytes) -> None:  # type: ignore[override]
        self.written.append(data)

    def is_closing(self) -> bool:
        return self.aborted

    def abort(self) -> None:
        self.aborted = True

    def pause_reading(self) -> None:
        assert not self.paused
        self.paused, self.pauses = True, self.pauses + 1

    def resume_reading(self) -> None:
        assert self.paused
        self.paused = False


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, len(STREAM)])
async def test_messages_survive_any_split(chunk: int) -> None:
    got: list[list[bytes]] = []
    conn = LiveConnection(got.extend)
    conn.connection_made(FakeTransport())
    confirmed = asyncio.ensure_future(conn.subscribe([b"bob"]))
    await asyncio.sleep(0)  # the SUBSCRIBE is on the wire
    for start in range(0, len(STREAM), chunk):
        conn.data_received(STREAM[start:start + chunk])
    assert [(channel, payload) for _, channel, payload in got] == [
        (b"kj:{u:ann}:live", b'{"type":"event","seq":1}'),
        (b"kj:{u:bob}:live", "你好\r\n$3".encode()), (b"c", b"")]
    await asyncio.wait_for(confirmed, 1)


async def test_a_confirmation_does_not_overtake_earlier_messages() -> None:
    order: list[str] = []
    conn = LiveConnection(lambda msgs: order.extend(m[1].decode() for m in msgs))
    conn.connection_made(FakeTransport())
    confirmed = asyncio.ensure_future(conn.subscribe([b"bob"]))
    await asyncio.sleep(0)
    confirmed.add_done_callback(lambda _: order.append("confirmed"))
    conn.data_received(message(b"ann", b"1") + b"*3\r\n$9\r\nsubscribe\r\n$3\r\nbob\r\n:1\r\n"
                       + message(b"bob", b"2"))
    await asyncio.wait_for(confirmed, 1)
    assert order == ["ann", "bob", "confirmed"]


async def test_an_error_reply_fails_the_command() -> None:
    conn = LiveConnection(lambda msgs: None)
    conn.connection_made(FakeTransport())
    auth = asyncio.ensure_future(conn.auth(Endpoint("127.0.0.1", 1, password="wrong")))
    await asyncio.sleep(0)
    conn.data_received(b"-WRONGPASS invalid username-password pair\r\n")
    with pytest.raises(LiveError, match="WRONGPASS"):
        await asyncio.wait_for(auth, 1)


async def test_garbage_drops_the_connection_but_keeps_what_came_before() -> None:
    got: list[list[bytes]] = []
    conn = LiveConnection(got.extend)
    transport = FakeTransport()
    conn.connection_made(transport)
    conn.data_received(message(b"ann", b"1") + b"?not resp\r\n")
    assert transport.aborted
    assert [m[2] for m in got] == [b"1"]


def test_commands_are_packed_as_resp() -> None:
    assert pack("SUBSCRIBE", b"a") == b"*2\r\n$9\r\nSUBSCRIBE\r\n$1\r\na\r\n"


async def test_a_failing_sink_gets_each_message_once() -> None:
    calls: list[list[bytes]] = []

    def sink(messages: list[list[bytes]]) -> None:
        calls.append([m[2] for m in messages])
        raise RuntimeError("sink bug")

    conn = LiveConnection(sink)
    conn.connection_made(FakeTransport())
    with pytest.raises(RuntimeError):
        conn.data_received(message(b"ann", b"1") + b"*0\r\n" + message(b"bob", b"2"))
    assert calls == [[b"1"]]  # not re-delivered by the cleanup, and an empty array is no message


async def test_a_big_read_is_fanned_out_a_bounded_batch_per_loop_turn() -> None:
    batches: list[list[bytes]] = []
    conn = LiveConnection(lambda msgs: batches.append([m[2] for m in msgs]))
    transport = FakeTransport()
    conn.connection_made(transport)
    confirmed = asyncio.ensure_future(conn.subscribe([b"bob"]))
    await asyncio.sleep(0)  # the SUBSCRIBE is on the wire
    total = 2 * TURN_MESSAGES + 5
    payloads = [b"%d" % i for i in range(total + 1)]
    conn.data_received(b"".join(message(b"ann", p) for p in payloads[:total])
                       + b"*3\r\n$9\r\nsubscribe\r\n$3\r\nbob\r\n:2\r\n")
    assert batches == [payloads[:TURN_MESSAGES]]  # the rest waits for the next turns
    assert transport.paused
    conn.data_received(message(b"ann", payloads[total]))  # already in flight: queued
    await asyncio.wait_for(confirmed, 1)  # confirmed only after what came before it
    assert [p for batch in batches for p in batch][:total] == payloads[:total]
    assert max(len(batch) for batch in batches) == TURN_MESSAGES
    for _ in range(3):  # the message after the confirmation, then reading resumes
        if not transport.paused:
            break
        await asyncio.sleep(0)  # one loop turn each
    assert [p for batch in batches for p in batch] == payloads
    assert not transport.paused and transport.pauses == 1


async def test_a_sink_failing_in_a_later_turn_drops_the_connection() -> None:
    calls: list[int] = []

    def sink(messages: list[list[bytes]]) -> None:
        calls.append(len(messages))
        if len(calls) == 2:
            raise RuntimeError("sink bug")

    conn = LiveConnection(sink)
    transport = FakeTransport()
    conn.connection_made(transport)
    conn.data_received(b"".join(message(b"ann", b"x") for _ in range(TURN_MESSAGES * 3)))
    for _ in range(3):
        if transport.aborted:
            break
        await asyncio.sleep(0)  # one loop turn each
    assert transport.aborted  # the broker reconnects and catches up; the feed never stalls
    assert calls == [TURN_MESSAGES, TURN_MESSAGES]
