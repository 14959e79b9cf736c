"""Shared fixtures: a session-wide throwaway redis-server and per-test key prefixes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.redis_server import RedisServer


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.cleanup()


@pytest.fixture
def key_prefix() -> str:
    """A fresh prefix per test, so tests sharing the server never see each other's keys."""
    return f"kjt{uuid.uuid4().hex[:10]}"


pytest_plugins = ["pytester"]  # tests/plugin drives sample test files through pytest
