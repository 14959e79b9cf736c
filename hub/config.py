"""Settings: one field per CLI flag, each also read from a `KJ_*` environment variable.

Nothing is read at import time; `Settings.from_env()` and the CLI build instances.
Secrets never appear in `repr`.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

MAX_FRAME_CEILING = 1 << 20  # DESIGN §4: a frame limit is never set above 1 MiB
# uvicorn's names, less "trace": that one logs every request's headers and body
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share")
    return Path(base) / "kongjian"


def default_node_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(2)}"


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    redis_url: str | None = None
    # memory engine: a directory for kongjian.db, or None for pure memory
    data: Path | None = field(default_factory=default_data_dir)
    # keys password hashes (a pepper); keep it stable and secret once accounts exist
    secret: str | None = field(default=None, repr=False)
    server_key: str | None = field(default=None, repr=False)
    node_id: str = field(default_factory=default_node_id)
    key_prefix: str = "kj"
    inbox_retention: int = 1000
    max_frame_bytes: int = 64 * 1024
    max_queue_bytes: int = 4 * 1024 * 1024
    heartbeat_interval: float = 25.0
    idle_timeout: float = 70.0
    ops_per_second: float = 20.0
    ops_burst: int = 60
    # shared by all of one user's sockets and HTTP calls on a node
    user_ops_per_second: float = 30.0
    user_ops_burst: int = 90
    # writes into another user's space (guestbook, comments, gifts, friend requests),
    # per author per owner, on every node together; 0 turns the cap off
    space_writes_per_hour: int = 60
    register_per_minute: int = 10  # per client address; 0 turns the throttle off
    header_timeout: float = 10.0  # complete request headers within, or a stalled body
    limit_concurrency: int | None = None  # open connections; None: the open-files limit
    internal_port: int | None = None  # /metrics, detailed health, admin, server publish
    internal_host: str | None = None  # default: `host`
    forwarded_allow_ips: str = "127.0.0.1,::1"  # proxies whose X-Forwarded-* are trusted
    cookie_secure: bool = False  # Secure cookies even for plain-HTTP requests
    allowed_origins: tuple[str, ...] = ()
    presence_grace: float = 2.0
    ingress_claim_idle: float = 5.0  # seconds before another node takes an unacked entry
    redis_ping_interval: float = 5.0  # a live feed silent this long is PINGed, then dropped
    session_days: int = 30
    static_dir: Path = field(
        default_factory=lambda: Path(__file__).resolve().parent.parent / "static")
    log_level: str = "info"

    def __post_init__(self) -> None:
        if not 1024 <= self.max_frame_bytes <= MAX_FRAME_CEILING:
            raise ValueError(f"max_frame_bytes must be from 1024 to {MAX_FRAME_CEILING}")
        if self.inbox_retention < 10:
            raise ValueError("inbox_retention must be at least 10")
        # Values that would silently break the node: a 0 heartbeat spins the CPU, an idle
        # timeout within one heartbeat closes clients that answer every heartbeat, a 0
        # rate or burst refuses every op, a 0-day session expires as it is made.
        if not 0 <= self.port <= 65535:
            raise ValueError("port must be from 0 to 65535")
        if self.max_queue_bytes < 1024:
            raise ValueError("max_queue_bytes must be at least 1024")
        if not self.heartbeat_interval > 0:
            raise ValueError("heartbeat_interval must be more than 0 seconds")
        if not self.idle_timeout > self.heartbeat_interval:
            raise ValueError("idle_timeout must be longer than heartbeat_interval")
        if not self.ops_per_second > 0:
            raise ValueError("ops_per_second must be more than 0")
        if self.ops_burst < 1:
            raise ValueError("ops_burst must be at least 1")
        if not self.user_ops_per_second > 0:
            raise ValueError("user_ops_per_second must be more than 0")
        if self.user_ops_burst < 1:
            raise ValueError("user_ops_burst must be at least 1")
        if self.space_writes_per_hour < 0:
            raise ValueError("space_writes_per_hour must not be negative (0 turns it off)")
        if self.register_per_minute < 0:
            raise ValueError("register_per_minute must not be negative (0 turns it off)")
        if not self.header_timeout > 0:
            raise ValueError("header_timeout must be more than 0 seconds")
        if self.limit_concurrency is not None and self.limit_concurrency < 1:
            raise ValueError("limit_concurrency must be at least 1")
        if self.internal_port is not None:
            if not 0 <= self.internal_port <= 65535:
                raise ValueError("internal_port must be from 0 to 65535")
            if self.internal_port == self.port and self.port != 0:
                raise ValueError("internal_port must differ from port")
        if not self.redis_ping_interval > 0:
            raise ValueError("redis_ping_interval must be more than 0 seconds")
        if not self.presence_grace >= 0:
            raise ValueError("presence_grace must not be negative")
        if self.session_days < 1:
            raise ValueError("session_days must be at least 1")
        if self.log_level.lower() not in LOG_LEVELS:
            raise ValueError(f"log_level must be one of: {', '.join(LOG_LEVELS)}")

    @property
    def engine(self) -> str:
        return "redis" if self.redis_url else "memory"

    @property
    def data_file(self) -> Path | None:
        from hub.store.schema import DB_NAME

        return None if self.data is None else self.data / DB_NAME

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """KJ_<FIELD> for every field (KJ_REDIS_URL, KJ_DATA, KJ_SECRET, ...);
        `overrides` (from CLI flags) win over the environment."""
        env = dict(os.environ if env is None else env)
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"KJ_{f.name.upper()}")
            if raw is not None:
                try:
                    values[f.name] = parse_value(f.name, raw)
                except ValueError as exc:  # name the variable (or flag) that was wrong
                    raise ValueError(f"KJ_{f.name.upper()}: {exc}") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def parse_value(name: str, raw: str) -> Any:
    """Turn a flag or environment string into the field's type."""
    if name == "data":
        return None if raw.lower() in ("none", "") else Path(raw).expanduser()
    if name == "static_dir":
        return Path(raw)
    if name == "allowed_origins":
        return tuple(o.strip() for o in raw.split(",") if o.strip())
    if name in ("limit_concurrency", "internal_port", "internal_host") and raw == "":
        return None
    if name == "cookie_secure":
        if raw.lower() in TRUE:
            return True
        if raw.lower() in FALSE:
            return False
        raise ValueError(f"{name} must be true or false, not {raw!r}")
    if name == "log_level":
        return raw.lower()
    if name in ("port", "inbox_retention", "max_frame_bytes", "max_queue_bytes", "ops_burst",
                "session_days", "user_ops_burst", "space_writes_per_hour",
                "register_per_minute", "limit_concurrency", "internal_port"):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"{name} must be an integer, not {raw!r}") from None
    if name in ("heartbeat_interval", "idle_timeout", "ops_per_second", "presence_grace",
                "ingress_claim_idle", "redis_ping_interval", "user_ops_per_second",
                "header_timeout"):
        try:
            return float(raw)
        except ValueError:
            raise ValueError(f"{name} must be a number, not {raw!r}") from None
    if name in ("redis_url", "server_key", "secret"):
        return raw or None
    return raw
