"""The memory broker frames exactly as `protocol.frame_event` does (the Redis broker's
Lua does too: tests/redis/test_broker.py), so clients see one format from both."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

import orjson
import pytest

from hub.channels.base import Audience
from hub.channels.memory import MemoryBroker
from hub.protocol import encode_event_body, frame_event, frame_live_only, seq_of
from hub.store.schema import SCHEMA
from tests.broker_checks import held_frame_is_checked


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


async def test_a_checked_publish_asks_the_store_once_per_user() -> None:
    registered = {"ann", "bob", "cat"}
    asked: list[list[str]] = []

    def unregistered(names: Sequence[str]) -> list[str]:
        asked.append(list(names))
        return [n for n in names if n not in registered]

    broker = MemoryBroker(retention=10, unregistered=unregistered)
    await broker.start(lambda frames: None, lambda: None)
    body = encode_event_body("x.n", 1, {})
    assert await broker.deliver(body, ["ann", "bob"], registered_only=True) == []
    assert await broker.deliver(body, ["ann", "bob"], registered_only=True) == []
    assert await broker.deliver(body, ["bob", "ghost", "cat"], registered_only=True) == ["ghost"]
    assert asked == [["ann", "bob"], ["ghost", "cat"]]  # confirmed users are not re-asked
    assert (await broker.head("cat")).seq == 0  # the refused event used no seq
    assert (await broker.head("bob")).seq == 2


async def test_a_checked_publish_needs_the_check() -> None:
    broker = MemoryBroker(retention=10)
    with pytest.raises(RuntimeError, match="registration check"):
        await broker.deliver(b"{}", ["ann"], registered_only=True)


async def test_a_user_named_twice_gets_the_event_once() -> None:
    got: list[tuple[str, int | None]] = []
    broker = MemoryBroker(retention=10)
    await broker.start(lambda frames: got.extend((u, s) for u, s, _ in frames), lambda: None)
    await broker.deliver(encode_event_body("x.n", 1, {}), ["ann", "bob", "ann"])
    assert got == [("ann", 1), ("bob", 1)]
    replay = await broker.replay("ann", f"{(await broker.head('ann')).epoch}:0")
    assert len(replay.frames) == 1 and not replay.gap


async def test_a_friends_only_delivery_skips_whoever_is_no_longer_a_friend() -> None:
    friends = {"ann": frozenset({"bob", "cat"})}
    got: list[tuple[str, int | None]] = []
    broker = MemoryBroker(retention=10, friends=lambda u: friends.get(u, frozenset()))
    await broker.start(lambda frames: got.extend((u, s) for u, s, _ in frames), lambda: None)
    audience = ["ann", "bob", "cat"]  # read while bob was still a friend
    friends["ann"] = frozenset({"cat"})  # ann unfriends bob
    assert await broker.deliver(encode_event_body("mood", 1, {}),
                                Audience.of(audience, members_of="ann")) == []
    assert got == [("ann", 1), ("cat", 1)]
    assert (await broker.head("bob")).seq == 0  # nothing written, no seq used
    friends["ann"] = frozenset()
    await broker.deliver(encode_event_body("mood", 2, {}),
                         Audience.of(["bob", "cat"], members_of="ann"))
    assert got == [("ann", 1), ("cat", 1)]  # nobody left: nothing at all


async def test_a_friends_only_delivery_needs_the_friend_sets() -> None:
    broker = MemoryBroker(retention=10)
    with pytest.raises(RuntimeError, match="friend sets"):
        await broker.deliver(b"{}", Audience.of(["ann"], members_of="ann"))
    with pytest.raises(ValueError, match="do not combine"):
        await broker.deliver(b"{}", Audience.of(["ann"], members_of="ann"), registered_only=True)


async def test_a_held_frame_the_inbox_no_longer_holds_voids_its_history() -> None:
    broker = MemoryBroker(retention=10)
    await broker.start(lambda frames: None, lambda: None)
    await held_frame_is_checked(broker, retention=10)


async def test_a_voided_inbox_stays_void_in_the_journal(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "journal.db")
    db.executescript(SCHEMA)
    broker = MemoryBroker(retention=10, journal=db)
    body = encode_event_body("mood", 1, {})
    await broker.deliver(body, ["kim"])
    old = await broker.head("kim")
    await broker.replay("kim", old.last_id, holding=b"not the frame it holds")
    new = await broker.head("kim")
    assert new.epoch != old.epoch and new.seq == 0
    reopened = MemoryBroker(retention=10, journal=db)
    assert await reopened.head("kim") == new


async def test_an_event_from_a_stranger_is_live_only() -> None:
    """Issue #18: 1,100 guestbook entries from a stranger pushed a friend's mood out of
    the victim's retained inbox. What comes from someone who is not the recipient's
    friend now goes out live only: no inbox entry, no seq, nothing evicted."""
    friends = {"ann": frozenset({"bob"}), "bob": frozenset({"ann"})}
    got: list[tuple[str, int | None, bytes]] = []
    broker = MemoryBroker(retention=10, friends=lambda u: friends.get(u, frozenset()))
    await broker.start(got.extend, lambda: None)
    await broker.deliver(encode_event_body("mood", 1, {}), Audience.of(["ann", "bob"], actor="bob"))
    spam = encode_event_body("guestbook", 2, {"entry": {"text": "买买买"}})
    for _ in range(25):  # more than the retention
        await broker.deliver(spam, Audience.of(["ann", "sam"], actor="sam"))
    ann = await broker.head("ann")
    assert ann.seq == 1  # the friend's mood is still the whole inbox
    assert [seq_of(f) for f in (await broker.replay("ann", f"{ann.epoch}:0")).frames] == [1]
    assert (await broker.head("sam")).seq == 25  # the actor's own inbox keeps them
    live = [(seq, frame) for user, seq, frame in got if user == "ann"]
    assert live[0][0] == 1 and len(live) == 26
    assert all(seq is None and frame == frame_live_only(spam) for seq, frame in live[1:])
    assert orjson.loads(frame_live_only(spam)) == {"type": "event", **orjson.loads(spam)}
    # With friends_of too: the ex-friend is skipped, the stranger's friend-of-owner
    # recipient gets it live only (a public mood's comment by a stranger).
    friends["cat"], friends["ann"] = frozenset({"ann"}), frozenset({"bob", "cat"})
    got.clear()
    await broker.deliver(encode_event_body("comment", 3, {}),
                         Audience.of(["ann", "bob", "cat", "sam"], members_of="ann", actor="sam"))
    assert sorted((user, seq) for user, seq, _ in got) == [
        ("ann", None), ("bob", None), ("cat", None)]  # sam is no friend of ann's: skipped
    with pytest.raises(ValueError, match="do not combine"):
        await broker.deliver(b"{}", Audience.of(["ann"], actor="ann"), registered_only=True)


async def test_an_audience_for_groups_reaches_only_friends_still_in_one_of_them() -> None:
    friends = {"ann": frozenset({"bob", "cat", "dan"})}
    groups = {("ann", "同学"): {"bob", "eve"}, ("ann", "家人"): {"dan"}}
    got: list[tuple[str, int | None]] = []

    def members(owner: str, names: frozenset[str]) -> frozenset[str]:
        return frozenset(m for name in names for m in groups.get((owner, name), ()))

    broker = MemoryBroker(retention=10, friends=lambda u: friends.get(u, frozenset()),
                          members=members)
    await broker.start(lambda frames: got.extend((u, s) for u, s, _ in frames), lambda: None)
    audience = Audience.of(["ann", "bob", "cat", "dan", "eve"], members_of="ann",
                           groups={"同学", "家人"})
    groups[("ann", "家人")] = set()  # dan left the group after the audience was read
    await broker.deliver(encode_event_body("mood", 1, {}), audience)
    assert sorted(got) == [("ann", 1), ("bob", 1)]  # cat: in none; eve: no friend
    with pytest.raises(ValueError, match="name the owner"):
        Audience.of(["ann"], groups={"同学"})
