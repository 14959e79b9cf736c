"""Input checks shared by handlers and HTTP routes; each failure is an `OpError`
that names the field, so bad input always gets a clear message."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from typing import Any

from hub.errors import bad_request, too_large

USERNAME_RE = re.compile(r"[a-z0-9_]{3,20}")
MAX_ID = 2**63 - 1  # ids are SQLite / Redis 64-bit integers

# Letters that draw nothing though Unicode calls them letters or marks (Hangul fillers,
# the braille blank, the combining grapheme joiner): favourites for "invisible" posts.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f")
# Reorder the text around them: in a name they can make "alice" read as someone else.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                           "\u2066\u2067\u2068\u2069")


def _invisible(char: str) -> bool:
    """Whitespace, control and format characters (zero-width ones included), and
    letters that draw nothing."""
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Zs", "Zl", "Zp") or (
        char in _BLANK_LETTERS)


def visible_length(value: str) -> int:
    """How many characters of `value` show on screen (see `_invisible`)."""
    return sum(1 for char in value if not _invisible(char))


def text(data: dict[str, Any], key: str, max_len: int, min_len: int = 1) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise bad_request(f"'{key}' must be a string")
    if min_len and visible_length(value) < min_len:
        if min_len == 1:
            raise bad_request(f"'{key}' must not be empty" if not value.strip() else
                              f"'{key}' has only invisible characters; write something")
        raise bad_request(f"'{key}' needs at least {min_len} characters")
    if len(value) > max_len:
        raise too_large(f"'{key}' is {len(value)} characters; at most {max_len} allowed")
    return value


def optional_text(data: dict[str, Any], key: str, max_len: int, default: str = "") -> str:
    if data.get(key) is None:
        return default
    return text(data, key, max_len, min_len=0)


def display_name(data: dict[str, Any], key: str, max_len: int = 30) -> str:
    """A name people see: something visible, with no control characters and no bidi
    overrides (which can make one name pass for another). Outer spaces are dropped."""
    value = text(data, key, max_len).strip()
    for char in value:
        if char in _BIDI_CONTROLS or unicodedata.category(char) == "Cc":
            raise bad_request(f"'{key}' must not contain control or text-direction "
                              f"characters (U+{ord(char):04X})")
    return value


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
