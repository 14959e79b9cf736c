"""The GC policy: survivors of a full collection are frozen; enough closed connections
since then unfreeze everything, so their garbage is collected again."""

from __future__ import annotations

import asyncio
import gc

from hub import gcpolicy
from hub.gcpolicy import GcPolicy


async def test_freeze_after_a_full_collection_and_thaw_after_churn() -> None:
    counts = {"open": 8000, "closed": 0}
    policy = GcPolicy(lambda: counts["open"], lambda: counts["closed"])
    policy.install()
    try:
        gc.collect()
        await asyncio.sleep(0)  # the freeze runs right after, on the loop
        assert policy.frozen and gc.get_freeze_count() > 0
        counts["closed"] = gcpolicy.MIN_CLOSED  # 1000 closed: below 8000 / 4, tolerated
        gc.collect(0)
        assert policy.frozen
        counts["closed"] = 2001  # over a quarter of those open at the freeze
        gc.collect(0)
        assert not policy.frozen and gc.get_freeze_count() == 0
        gc.collect()  # the full collection that sees everything, then freezes again
        await asyncio.sleep(0)
        assert policy.frozen
    finally:
        policy.uninstall()
    assert gc.get_freeze_count() == 0 and policy._on_gc not in gc.callbacks


async def test_a_freeze_scheduled_before_uninstall_does_nothing() -> None:
    policy = GcPolicy(lambda: 0, lambda: 0)
    policy.install()
    gc.collect()  # schedules the freeze...
    policy.uninstall()  # ...and the node closes before it runs
    await asyncio.sleep(0)
    assert not policy.frozen and gc.get_freeze_count() == 0


async def test_young_collections_are_rarer_while_installed_and_restored_after() -> None:
    before = gc.get_threshold()
    first = GcPolicy(lambda: 0, lambda: 0)
    second = GcPolicy(lambda: 0, lambda: 0)  # two nodes in one process, as in the tests
    first.install()
    second.install()
    try:
        assert gc.get_threshold() == (max(before[0], gcpolicy.YOUNG_THRESHOLD), *before[1:])
    finally:
        first.uninstall()  # out of order: whoever leaves last, the default comes back
        second.uninstall()
    assert gc.get_threshold() == before
