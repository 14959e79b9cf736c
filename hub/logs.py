"""Logging without secrets: `redact` takes session tokens, cookies, `Authorization`
values and Redis passwords out of a line of text, and the `Redact` filter applies it to
every record a handler emits — whoever logged it (uvicorn, the websockets library that
logs the handshake header by header at `debug`, httpx, the hub) and at every level.

It owns the handlers' configuration for `kongjian serve` (`configure`) and uvicorn's
(`uvicorn_log_config`); it does not decide what is logged, only what never is.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

from uvicorn.config import LOGGING_CONFIG

REDACTED = "<redacted>"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# A header name as it appears in a log line: `Cookie: v`, `cookie=v`, `'cookie': 'v'`,
# `(b'cookie', b'v')`; the value runs to the end of the line or of the quoted string.
_HEADER_VALUE = (r"""(\b(?:set-cookie|cookie|authorization|proxy-authorization)\b"""
                 r"""['"]?\s*[:=,]\s*(?:b?['"])?)[^'"\r\n]+""")
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(_HEADER_VALUE, re.IGNORECASE), r"\1" + REDACTED),
    # query strings (`?token=`, `&token=`) and form bodies
    (re.compile(r"(\btoken=)[^&\s\"';,]+", re.IGNORECASE), r"\1" + REDACTED),
    # the session cookie wherever it turns up, and tokens in JSON or a Python repr
    (re.compile(r"(\bkj_session=)[^;\s\"',]+"), r"\1" + REDACTED),
    (re.compile(r"""(["']token["']\s*:\s*b?["'])[^"']+"""), r"\1" + REDACTED),
    (re.compile(r"(\b(?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE),
     r"\1" + REDACTED),
    # a password in a Redis URL
    (re.compile(r"(rediss?://[^:/@\s]*:)[^@\s]+@"), r"\1***@"),
)


def redact(text: str) -> str:
    """`text` with every secret it carries replaced."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class Redact(logging.Filter):
    """Redacts a record in place, so every handler after it sees the clean version.

    The message and each argument are redacted on their own first (formatters that read
    `record.args`, like uvicorn's access log, keep working); a secret only visible once
    they are combined (`"< %s: %s" % ("Cookie", "a=b")`) then collapses the record into
    its redacted text. Tracebacks are formatted and redacted here too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_value(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _redact_value(v) for k, v in record.args.items()}
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: leave it to logging's own error report
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bytes | bytearray):
        shown = repr(bytes(value))  # what `%s` would print
        clean = redact(shown)
        return value if clean == shown else clean
    return value


def add_to_handlers(logger: logging.Logger) -> None:
    """Put a `Redact` on each handler of `logger` that has none yet."""
    for handler in logger.handlers:
        if not any(isinstance(f, Redact) for f in handler.filters):
            handler.addFilter(Redact())


def configure(level: str) -> None:
    """`kongjian serve`: the root handler, with its format and redaction. uvicorn's
    handlers get theirs from `uvicorn_log_config`."""
    logging.basicConfig(level=level.upper(), format=FORMAT)
    add_to_handlers(logging.getLogger())


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration, with `Redact` on each of its handlers."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact"] = {"()": Redact}
    for handler in config["handlers"].values():
        handler["filters"] = [*handler.get("filters", []), "redact"]
    return config
