"""docs/protocol.md is the user-facing reference of the wire protocol: every op the hub
answers has its row in the ops table, and the table names no op the hub does not have."""

from __future__ import annotations

import re
from pathlib import Path

from hub.handlers import ALL_HANDLERS

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def _documented_ops() -> set[str]:
    text = DOC.read_text(encoding="utf-8")
    table = text[text.index("| op | data in |"):text.index("\n\n", text.index("| op | data in |"))]
    names: set[str] = set()
    for row in table.splitlines()[2:]:
        names.update(re.findall(r"`([a-z.]+)`", row.split("|")[1]))
    return names


def test_every_op_is_documented_and_every_documented_op_exists() -> None:
    documented, served = _documented_ops(), set(ALL_HANDLERS)
    assert served - documented == set(), "ops missing from docs/protocol.md's table"
    assert documented - served == set(), "docs/protocol.md documents ops the hub lacks"
