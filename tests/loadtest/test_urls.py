"""Several hub nodes in one load test: `--url` repeatable or comma-separated, user u on
url[u % n] (every tab of a user on the same node), and no mixing of memory nodes."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import pytest

from hub.loadtest import cli, worker
from hub.loadtest.worker import Worker, WorkerConfig, url_of

A, B, C = "http://127.0.0.1:8001", "http://127.0.0.1:8002", "http://127.0.0.1:8003"


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="kongjian")
    cli.add_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["loadtest", *argv])


def test_url_flag_is_repeatable_and_comma_separated() -> None:
    assert cli.hub_urls(parse().url) == [cli.DEFAULT_URL]
    assert cli.hub_urls(parse("--url", A).url) == [A]
    assert cli.hub_urls(parse("--url", f"{A}, {B}", "--url", C, "--url", A).url) == [A, B, C]
    assert cli.hub_urls(A) == [A]


def test_users_spread_round_robin() -> None:
    assert [url_of([A, B], u) for u in range(5)] == [A, B, A, B, A]
    assert {url_of([A], u) for u in range(5)} == {A}


def test_memory_nodes_cannot_be_mixed() -> None:
    mem = [{"engine": "memory", "node": "n1"}, {"engine": "memory", "node": "n2"}]
    redis = [{"engine": "redis", "node": "n1"}, {"engine": "redis", "node": "n2"}]
    assert cli.check_nodes(mem) is not None
    assert cli.check_nodes(redis) is None
    assert cli.check_nodes(mem[:1] * 2) is None  # two URLs of one node


async def test_worker_connects_each_user_to_its_node(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, str]] = []

    async def connect(url: str, token: str, **_: Any) -> object:
        seen.append((token, url))
        return object()

    monkeypatch.setattr(worker.LeanClient, "connect", connect)
    users = [0, 1, 2, 5]
    cfg = WorkerConfig(index=0, url=A, prefix="t_", n_users=6, users=users,
                       tokens=[f"tok{u}" for u in users], friends=[[] for _ in users], tabs=2,
                       rate=1.0, mix=(1, 1, 1), duration=1.0, drain=1.0, source_addrs=[],
                       connect_concurrency=4, op_timeout=1.0, seed=1, nofile_need=0,
                       urls=[A, B])
    w = Worker(cfg, up=None, down=None)  # type: ignore[arg-type]
    gate = asyncio.Semaphore(4)
    for conn in w.conns:
        await w.open_one(conn, gate)
    assert sorted(seen) == sorted([("tok0", A)] * 2 + [("tok1", B)] * 2 + [("tok2", A)] * 2
                                  + [("tok5", B)] * 2)
