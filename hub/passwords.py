"""The rules a new password must pass (registration and `POST /api/password`), pure.

A new password is 8 to 256 characters, has something besides whitespace, control and
format characters, and is not on the bundled list of the most common passwords
(`hub/data/common_passwords.txt`, compared lower-cased). Each refusal is a
`bad_request` whose message says why. Logging in never applies these rules: an
account made before a rule existed must still get in. Hashing lives in `hub.auth`
(the scheme) and `hub.hashing` (the node's pools); this module only judges text.
"""

from __future__ import annotations

import functools
import unicodedata
from importlib import resources
from typing import Any

from hub.auth import MAX_PASSWORD, MIN_PASSWORD
from hub.errors import bad_request, too_large

COMMON_LIST = "data/common_passwords.txt"


@functools.cache
def common_passwords() -> frozenset[str]:
    """The bundled list, read once (lower-cased; `#` lines are its header)."""
    text = resources.files("hub").joinpath(COMMON_LIST).read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def _blank(char: str) -> bool:
    """Whitespace, control and format (zero-width) characters: none of them can be seen
    or reliably typed again."""
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Zs", "Zl", "Zp")


def problem(password: str) -> str | None:
    """Why `password` may not become a password, or None when it may."""
    if len(password) < MIN_PASSWORD:
        return f"the password needs at least {MIN_PASSWORD} characters"
    if all(_blank(char) for char in password):
        return "the password has only spaces or invisible characters; choose another"
    if password.lower() in common_passwords():
        return "this password is one of the most common; choose another"
    return None


def new_password(data: dict[str, Any], key: str) -> str:
    """`data[key]` as a new password, or a `bad_request` (`too_large` past the limit)
    naming the field and the rule it breaks."""
    value = data.get(key)
    if not isinstance(value, str):
        raise bad_request(f"'{key}' must be a string")
    if len(value) > MAX_PASSWORD:
        raise too_large(f"'{key}' is {len(value)} characters; at most {MAX_PASSWORD} allowed")
    why = problem(value)
    if why is not None:
        raise bad_request(f"'{key}': {why}")
    return value
