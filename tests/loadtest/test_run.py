"""Short, bounded load tests against an in-process memory hub on 127.0.0.1: a clean
run accounts for every delivery; a hub that silently drops one frame is caught; a URL
that is unreachable or not a hub exits 2. `cli.run` is synchronous (it spawns client
processes), so it runs in a thread while the hub serves on the test's event loop."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.server
import json
import multiprocessing
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.loadtest import cli
from hub.loadtest.worker import resolve_loop
from hub.session import Session
from tests.loadtest.conftest import SERVER_KEY, free_port, start_hub

pytestmark = pytest.mark.timeout(60)


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="kongjian")
    cli.add_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["loadtest", *argv])


def small_run(url: str, tmp: Path, *extra: str) -> argparse.Namespace:
    return parse("--url", url, "--users", "150", "--friends", "8", "--tabs-per-user", "2",
                 "--duration", "2s", "--post-rate", "60", "--processes", "2",
                 "--server-key", SERVER_KEY, "--ceiling", "45s", "--quiet",
                 "--report", str(tmp / "report.json"), "--html", str(tmp / "report.html"),
                 *extra)


async def test_clean_run_accounts_for_every_delivery(hub: Any, tmp_path: Path) -> None:
    code = await asyncio.to_thread(cli.run, small_run(hub.url, tmp_path))
    report = json.loads((tmp_path / "report.json").read_text())
    assert code == 0, report["problems"]
    events = report["events"]
    assert events["delivered"] == events["expected"] > 0
    assert events["lost"] == events["duplicated"] == events["unexpected"] == 0
    assert events["seq_gaps"] == events["out_of_order"] == 0
    assert report["connections"] == {**report["connections"], "target": 300,
                                     "established": 300, "failed": 0}
    assert report["ops"]["sent"] > 0 and report["ops"]["error_rate"] == 0
    assert {k: v > 0 for k, v in report["ops"]["by_kind"].items()} == {
        "mood": True, "comment": True, "gift": True}
    latency = report["latency_ms"]
    assert latency["count"] == events["delivered"]
    assert 0 < latency["p50"] <= latency["p90"] <= latency["p99"] <= latency["p99.9"] \
        <= latency["max"]
    assert report["graph"]["users"] == 150 and report["graph"]["degree"]["max"] > 8
    assert report["config"]["source_addrs"] == ["127.0.0.2"]
    assert report["config"]["loop"] == resolve_loop("auto")
    assert report["timeline"] and report["histogram"] and report["ok"] is True
    assert report["server"]["rss_peak_mb"] > 0  # the in-process hub is this (local) process
    # the hub's own op times cover exactly the run: its counts match the ops sent
    hub_ops = report["ops"]["hub_op_ms"]
    assert {op: hub_ops[op]["count"] for op in ("mood.post", "comment.post", "gift.send")} == {
        "mood.post": report["ops"]["by_kind"]["mood"],
        "comment.post": report["ops"]["by_kind"]["comment"],
        "gift.send": report["ops"]["by_kind"]["gift"]}
    assert "gifts.catalog" not in hub_ops  # asked while connecting, before the run
    page = (tmp_path / "report.html").read_text()
    assert page.count("<svg") >= 2 and "<script" not in page and "http://" not in page.replace(
        hub.url, "")


async def test_a_dropped_frame_is_reported_lost(hub: Any, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The hub drops the first mood frame for one connection while believing it sent
    it (seq advances): the report must count exactly that one delivery as lost."""
    original = Session.push_event
    dropped: list[str] = []

    def push_event(self: Session, seq: int | None, frame: bytes) -> None:
        if (not dropped and seq is not None and self._buffer is None
                and seq == self.last_seq + 1 and b'"event":"mood"' in frame):
            dropped.append(self.user)
            self.last_seq = seq  # "sent" — but never written to the socket
            return
        original(self, seq, frame)

    monkeypatch.setattr(Session, "push_event", push_event)
    args = small_run(hub.url, tmp_path, "--duration", "1s", "--drain", "3s")
    code = await asyncio.to_thread(cli.run, args)
    report = json.loads((tmp_path / "report.json").read_text())
    assert dropped, "no mood frame went through the patched session"
    assert code == 1
    events = report["events"]
    assert events["lost"] == 1 and events["delivered"] == events["expected"] - 1
    assert events["lost_examples"][0]["to"] == dropped[0]
    assert events["lost_examples"][0]["event"] == "mood"
    assert any("1 events lost" in p for p in report["problems"])


def test_unreachable_url_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.run(parse("--url", f"http://127.0.0.1:{free_port()}", "--users", "10",
                         "--duration", "1s", "--quiet"))
    assert code == 2
    assert "cannot reach" in capsys.readouterr().err


class NotAHub(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<html>hello</html>"
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def not_a_hub() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotAHub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_url_that_is_not_a_hub_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with not_a_hub() as url:
        code = cli.run(parse("--url", url, "--users", "10", "--duration", "1s", "--quiet"))
    assert code == 2
    assert "is not a Kongjian hub" in capsys.readouterr().err


def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run(parse("--users", "1")) == 2
    assert cli.run(parse("--prefix", "Bad-Prefix")) == 2
    assert "--prefix" in capsys.readouterr().err


async def test_without_a_server_key_it_seeds_through_register(
        hub: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = parse("--url", hub.url, "--users", "12", "--friends", "3", "--duration", "1s",
                 "--post-rate", "20", "--processes", "1", "--quiet", "--ceiling", "45s",
                 "--loop", "asyncio", "--report", str(tmp_path / "r.json"))
    args.server_key = None  # KJ_SERVER_KEY may be set in the environment
    code = await asyncio.to_thread(cli.run, args)
    report = json.loads((tmp_path / "r.json").read_text())
    assert code == 0, report["problems"]
    assert report["seed"]["method"] == "register"
    assert report["config"]["loop"] == "asyncio"
    assert report["events"]["delivered"] == report["events"]["expected"] > 0
    assert "warning: no --server-key" in capsys.readouterr().err


async def test_seeding_through_register_waits_out_the_http_op_limit(tmp_path: Path) -> None:
    """A hub with a tight op limit answers some friend ops 429: seeding waits as told
    (Retry-After) and sends them again, so the graph is whole and the run clean."""
    hub = await start_hub(ops_per_second=5, ops_burst=2)
    limiter = hub.node.http_op_limiter
    take, refused = limiter.take, []

    def counting(key: str) -> int:
        wait = take(key)
        if wait:
            refused.append(wait)
        return wait

    limiter.take = counting
    try:
        args = parse("--url", hub.url, "--users", "12", "--friends", "3", "--duration", "1s",
                     "--post-rate", "2", "--processes", "1", "--quiet", "--ceiling", "60s",
                     "--loop", "asyncio", "--seed", "7", "--report", str(tmp_path / "r.json"))
        args.server_key = None
        code = await asyncio.to_thread(cli.run, args)
        report = json.loads((tmp_path / "r.json").read_text())
        assert code == 0, report["problems"]
        assert refused, "the limit never refused an op: this test tests nothing"
        assert report["seed"]["method"] == "register"
        assert report["events"]["delivered"] == report["events"]["expected"] > 0
    finally:
        await hub.stop()


async def test_seeding_through_register_waits_out_the_registration_throttle(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A hub whose per-address registration throttle refuses (429, Retry-After):
    seeding waits as told and registers the user again. (The throttle here refuses its
    first three calls for a second each, so the test does not wait out a real one.)"""
    hub = await start_hub(register_per_minute=600)
    limiter = hub.node.register_limiter
    assert limiter is not None
    take, refused = limiter.take, []

    def refusing(key: str) -> int:
        if len(refused) < 3:
            refused.append(key)
            return 1
        return take(key)

    limiter.take = refusing  # type: ignore[method-assign]
    try:
        args = parse("--url", hub.url, "--users", "12", "--friends", "3", "--duration", "1s",
                     "--post-rate", "2", "--processes", "1", "--quiet", "--ceiling", "60s",
                     "--loop", "asyncio", "--report", str(tmp_path / "r.json"))
        args.server_key = None
        code = await asyncio.to_thread(cli.run, args)
        report = json.loads((tmp_path / "r.json").read_text())
        assert code == 0, report["problems"]
        assert len(refused) == 3 and report["seed"]["method"] == "register"
        assert report["events"]["delivered"] == report["events"]["expected"] > 0
        assert "throttles registrations" in capsys.readouterr().err
    finally:
        await hub.stop()


async def test_the_hard_ceiling_stops_the_run(hub: Any, capsys: pytest.CaptureFixture[str]
                                              ) -> None:
    args = parse("--url", hub.url, "--users", "20", "--duration", "1s", "--ceiling", "0.2s",
                 "--processes", "1", "--server-key", SERVER_KEY, "--quiet")
    code = await asyncio.to_thread(cli.run, args)
    assert code == 3
    assert "hard ceiling" in capsys.readouterr().err
    assert multiprocessing.active_children() == []


async def test_a_hub_with_an_internal_port_is_tested_through_its_internal_url(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Behind `--internal-port` the public port gives only `{"status"}` and hides the
    admin API: the tester says which flag to add, and with it runs as usual."""
    hub = await start_hub(internal_port=free_port())
    try:
        code = await asyncio.to_thread(cli.run, small_run(hub.url, tmp_path))
        assert code == 2
        assert "--internal-url" in capsys.readouterr().err
        code = await asyncio.to_thread(cli.run, small_run(
            hub.url, tmp_path, "--internal-url", hub.internal_url))
        report = json.loads((tmp_path / "report.json").read_text())
        assert code == 0, report["problems"]
        assert report["events"]["lost"] == 0 and report["events"]["delivered"] > 0
        assert report["ops"]["hub_op_ms"]["mood.post"]["count"] > 0  # /metrics was read
    finally:
        await hub.stop()
