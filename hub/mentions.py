"""@mentions (提到): the usernames a mood or a comment names with `@username`. Pure; who
of them is told is the handlers' to decide (only those who may read the post)."""

from __future__ import annotations

import re

MAX_MENTIONS = 10  # told per text; more are left plain text
# a username after "@", not inside an e-mail address or a longer word
_MENTION = re.compile(r"(?<![A-Za-z0-9_.])@([a-z0-9_]{3,20})(?![a-z0-9_])")


def mentioned(text: str, *, author: str) -> list[str]:
    """The usernames `text` mentions, in order of first mention, the author left out."""
    found = dict.fromkeys(m.group(1) for m in _MENTION.finditer(text))
    found.pop(author, None)
    return list(found)[:MAX_MENTIONS]
