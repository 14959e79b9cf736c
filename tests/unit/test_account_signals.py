"""The `revoked` signals a logout, a password change and "log out everywhere" send
between nodes (hub/protocol.py), and the hashing pools' admission bound
(hub/hashing.py)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from hub.errors import RetryLater
from hub.hashing import HashPool
from hub.protocol import encode_revoked, encode_revoked_all, revoked_login, revokes


def test_revoked_signals_name_the_logins_they_end() -> None:
    one = revokes(encode_revoked("aaaa"))
    assert one("aaaa") and not one("bbbb")
    all_but = revokes(encode_revoked_all("aaaa"))
    assert not all_but("aaaa") and all_but("bbbb") and all_but("")
    every = revokes(encode_revoked_all())
    assert every("aaaa") and every("bbbb")
    assert revoked_login(encode_revoked("aaaa")) == "aaaa"
    assert revoked_login(encode_revoked_all("aaaa")) is None
    assert not revokes(b'{"type":"presence","data":{}}')("aaaa")


async def test_a_full_pool_refuses_at_once_and_frees_its_places() -> None:
    pool = HashPool("t", workers=1, waiting=1)
    pool.start()
    gate = threading.Event()
    try:
        held = [pool.submit(lambda: gate.wait(10)) for _ in range(2)]
        assert pool.admitted == 2
        with pytest.raises(RetryLater) as full:
            await pool.run(lambda: True)
        assert full.value.retry_after == 1 and full.value.code == "unavailable"
        gate.set()
        assert await asyncio.gather(*held) == [True, True]
        assert pool.admitted == 0
        assert await pool.run(lambda: 7) == 7
    finally:
        gate.set()
        pool.close()
