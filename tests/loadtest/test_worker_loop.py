"""The client process's event loop: the coordinator's pipe delivers whole messages under
both loops, however large (`expect` at 10k users is hundreds of KB), and `--loop`
resolves and fails clearly."""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from hub.loadtest import cli, worker
from hub.loadtest.worker import Worker, WorkerConfig, resolve_loop
from tests.loadtest.test_run import parse

pytestmark = pytest.mark.timeout(30)


def config() -> WorkerConfig:
    return WorkerConfig(index=0, url="http://127.0.0.1:1", prefix="t_", n_users=1, users=[0],
                        tokens=["x"], friends=[[]], tabs=1, rate=0.0, mix=(1.0, 0.0, 0.0),
                        duration=1.0, drain=1.0, source_addrs=[], connect_concurrency=1,
                        op_timeout=1.0, seed=1, nofile_need=64)


async def receive_large_expect() -> tuple[Any, ...]:
    reader, writer = multiprocessing.Pipe(duplex=False)
    w = Worker(config(), up=None, down=reader)  # type: ignore[arg-type]
    loop = asyncio.get_running_loop()
    loop.add_reader(reader.fileno(), w._on_down)
    wants = list(range(200_000))  # ~1 MB pickled: many pipe buffers' worth
    sender = threading.Thread(target=writer.send, args=(("expect", wants),), daemon=True)
    sender.start()
    try:
        return await asyncio.wait_for(w.inbox.get(), 10)
    finally:
        loop.remove_reader(reader.fileno())
        sender.join(5)
        reader.close()
        writer.close()


def runners() -> list[tuple[str, Callable[[Coroutine[Any, Any, Any]], Any]]]:
    found: list[tuple[str, Callable[[Coroutine[Any, Any, Any]], Any]]] = [
        ("asyncio", asyncio.run)]
    if worker.uvloop_available():
        import uvloop

        found.append(("uvloop", uvloop.run))
    return found


@pytest.mark.parametrize(("name", "run"), runners(), ids=[n for n, _ in runners()])
def test_a_message_larger_than_the_pipe_buffer_arrives_whole(
        name: str, run: Callable[[Coroutine[Any, Any, Any]], Any]) -> None:
    message = run(receive_large_expect())
    assert message[0] == "expect" and message[1] == list(range(200_000))


def test_loop_choice_resolves(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_loop("asyncio") == "asyncio"
    monkeypatch.setattr(worker, "uvloop_available", lambda: False)
    assert resolve_loop("auto") == "asyncio"
    monkeypatch.setattr(worker, "uvloop_available", lambda: True)
    assert resolve_loop("auto") == "uvloop"


def test_loop_uvloop_without_uvloop_exits_2(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cli, "uvloop_available", lambda: False)
    assert cli.run(parse("--loop", "uvloop")) == 2
    assert "uvloop is not installed" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse("--loop", "trio")


async def run_with_coordinator_gone() -> int:
    reader, writer = multiprocessing.Pipe(duplex=False)
    w = Worker(config(), up=None, down=reader)  # type: ignore[arg-type]
    calls = 0

    def on_down() -> None:
        nonlocal calls
        calls += 1
        w._on_down()

    waiting = asyncio.ensure_future(w.expect_message("go"))  # as a worker awaits its go
    loop = asyncio.get_running_loop()
    loop.add_reader(reader.fileno(), on_down)
    writer.close()  # the coordinator dies: its end of the pipe closes
    try:
        with pytest.raises(worker.Stopped):
            await asyncio.wait_for(waiting, 10)
        for _ in range(20):  # loop turns in which a still-registered reader would fire
            await asyncio.sleep(0)
        return calls
    finally:
        loop.remove_reader(reader.fileno())
        reader.close()


@pytest.mark.parametrize(("name", "run"), runners(), ids=[n for n, _ in runners()])
def test_a_closed_coordinator_pipe_stops_the_worker(
        name: str, run: Callable[[Coroutine[Any, Any, Any]], Any]) -> None:
    # Before, EOFError was swallowed and the reader stayed registered on a pipe that is
    # readable forever: the callback spun and the worker waited out the hard ceiling.
    assert run(run_with_coordinator_gone()) == 1
