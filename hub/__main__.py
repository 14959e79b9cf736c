"""The `kongjian` command: `kongjian serve [...]` runs a hub node under uvicorn.

Every flag maps one to one onto a `Settings` field and its `KJ_*` variable; a flag
wins over the variable. SIGTERM (or Ctrl-C) drains: sockets close with 1001, the
engine flushes and closes, the process exits 0 — or, if that has not finished within
20 s, logs what it was waiting for and exits 1 (hub.shutdown).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import sys
from types import FrameType
from typing import Any, cast

import uvicorn

from hub import logs, server
from hub.app import create_app
from hub.config import Settings
from hub.logs import redact
from hub.shutdown import ShutdownDeadline
from hub.store.schema import CorruptData

log = logging.getLogger("hub")

# flag → settings field; each also readable from KJ_<FIELD>
SERVE_FLAGS: dict[str, tuple[str, str]] = {
    "--host": ("host", "address to listen on (default 127.0.0.1)"),
    "--port": ("port", "port to listen on (default 8000)"),
    "--redis": ("redis_url", "redis://host:port/db — use the Redis engine (default: memory)"),
    "--data": ("data", "memory engine data directory, or 'none' for pure memory "
                       "(default ~/.local/share/kongjian)"),
    "--secret": ("secret", "keys password hashes (a pepper): keep it stable (default: none)"),
    "--server-key": ("server_key", "key for server-to-server APIs (default: unset, refused)"),
    "--node-id": ("node_id", "this node's id in health and presence (default host-pid)"),
    "--key-prefix": ("key_prefix", "Redis key prefix (default kj)"),
    "--inbox-retention": ("inbox_retention", "events kept per inbox (default 1000)"),
    "--max-frame-bytes": ("max_frame_bytes", "largest incoming frame (default 65536)"),
    "--max-queue-bytes": ("max_queue_bytes", "outbound queue per connection (default 4 MiB)"),
    "--heartbeat-interval": ("heartbeat_interval", "seconds between server heartbeats (25)"),
    "--idle-timeout": ("idle_timeout", "close a silent client after this many seconds (70)"),
    "--ops-per-second": ("ops_per_second",
                         "op rate limit per connection and per HTTP login token (20)"),
    "--ops-burst": ("ops_burst", "op burst per connection and per HTTP login token (60)"),
    "--user-ops-per-second": ("user_ops_per_second",
                              "op rate limit per user, all sockets and HTTP together (30)"),
    "--user-ops-burst": ("user_ops_burst", "op burst per user (90)"),
    "--space-writes-per-hour": ("space_writes_per_hour",
                                "writes into another's space per author per owner (60; 0 off)"),
    "--register-per-minute": ("register_per_minute",
                              "registrations per client address (10; 0 off)"),
    "--header-timeout": ("header_timeout",
                         "seconds to send complete headers, or between body chunks (10)"),
    "--limit-concurrency": ("limit_concurrency",
                            "open connections before new requests get 503 "
                            "(default: the open-files limit less a reserve)"),
    "--internal-port": ("internal_port", "serve /metrics, detailed health, admin and "
                                         "server publish here only (default: unset)"),
    "--internal-host": ("internal_host", "address of --internal-port (default: --host)"),
    "--forwarded-allow-ips": ("forwarded_allow_ips",
                              "proxies trusted for X-Forwarded-For/-Proto (127.0.0.1,::1)"),
    "--allowed-origins": ("allowed_origins", "extra browser origins, comma separated"),
    "--static-dir": ("static_dir", "directory of the browser client"),
    "--log-level": ("log_level", "critical, error, warning, info, debug (default info)"),
}
# flags that take no value: given, the field is true
SERVE_SWITCHES: dict[str, tuple[str, str]] = {
    "--cookie-secure": ("cookie_secure", "mark the session cookie Secure even over plain HTTP"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kongjian", description="Kongjian (空间) real-time "
                                     "social hub")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run a hub node")
    for flag, (name, help_text) in SERVE_FLAGS.items():
        serve.add_argument(flag, dest=name, help=f"{help_text} [KJ_{name.upper()}]")
    for flag, (name, help_text) in SERVE_SWITCHES.items():
        serve.add_argument(flag, dest=name, action="store_const", const="true",
                           help=f"{help_text} [KJ_{name.upper()}]")
    from hub.loadtest import cli as loadtest_cli

    loadtest_cli.add_parser(sub)
    return parser


def settings_from_args(args: argparse.Namespace, env: dict[str, str] | None = None) -> Settings:
    merged = dict(os.environ if env is None else env)
    for name, _ in (*SERVE_FLAGS.values(), *SERVE_SWITCHES.values()):
        value = getattr(args, name, None)
        if value is not None:
            merged[f"KJ_{name.upper()}"] = value
    return Settings.from_env(merged)


class DrainingServer(uvicorn.Server):
    """On SIGTERM, close our sockets with 1001 before uvicorn closes connections, and
    exit within `ShutdownDeadline`'s bound whatever happens after."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.deadline = ShutdownDeadline()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.deadline.arm()
        app_state: Any = getattr(self.config.app, "state", None)
        node = getattr(app_state, "node", None)
        if node is not None:
            await node.drain()
        await super().shutdown(sockets)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        # uvicorn (>= 0.29) re-raises a captured signal once `serve` returns, so the
        # process would die by SIGTERM (exit -15) right after draining cleanly. We have
        # shut down gracefully: forget the signal and let `serve` exit 0.
        captured = getattr(self, "_captured_signals", None)
        if isinstance(captured, list):
            captured.clear()


def serve(settings: Settings) -> int:
    logs.configure(settings.log_level)
    try:
        app = create_app(settings)
        # Fail fast on a bad data file, with a message instead of a traceback.
        if settings.engine == "memory" and settings.data_file is not None:
            from hub.store.schema import apply_schema, check_database

            if settings.data_file.exists():
                conn = check_database(settings.data_file)
                apply_schema(conn, settings.data_file)
                conn.close()
        if settings.redis_url:
            _check_redis(settings.redis_url)
        edge = server.build(app, settings, server_class=DrainingServer,
                            timeout_graceful_shutdown=10)
    except (CorruptData, ValueError, ConnectionError, server.CannotListen) as exc:
        print(f"kongjian: {exc}", file=sys.stderr)
        return 2
    where = "in memory only (--data none)" if settings.data is None else str(settings.data_file)
    engine = f"redis at {redact(settings.redis_url)}" if settings.redis_url else "memory"
    print(f"Kongjian 空间 serving http://{_host(settings.host)}:{edge.port}/", flush=True)
    if edge.internal_port is not None:
        internal_host = _host(settings.internal_host or settings.host)
        print(f"  internal: http://{internal_host}:{edge.internal_port}/ (metrics, health, "
              "admin, server publish)", flush=True)
    print(f"  engine: {engine}", flush=True)
    if settings.engine == "memory":
        print(f"  data:   {where}", flush=True)
    print(f"  node:   {settings.node_id} (pid {os.getpid()})", flush=True)
    drainer = cast(DrainingServer, edge.server)
    try:
        # The stdlib loop on purpose, though uvloop is installed (for the load tester):
        # server.run() would let uvicorn pick uvloop, which bench/HISTORY.md found worth
        # no more than noise in the hub (2026-12-03).
        asyncio.run(edge.serve())
    except CorruptData as exc:
        print(f"kongjian: {exc}", file=sys.stderr)
        return 2
    finally:
        drainer.deadline.disarm()
        edge.close()
    return 0 if drainer.started or drainer.should_exit else 1


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _check_redis(url: str) -> None:
    """Fail fast, with a message, when the Redis engine's server cannot be reached."""
    import redis

    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise ConnectionError(f"cannot reach Redis at {redact(url)}: {exc}") from None
    finally:
        client.close()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        try:
            settings = settings_from_args(args)
        except ValueError as exc:
            print(f"kongjian: {exc}", file=sys.stderr)
            return 2
        return serve(settings)
    if args.command == "loadtest":
        from hub.loadtest.cli import run as loadtest

        return loadtest(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
