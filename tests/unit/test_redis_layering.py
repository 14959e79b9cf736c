"""hub/redis is one module a job, each importing only modules listed before it in the
package docstring's order, and nothing of the domain (channels, store, handlers): the
plumbing has no cycle, and the store and the broker share it without knowing each
other (issue #22's first point)."""

from __future__ import annotations

import ast
from pathlib import Path

import hub.redis

ORDER = ["resp", "endpoint", "errors", "scripts", "client", "pipe", "live", "keys"]
PACKAGE = Path(hub.redis.__file__).parent
ALLOWED_OUTSIDE = {"hub.errors", "hub.models", "hub.subjects"}  # pure modules


def _hub_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("hub"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("hub"))
    return found


def test_every_module_is_in_the_order_and_imports_only_what_precedes_it() -> None:
    modules = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")
    assert sorted(ORDER) == modules
    for index, name in enumerate(ORDER):
        earlier = {f"hub.redis.{m}" for m in ORDER[:index]}
        for imported in _hub_imports(PACKAGE / f"{name}.py"):
            assert imported in earlier | ALLOWED_OUTSIDE, (name, imported)


def test_the_order_is_the_one_the_package_docstring_gives() -> None:
    doc = hub.redis.__doc__ or ""
    positions = [doc.index(f"`{name}`") for name in ORDER]
    assert positions == sorted(positions)
