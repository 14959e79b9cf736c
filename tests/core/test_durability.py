"""The memory engine with a data directory, in real `kongjian serve` processes: SIGTERM
drains (sockets close 1001, exit 0) and a restart finds accounts, friends, moods and
inboxes (resume works, same epoch); SIGKILL loses nothing that was acknowledged; a
damaged data file stops the command with exit code 2 and a clear message."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hub.client import Client, login
from hub.store.schema import DB_NAME, SCHEMA
from tests.harness import PASSWORD, HubProcess, Users, befriend
from tests.redis_server import free_port


@pytest.fixture
def processes() -> Iterator[Callable[[Path], HubProcess]]:
    """Start `kongjian serve --data <dir>` processes; any still running at the end is
    stopped."""
    running: list[HubProcess] = []

    def start(data: Path) -> HubProcess:
        hub = HubProcess(data=data)
        running.append(hub)
        return hub.start()

    yield start
    for hub in running:
        if hub.proc is not None and hub.proc.poll() is None:
            hub.proc.kill()
            hub.proc.wait(10)


async def test_sigterm_drains_and_a_restart_keeps_everything(
        tmp_path: Path, processes: Callable[[Path], HubProcess]) -> None:
    first = await asyncio.to_thread(processes, tmp_path)
    users = Users(first.url)
    try:
        alice, bob = await users.new("al"), await users.new("bo")
        await befriend(alice, bob)
        since, since_seq = alice.last_id, alice.last_seq
        epoch = alice.hello["epoch"]
        posted = [(await bob.call("mood.post", {"text": f"持久 {n}"}))["mood"]
                  for n in range(3)]
        await alice.next_event("mood", where=lambda e: e.data["mood"]["id"] == posted[-1]["id"])
        before = [e for e in alice.inbox_events if e.seq > since_seq]

        code = await asyncio.to_thread(first.signal, signal.SIGTERM)
        assert code == 0, first.read_output()
        assert await alice.wait_closed() == 1001
        assert await bob.wait_closed() == 1001
    finally:
        await users.close()

    second = await asyncio.to_thread(processes, tmp_path)
    assert alice.name is not None and bob.name is not None
    relogin = await login(second.url, alice.name, PASSWORD)  # the account survived
    assert relogin["user"]["username"] == alice.name
    back = await Client.connect(second.url, alice.token, since=since)  # so did the session
    try:
        assert back.hello["epoch"] == epoch and back.hello["gap"] is False
        assert back.hello["seq"] == before[-1].seq
        await back.next_event(where=lambda e: e.seq == before[-1].seq)
        assert [(e.id, e.seq, e.event, e.data) for e in back.inbox_events] == [
            (e.id, e.seq, e.event, e.data) for e in before]
        friends = (await back.call("friends.list"))["friends"]
        assert [f["user"] for f in friends] == [bob.name]
        feed = (await back.call("feed"))["items"]
        assert [m["id"] for m in feed] == [m["id"] for m in reversed(posted)]
        # the inbox continues where it was: the next event is head + 1
        bob2 = await Client.connect(second.url, bob.token)
        try:
            await bob2.call("mood.post", {"text": "after restart"})
        finally:
            await bob2.close()
        live = await back.next_event("mood", where=lambda e: e.data["mood"]["text"] ==
                                     "after restart")
        assert live.seq == before[-1].seq + 1
    finally:
        await back.close()
        code = await asyncio.to_thread(second.signal, signal.SIGTERM)
        assert code == 0, second.read_output()


async def test_sigkill_loses_nothing_acknowledged(
        tmp_path: Path, processes: Callable[[Path], HubProcess]) -> None:
    first = await asyncio.to_thread(processes, tmp_path)
    users = Users(first.url)
    try:
        alice, bob = await users.new("ka"), await users.new("kb")
        await befriend(alice, bob)
        since, since_seq = alice.last_id, alice.last_seq
        mood = (await bob.call("mood.post", {"text": "acknowledged"}))["mood"]
        code = await asyncio.to_thread(first.signal, signal.SIGKILL)  # right after the ack
        assert code == -signal.SIGKILL
    finally:
        await users.close()

    second = await asyncio.to_thread(processes, tmp_path)
    back = await Client.connect(second.url, alice.token, since=since)
    try:
        assert back.hello["gap"] is False
        event = await back.next_event("mood")
        assert event.seq == since_seq + 1 and event.data["mood"]["id"] == mood["id"]
        assert event.data["mood"]["text"] == "acknowledged"
        feed = (await back.call("feed"))["items"]
        assert [m["id"] for m in feed] == [mood["id"]]
    finally:
        await back.close()
        await asyncio.to_thread(second.signal, signal.SIGTERM)


def _serve(data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hub", "serve", "--port", str(free_port()),
                           "--data", str(data)], capture_output=True, text=True, timeout=30,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"})


def test_garbage_data_file_exits_2_with_a_message(tmp_path: Path) -> None:
    (tmp_path / DB_NAME).write_bytes(b"this is not a database\n" * 1000)
    result = _serve(tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert f"kongjian: data file {tmp_path / DB_NAME}" in result.stderr
    assert "move it aside" in result.stderr


def test_damaged_pages_exit_2_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    with db:
        db.executemany("INSERT INTO moods (author, text, visibility, tag, ts) VALUES"
                       " ('a', ?, 'public', '', 0)", [("x" * 200,) for _ in range(2000)])
    db.close()
    size = path.stat().st_size
    with path.open("r+b") as f:  # scribble over the middle pages, keep the header
        f.seek(size // 2)
        f.write(b"\xa5" * 16384)
    result = _serve(tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert str(path) in result.stderr and "move it aside" in result.stderr
