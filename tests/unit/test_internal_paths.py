"""hub.http.internal, pure: every spelling of an internal route is recognised as one
(what Starlette would route there, and what a proxy or a later decode might), and the
public routes are not."""

from __future__ import annotations

import pytest

from hub.http.internal import internal_only, normalized, on_internal_port


@pytest.mark.parametrize("path", [
    "/metrics", "/metrics/", "//metrics", "/%6detrics", "/%6D%65trics", "/%256detrics",
    "/./metrics", "/api/../metrics", "/../metrics", "/METRICS", "/metrics;x", "/metrics.txt",
    "\\metrics", "/api/admin/seed", "/api//admin/seed", "/api%2Fadmin/seed",
    "/api/%61dmin", "/API/Admin/", "/api/server/publish", "/api/server%2fpublish",
    "/api/./server/publish", "/api/x/../server/publish",
])
def test_internal_spellings(path: str) -> None:
    assert internal_only(path), normalized(path)


@pytest.mark.parametrize("path", [
    "/", "/ws", "/api/health", "/api/login", "/api/ops/ping", "/api/ops/mood.post",
    "/static/app.js", "/api/serve", "/apiadmin", "/api/health/metrics",
])
def test_public_paths(path: str) -> None:
    assert not internal_only(path), normalized(path)


def test_the_port_decides() -> None:
    assert on_internal_port({"server": ("127.0.0.1", 9000)}, 9000)
    assert not on_internal_port({"server": ("127.0.0.1", 8000)}, 9000)
    assert not on_internal_port({}, 9000)
    assert on_internal_port({"server": ("127.0.0.1", 8000)}, None)  # one port serves all
