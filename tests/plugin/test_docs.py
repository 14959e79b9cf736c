"""Every test in docs/testing.md runs, as written, against both engines' fixtures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "testing.md"


def snippets() -> list[str]:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    return [b for b in blocks if "def test_" in b]


def test_the_doc_has_runnable_snippets() -> None:
    assert len(snippets()) >= 4


@pytest.mark.parametrize("index", range(len(snippets())))
def test_doc_snippet_passes(pytester: pytest.Pytester, index: int) -> None:
    pytester.makepyfile(test_snippet=snippets()[index])
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q",
                                           "-o", "asyncio_mode=auto", timeout=120)
    result.assert_outcomes(passed=1)
