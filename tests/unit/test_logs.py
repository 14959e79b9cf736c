"""hub.logs, pure: `redact` takes every kind of secret out of a line, whatever shape
the logger gave it, and the `Redact` filter cleans a record's message, its arguments,
their combination and its traceback."""

from __future__ import annotations

import logging
import sys

import pytest

from hub.logs import REDACTED, Redact, redact

SECRET = "YydZNLGgb69V82R4lPIWeAQ2m52l5KsVq9IzM6dF1Ss"


@pytest.mark.parametrize("line", [
    f"< GET /ws?token={SECRET} HTTP/1.1",
    f"< GET /ws?since=5&token={SECRET}&x=1 HTTP/1.1",
    f"< Cookie: kj_session={SECRET}; theme=dark",
    f"< cookie: theme=dark; other={SECRET}",
    f"Set-Cookie: kj_session={SECRET}; HttpOnly; SameSite=Lax",
    f"< Authorization: Bearer {SECRET}",
    f"< authorization: Basic {SECRET}",
    f"headers=[(b'cookie', b'kj_session={SECRET}'), (b'host', b'h')]",
    f"{{'authorization': 'Bearer {SECRET}'}}",
    f'{{"token":"{SECRET}","user":{{"username":"a"}}}}',
    f"sent Bearer {SECRET} to the hub",
    f"redis://user:{SECRET}@redis:6379/0",
])
def test_secrets_are_taken_out(line: str) -> None:
    clean = redact(line)
    assert SECRET not in clean, clean
    assert REDACTED in clean or "***" in clean


def test_everything_else_is_left_alone() -> None:
    for line in ("< GET /ws?since=12 HTTP/1.1", "< host: 127.0.0.1:8000",
                 "cookie-less client", "uses basic auth", "the token expired"):
        assert redact(line) == line
    assert redact(redact(f"token={SECRET}")) == f"token={REDACTED}"


def _record(msg: str, *args: object, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise RuntimeError(f"cannot reach ws://h/ws?token={SECRET}")
        except RuntimeError:
            exc_info = sys.exc_info()
    return logging.LogRecord("t", logging.DEBUG, __file__, 1, msg, args, exc_info)


def test_the_filter_cleans_message_arguments_and_their_combination() -> None:
    for record in (_record("< %s: %s", "Cookie", f"theme=dark; a={SECRET}"),
                   _record("< %s: %s", b"authorization", f"Bearer {SECRET}".encode()),
                   _record(f"< GET /ws?token={SECRET} HTTP/1.1"),
                   _record("%s - %s", "127.0.0.1", f"/ws?token={SECRET}")):
        assert Redact().filter(record) is True
        assert SECRET not in record.getMessage(), record.getMessage()


def test_arguments_stay_arguments_when_they_alone_held_the_secret() -> None:
    record = _record('%s - "%s %s"', "127.0.0.1", "GET", f"/ws?token={SECRET}")
    Redact().filter(record)
    assert record.args == ("127.0.0.1", "GET", f"/ws?token={REDACTED}")  # formatters read them


def test_tracebacks_are_cleaned() -> None:
    record = _record("failed", exc=True)
    Redact().filter(record)
    text = logging.Formatter().format(record)
    assert "RuntimeError" in text and SECRET not in text
