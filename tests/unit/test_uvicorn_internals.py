"""The uvicorn internals the hub leans on are still there. hub/server.py subclasses
uvicorn's `H11Protocol` and reads its per-connection fields and those of its request
cycle; hub/transport.py writes the fields of the `websockets-sansio` protocol. None of
that is public API: when an upgrade moves it, this fails first, and by name (the
range that was checked is pinned in pyproject.toml)."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Iterator
from typing import Any
from unittest import mock

import h11
import pytest
import uvicorn
from uvicorn.protocols.http.flow_control import FlowControl
from uvicorn.protocols.http.h11_impl import H11Protocol, RequestResponseCycle
from uvicorn.server import ServerState

from hub.server import EdgeConfig, EdgeProtocol

PINNED = "pinned in pyproject.toml; checked on uvicorn 0.55"


async def _app(scope: Any, receive: Any, send: Any) -> None:
    return None


def _missing(obj: object, names: list[str]) -> list[str]:
    return [n for n in names if not hasattr(obj, n)]


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture
def config() -> EdgeConfig:
    config = EdgeConfig(_app, header_timeout=1.0, connection_limit=10, internal_port=None,
                        http=EdgeProtocol, ws="websockets-sansio", lifespan="off",
                        log_config=None)
    config.load()
    return config


def test_the_h11_protocol_has_what_the_edge_overrides_and_reads(
        config: EdgeConfig, loop: asyncio.AbstractEventLoop) -> None:
    assert config.http_protocol_class is EdgeProtocol
    proto = EdgeProtocol(config, ServerState(), {}, _loop=loop)
    fields = ["conn", "cycle", "flow", "connections", "server", "client", "transport",
              "app", "loop", "server_state", "logger"]
    assert not _missing(proto, fields), f"H11Protocol lost {_missing(proto, fields)}; {PINNED}"
    hooks = ["connection_made", "connection_lost", "data_received", "on_response_complete",
             "handle_websocket_upgrade"]
    assert not _missing(H11Protocol, hooks), f"H11Protocol lost {_missing(H11Protocol, hooks)}"
    assert list(inspect.signature(H11Protocol.__init__).parameters) == [
        "self", "config", "server_state", "app_state", "_loop"], PINNED
    assert list(inspect.signature(H11Protocol.handle_websocket_upgrade).parameters) == [
        "self", "event"], PINNED
    # uvicorn runs `self.app` for each request: the edge's admission sits there.
    assert "self.app" in inspect.getsource(H11Protocol.handle_events), PINNED
    assert isinstance(proto.conn, h11.Connection)
    assert isinstance(proto.connections, set)


def test_the_request_cycle_and_flow_control_have_what_the_edge_reads(
        loop: asyncio.AbstractEventLoop) -> None:
    transport = mock.Mock()
    flow = FlowControl(transport)
    assert hasattr(flow, "read_paused"), PINNED
    cycle = RequestResponseCycle(
        scope={"type": "http", "method": "POST", "headers": []},  # type: ignore[arg-type]
        conn=h11.Connection(h11.SERVER), transport=transport, flow=flow,
        logger=logging.getLogger("t"), access_logger=logging.getLogger("t"),
        access_log=False, default_headers=[], message_event=asyncio.Event(),
        on_response=lambda: None)
    fields = ["disconnected", "message_event", "response_complete", "response_started",
              "waiting_for_100_continue"]
    assert not _missing(cycle, fields), f"RequestResponseCycle lost {_missing(cycle, fields)}"


def test_the_sansio_websocket_protocol_has_what_the_transport_writes(
        config: EdgeConfig, loop: asyncio.AbstractEventLoop) -> None:
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

    from hub import transport

    assert transport._SANSIO is WebSocketsSansIOProtocol, "hub.transport found no sansio"
    proto = WebSocketsSansIOProtocol(config, ServerState(), {}, _loop=loop)
    fields = ["close_sent", "disconnected", "transport", "queue", "conn", "read_paused",
              "close_timer", "writable"]
    assert not _missing(proto, fields), f"sansio protocol lost {_missing(proto, fields)}"
    assert isinstance(proto.queue, asyncio.Queue) and isinstance(proto.writable, asyncio.Event)
    assert not _missing(proto.conn, ["send_close", "data_to_send"]), PINNED


def test_the_server_serves_given_sockets() -> None:
    params = inspect.signature(uvicorn.Server.serve).parameters
    assert "sockets" in params, f"Server.serve(sockets=...) is gone; {PINNED}"
    assert "sockets" in inspect.signature(uvicorn.Server.shutdown).parameters, PINNED
