"""The memory engine's friend sets are cached: every change shows at once, the cache
stays bounded, and a caller cannot alter what the next caller gets."""

from __future__ import annotations

import pytest

from hub.store import sqlite
from hub.store.sqlite import SqliteStore


async def test_friendship_changes_show_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite, "FRIENDS_CACHED", 2)
    store = SqliteStore.open(None)
    await store.add_friendship("ann", "bob")
    assert await store.friends("ann") == {"bob"}
    assert await store.friends("bob") == {"ann"}
    await store.add_friendship("ann", "cat")
    assert await store.friends("ann") == {"bob", "cat"}
    assert await store.friends("cat") == {"ann"}
    assert len(store._friends) == 2  # bounded: the least recently used went
    await store.remove_friendship("bob", "ann")
    assert await store.friends("ann") == {"cat"}
    assert await store.friends("bob") == set()
    mine = await store.friends("ann")
    mine.add("mallory")
    assert await store.friends("ann") == {"cat"}
