"""Checking a password under the lock-out (policy: hub/lockout.py), for `POST
/api/login` and the old password of `POST /api/password`.

Reserve, then hash, then settle: the client address's node-local bucket and the
store's username buckets each give one check before the hash runs (the store reserves
and reads the account in one step, on Redis one script call), and a right password
gives the checks back. A refusal raises `rate_limited` with `Retry-After` before any
hash runs; an unknown username is hashed all the same (a dummy hash, hub/hashing.py),
so neither the answer nor its cost says whether the account exists.
"""

from __future__ import annotations

from hub import lockout
from hub.errors import ErrorCode, RetryLater
from hub.models import UserRecord
from hub.node import Node


def _refused(refused_by: str, wait: int) -> RetryLater:
    return RetryLater(ErrorCode.RATE_LIMITED, lockout.refusal_message(refused_by, wait),
                      lockout.retry_after(wait))


async def check_password(node: Node, username: str, password: str, host: str | None
                         ) -> UserRecord | None:
    """The account when `password` is its password; None when it is not or there is no
    such account. `host` is the client's address."""
    address = lockout.client_key(host)
    wait = node.login_addresses.reserve(address, node.clock.now_ms())
    if wait:
        raise _refused(lockout.ADDRESS.name, wait)
    try:
        attempt = await node.store.reserve_login(username, address, node.clock.now_ms())
    except BaseException:
        node.login_addresses.give_back(address, node.clock.now_ms())
        raise
    if attempt.wait_ms:  # nothing will be checked: the address keeps its check
        node.login_addresses.give_back(address, node.clock.now_ms())
        raise _refused(attempt.refused_by, attempt.wait_ms)
    user = attempt.user
    try:
        ok = await node.hashing.verify(password, user["password_hash"] if user else None)
    except RetryLater:  # the pool was full: nothing was checked, nothing is spent
        await _give_back(node, username, address)
        raise
    if not ok:
        return None  # the reservations stay spent
    await _give_back(node, username, address)
    return user


async def _give_back(node: Node, username: str, address: str) -> None:
    now = node.clock.now_ms()
    node.login_addresses.give_back(address, now)
    await node.store.refund_login(username, address, now)
