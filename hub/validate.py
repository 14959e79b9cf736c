"""Input checks shared by handlers and HTTP routes; each failure is an `OpError`
that names the field, so bad input always gets a clear message."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from hub.errors import bad_request, too_large

USERNAME_RE = re.compile(r"[a-z0-9_]{3,20}")
MAX_ID = 2**63 - 1  # ids are SQLite / Redis 64-bit integers


def text(data: dict[str, Any], key: str, max_len: int, min_len: int = 1) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise bad_request(f"'{key}' must be a string")
    stripped = value.strip()
    if len(stripped) < min_len:
        raise bad_request(f"'{key}' must not be empty" if min_len == 1 else
                          f"'{key}' needs at least {min_len} characters")
    if len(value) > max_len:
        raise too_large(f"'{key}' is {len(value)} characters; at most {max_len} allowed")
    return value


def optional_text(data: dict[str, Any], key: str, max_len: int, default: str = "") -> str:
    if data.get(key) is None:
        return default
    return text(data, key, max_len, min_len=0)


def username(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise bad_request(f"'{key}' must be a username string")
    if not USERNAME_RE.fullmatch(value):
        raise bad_request(f"'{key}' is not a valid username ([a-z0-9_]{{3,20}})")
    return value


def choice(data: dict[str, Any], key: str, allowed: Collection[str], default: str | None = None
           ) -> str:
    value = data.get(key)
    if value is None and default is not None:
        return default
    if not isinstance(value, str) or value not in allowed:
        raise bad_request(f"'{key}' must be one of: {', '.join(sorted(allowed))}")
    return value


def identifier(data: dict[str, Any], key: str, optional: bool = False) -> str | None:
    """An object id (mood, comment): a short string of digits."""
    value = data.get(key)
    if value is None and optional:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    # ASCII digits only (str.isdigit() also admits "²", which int() refuses), and
    # within 64 bits: anything else would fail deep in the store as `internal`.
    if (not isinstance(value, str) or not value.isascii() or not value.isdigit()
            or len(value) > 19 or int(value) > MAX_ID):
        raise bad_request(f"'{key}' must be an id string")
    # Canonical form: "0001" names mood 1, and replies and events must say "1", or a
    # client matching ids would never find the mood a `mood.deleted` is about.
    return str(int(value))


def limit(data: dict[str, Any], key: str = "limit", default: int = 20, maximum: int = 100) -> int:
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= maximum:
        raise bad_request(f"'{key}' must be an integer from 1 to {maximum}")
    return value
