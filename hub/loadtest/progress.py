"""A clean single-line progress display on stderr: rewritten in place with `\\r` on a
terminal; on a pipe or file, a plain line at most every `every` seconds."""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO


class StatusLine:
    def __init__(self, stream: TextIO | None = None, every: float = 5.0,
                 quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.every = every
        self.quiet = quiet
        self._last = 0.0
        self._shown = False

    def show(self, text: str, *, force: bool = False) -> None:
        if self.quiet:
            return
        if self.tty:
            width = shutil.get_terminal_size((100, 20)).columns - 1
            self.stream.write("\r" + text[:width].ljust(width))
            self.stream.flush()
            self._shown = True
            return
        now = time.monotonic()
        if force or now - self._last >= self.every:
            self._last = now
            self.stream.write(text + "\n")
            self.stream.flush()

    def done(self, text: str | None = None) -> None:
        """End the line (and print `text` on its own line)."""
        if self.quiet:
            return
        if self.tty and self._shown:
            self.stream.write("\n")
            self._shown = False
        if text:
            self.stream.write(text + "\n")
        self.stream.flush()

    def note(self, text: str) -> None:
        """A message that must stay visible (a warning), above the status line."""
        if self.tty and self._shown:
            self.stream.write("\r\033[K")
            self._shown = False
        self.stream.write(text + "\n")
        self.stream.flush()


def bar(done: int, total: int, width: int = 24) -> str:
    filled = width if total <= 0 else int(width * min(done, total) / total)
    return "[" + "#" * filled + "." * (width - filled) + f"] {done}/{total}"
