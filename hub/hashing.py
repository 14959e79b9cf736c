"""Password hashing off the event loop, on the node's own bounded pools.

Two small thread pools, made when the node starts and shut down with it: one hashes
new passwords (registration, password change, admin seeding), one checks passwords
(login, the old password of a password change). scrypt is slow and memory-hungry on
purpose; on separate pools a burst of registrations can never delay a login, and
neither can hold up the event loop or the default executor other work uses. Each pool
admits a fixed number of jobs (running plus waiting); past that a call is refused at
once with `unavailable` and `Retry-After` instead of queueing without bound.

The check of an unknown username runs against a dummy hash made at start-up with the
same parameters and pepper, so it costs what a real one costs. The scheme itself
(scrypt, the pepper) is `hub.auth`'s; `auth.hash_password` and `auth.verify_password`
are looked up at each call, so a test can replace them.
"""

from __future__ import annotations

import asyncio
import functools
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from hub import auth
from hub.errors import ErrorCode, RetryLater

T = TypeVar("T")

# A waiting job costs a closure, not memory for scrypt; the bound is on how long the
# last one in the queue waits (about `waiting` hashes' time).
REGISTER_WORKERS, REGISTER_WAITING = 1, 31
LOGIN_WORKERS, LOGIN_WAITING = 2, 62


class HashPool:
    """A thread pool that admits at most `workers + waiting` jobs at a time."""

    def __init__(self, name: str, workers: int, waiting: int) -> None:
        self.name = name
        self.workers = workers
        self.capacity = workers + waiting
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._admitted = 0  # counted down by the worker thread when a job ends

    @property
    def admitted(self) -> int:
        return self._admitted

    def start(self) -> None:
        self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix=self.name)

    def submit(self, fn: Callable[[], T]) -> asyncio.Future[T]:
        """Admit `fn()` now, or refuse it now with `unavailable` (retry in 1 s) when
        the pool is full; the future of its result."""
        if self._executor is None:
            raise RuntimeError(f"{self.name} pool used before the node started")
        with self._lock:
            if self._admitted >= self.capacity:
                raise RetryLater(ErrorCode.UNAVAILABLE,
                                 "the hub is busy checking passwords; try again in 1 s", 1)
            self._admitted += 1
        # The job holds its place until it ends, even if its request is gone: a
        # cancelled await does not stop a running hash.
        future: Future[T] = self._executor.submit(fn)
        future.add_done_callback(self._release)
        return asyncio.wrap_future(future)

    async def run(self, fn: Callable[[], T]) -> T:
        return await self.submit(fn)

    def _release(self, _: object) -> None:
        with self._lock:
            self._admitted -= 1

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


class PasswordHashing:
    """The node's password work: `hash` for new passwords, `verify` for logins."""

    def __init__(self, pepper: str | None) -> None:
        self.pepper = pepper
        self.register_pool = HashPool("kj-hash-new", REGISTER_WORKERS, REGISTER_WAITING)
        self.login_pool = HashPool("kj-hash-check", LOGIN_WORKERS, LOGIN_WAITING)
        self._dummy = ""

    async def start(self) -> None:
        self.register_pool.start()
        self.login_pool.start()
        self._dummy = await self.login_pool.run(functools.partial(
            auth.hash_password, secrets.token_urlsafe(16), pepper=self.pepper))

    def close(self) -> None:
        self.register_pool.close()
        self.login_pool.close()

    async def hash(self, password: str) -> str:
        return await self.register_pool.run(
            lambda: auth.hash_password(password, pepper=self.pepper))

    async def verify(self, password: str, stored: str | None) -> bool:
        """Whether `password` matches `stored`; None (no such user) is checked against
        the dummy hash, at the same cost, and is never a match."""
        target = self._dummy if stored is None else stored
        ok = await self.login_pool.run(
            lambda: auth.verify_password(password, target, pepper=self.pepper))
        return ok and stored is not None
