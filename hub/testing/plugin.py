"""The pytest plugin for integration tests against Kongjian (entry point `pytest11`, so
installing the package is enough):

    async def test_friends_see_my_mood(kj_user, kj_friends):
        alice, bob = await kj_user("alice"), await kj_user("bob")
        await kj_friends(alice, bob)
        await alice.call("mood.post", {"text": "hi"})
        assert (await bob.next_event("mood")).data["mood"]["text"] == "hi"

* `kj_hub` — a hub in a child process on a free loopback port, one per test session and
  engine (memory by default). `--kj-engine=redis` or `@pytest.mark.kj_engine("redis")`
  runs it on a throwaway `redis-server` started for the session; `--kj-redis-url` uses an
  existing server instead, under a key prefix of its own (parallel runs, xdist workers,
  never collide, and only that prefix is deleted afterwards).
* `kj_user` — `await kj_user("alice")` registers a unique user and returns a connected
  `hub.client.Client` (`.name`, `.token`); every client is closed after the test.
* `kj_friends` — `await kj_friends(a, b)` makes two users friends and returns once both
  saw `friend.added`.

The hub runs in its own process, so fixtures work the same under pytest-asyncio's strict
and auto modes, with any event loop scope, and under pytest-xdist. It has production
settings but one: registrations are not throttled per address (`--register-per-minute
0`), since every `kj_user` registers from 127.0.0.1 (docs/testing.md).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field

import pytest

try:  # async fixtures need pytest-asyncio; without it the plugin must not break pytest
    import pytest_asyncio

    async_fixture = pytest_asyncio.fixture
except ImportError:  # pragma: no cover
    async_fixture = pytest.fixture

from hub.client import Client, register, ws_url
from hub.testing.process import HubProcess
from hub.testing.redis_server import RedisServer

ENGINES = ("memory", "redis")
PASSWORD = "kj-test-password"
SERVER_KEY = "kj-test-server-key"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kongjian", "Kongjian hub for integration tests")
    group.addoption("--kj-engine", choices=ENGINES, default="memory",
                    help="engine of the kj_hub fixture (default: memory)")
    group.addoption("--kj-redis-url", default=None,
                    help="use this Redis (under a fresh key prefix) instead of starting "
                         "a throwaway redis-server")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "kj_engine(name): run kj_hub on 'memory' or 'redis'")


@dataclass
class KjHub:
    """A running hub: `url` (HTTP), `ws_url`, and `redis_url` on the Redis engine."""

    engine: str
    process: HubProcess
    redis_url: str | None = None
    key_prefix: str | None = None
    server_key: str = SERVER_KEY

    @property
    def url(self) -> str:
        return self.process.url

    @property
    def ws_url(self) -> str:
        return ws_url(self.process.url)


@dataclass
class _Hubs:
    """Hubs (and the redis-server) started in this session, stopped at its end."""

    config: pytest.Config
    running: dict[str, KjHub] = field(default_factory=dict)
    redis: RedisServer | None = None

    def get(self, engine: str) -> KjHub:
        if engine not in self.running:
            self.running[engine] = self._start(engine)
        return self.running[engine]

    def _start(self, engine: str) -> KjHub:
        # Tests register many users from 127.0.0.1 in a minute: the per-address
        # registration throttle would refuse them, so this hub runs without it.
        extra = ["--server-key", SERVER_KEY, "--register-per-minute", "0"]
        redis_url = prefix = None
        if engine == "redis":
            redis_url = self.config.getoption("--kj-redis-url")
            if redis_url is None:
                self.redis = RedisServer()
                self.redis.start()
                redis_url = self.redis.url
            prefix = f"kjtest-{uuid.uuid4().hex[:12]}"
            extra += ["--key-prefix", prefix]
        env = {"KJ_PRESENCE_GRACE": "0.05", "KJ_LOG_LEVEL": "warning"}
        process = HubProcess(redis_url=redis_url, extra=extra, env=env).start()
        return KjHub(engine, process, redis_url, prefix)

    def stop(self) -> None:
        for hub in self.running.values():
            hub.process.stop()
            if hub.key_prefix and hub.redis_url and self.redis is None:
                _delete_prefix(hub.redis_url, hub.key_prefix)
        if self.redis is not None:
            self.redis.cleanup()


def _delete_prefix(url: str, prefix: str) -> None:
    """Remove this session's keys from a shared Redis — and nothing else."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        for key in client.scan_iter(match=f"{prefix}:*", count=1000):
            client.unlink(key)
    finally:
        client.close()


@pytest.fixture(scope="session")
def _kj_hubs(pytestconfig: pytest.Config) -> Iterator[_Hubs]:
    hubs = _Hubs(pytestconfig)
    yield hubs
    hubs.stop()


@pytest.fixture
def kj_hub(request: pytest.FixtureRequest, _kj_hubs: _Hubs) -> KjHub:
    marker = request.node.get_closest_marker("kj_engine")
    engine = marker.args[0] if marker else request.config.getoption("--kj-engine")
    if engine not in ENGINES:
        raise pytest.UsageError(f"kj_engine must be one of {ENGINES}, not {engine!r}")
    return _kj_hubs.get(engine)


UserFactory = Callable[[str], Awaitable[Client]]


@async_fixture
async def kj_user(kj_hub: KjHub) -> AsyncIterator[UserFactory]:
    clients: list[Client] = []

    async def make(name: str = "user") -> Client:
        base = "".join(c for c in name.lower() if c.isalnum() or c == "_")[:11] or "user"
        username = f"{base}_{uuid.uuid4().hex[:8]}"
        reg = await register(kj_hub.url, username, PASSWORD)
        client = await Client.connect(kj_hub.url, reg["token"], name=username)
        clients.append(client)
        return client

    yield make
    for client in clients:
        with contextlib.suppress(Exception):
            await client.close()


@async_fixture
async def kj_friends() -> Callable[[Client, Client], Awaitable[None]]:
    async def befriend(a: Client, b: Client) -> None:
        await a.call("friend.request", {"to": b.name})
        await b.next_event("friend.request", where=lambda e: e.data.get("from") == a.name)
        await b.call("friend.accept", {"from": a.name})
        await a.next_event("friend.added")
        await b.next_event("friend.added")

    return befriend


__all__ = ["KjHub", "kj_friends", "kj_hub", "kj_user"]
