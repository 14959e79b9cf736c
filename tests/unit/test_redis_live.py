"""The live feed's RESP reader: messages cut anywhere by TCP still come out whole."""

from __future__ import annotations

import pytest

from hub.channels.redis_live import LiveConnection, pack


def message(channel: bytes, payload: bytes) -> bytes:
    return (b"*3\r\n$7\r\nmessage\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n"
            % (len(channel), channel, len(payload), payload))


STREAM = (message(b"kj:{u:ann}:live", b'{"type":"event","seq":1}')
          + b"*3\r\n$9\r\nsubscribe\r\n$3\r\nbob\r\n:2\r\n"
          + message(b"kj:{u:bob}:live", "你好\r\n$3".encode())  # CRLF inside a payload
          + message(b"c", b""))


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, len(STREAM)])
async def test_messages_survive_any_split(chunk: int) -> None:
    got: list[tuple[bytes, bytes]] = []
    conn = LiveConnection(got.extend)
    for start in range(0, len(STREAM), chunk):
        conn.data_received(STREAM[start:start + chunk])
    assert got == [(b"kj:{u:ann}:live", b'{"type":"event","seq":1}'),
                   (b"kj:{u:bob}:live", "你好\r\n$3".encode()), (b"c", b"")]


def test_commands_are_packed_as_resp() -> None:
    assert pack("SUBSCRIBE", b"a") == b"*2\r\n$9\r\nSUBSCRIBE\r\n$1\r\na\r\n"
