"""The rules of `users.search` that both engines follow (pure, no I/O).

A user is found by a prefix of their username or of their display name. Matching is
case-insensitive for ASCII letters only, exactly as SQLite's built-in `lower()` folds
(so the memory engine's index on `lower(display_name)` and the Redis engine's sorted
set of `<lowercased display name>\\x00<username>` members agree byte for byte); other
letters match as typed. Results are usernames, each once, sorted, at most `limit`.

A short prefix can match a great many display names. Each engine reads at most
`NAME_SCAN` of those (in the order of their lowercased display names) before sorting
the union by username, so one search costs a bounded amount on either engine.
"""

from __future__ import annotations

from collections.abc import Iterable

NAME_SCAN = 1000  # display-name matches read per search, at most
SEPARATOR = "\x00"  # between display name and username in a Redis index member
_ASCII_UPPER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_TOP = chr(0x10FFFF)


def ascii_lower(text: str) -> str:
    """`text` with A-Z lowercased and nothing else changed (SQLite's `lower()`)."""
    return text.translate(_ASCII_UPPER)


def upper_bound(prefix: str) -> str | None:
    """The smallest string greater than every string that starts with `prefix` (code
    point order, which is also UTF-8 byte order); None when there is none ("")."""
    head = prefix.rstrip(_TOP)
    if not head:
        return None
    after = ord(head[-1]) + 1
    if 0xD800 <= after <= 0xDFFF:  # surrogates are no characters: on to U+E000
        after = 0xE000
    return head[:-1] + chr(after)


def name_member(display_name: str, username: str) -> str:
    """A Redis display-name index member: sorts by lowercased display name, and names
    its user after the last separator (display names cannot hold control characters)."""
    return f"{ascii_lower(display_name)}{SEPARATOR}{username}"


def username_of(member: str) -> str:
    return member.rpartition(SEPARATOR)[2]


def merged(*found: Iterable[str], limit: int) -> list[str]:
    """The usernames of every source, each once, sorted, the first `limit` of them."""
    names = sorted({name for source in found for name in source})
    return names if limit < 0 else names[:limit]
