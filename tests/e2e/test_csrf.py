"""Cross-site request forgery against the account routes, in a real browser: a page
served from another origin (a second tiny HTTP server, on another loopback port — the
same site, so the browser even sends the hub's `SameSite=Lax` cookie) submits forms to
the hub. The form's `text/plain` body looks like JSON; the hub refuses it (403 for the
origin; 415 for the type), so no one is logged in and no one is logged out."""

from __future__ import annotations

import html
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Kit, skip_without_chromium
from tests.harness import PASSWORD

pytestmark = [pytest.mark.e2e, skip_without_chromium]


@dataclass
class Site:
    """Another origin: serves `pages[path]` as HTML."""

    url: str
    pages: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def other_site() -> Iterator[Site]:
    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(f"http://127.0.0.1:{server.server_address[1]}", pages)
    finally:
        server.shutdown()
        server.server_close()


def auto_form(action: str, fields: dict[str, str]) -> str:
    """A page that posts a text/plain form to `action` as soon as it loads."""
    inputs = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                     for k, v in fields.items())
    return (f'<!doctype html><title>free gifts</title>'
            f'<form id="f" method="POST" enctype="text/plain" action="{html.escape(action)}">'
            f'{inputs}</form><script>document.getElementById("f").submit()</script>')


def test_a_cross_site_form_logs_no_one_in(kj: Kit, other_site: Site) -> None:
    """Login CSRF: the page would log the visitor into the attacker's account (the
    body reads `{"username":…,"password":…,"pad":"="}`)."""
    attacker = kj.user("atk")
    hub = attacker.url
    json_name = f'{{"username":"{attacker.name}","password":"{PASSWORD}","pad":"'
    other_site.pages["/login"] = auto_form(f"{hub}/api/login", {json_name: '"}'})
    context = kj.context(hub)
    page = kj.watch_page(context.new_page())
    with page.expect_response(f"{hub}/api/login") as answer:
        page.goto(f"{other_site.url}/login")
    assert answer.value.status == 403, answer.value.text()
    assert not [c for c in context.cookies(hub) if c["name"] == "kj_session"]
    page.goto(f"{hub}/")  # the hub's own page: still signed out
    expect(page.get_by_test_id("login-form")).to_be_visible()


def test_a_cross_site_form_does_not_log_the_victim_out(kj: Kit, other_site: Site) -> None:
    victim = kj.user("vic")
    hub = victim.url
    page = kj.page(victim)
    other_site.pages["/logout"] = auto_form(f"{hub}/api/logout", {"everywhere": "true"})
    attack = kj.watch_page(page.context.new_page())
    with attack.expect_response(f"{hub}/api/logout") as answer:
        attack.goto(f"{other_site.url}/logout")
    assert answer.value.status == 403, answer.value.text()
    cookies = [c for c in page.context.cookies(hub) if c["name"] == "kj_session"]
    assert [c["value"] for c in cookies] == [victim.token]  # not cleared either
    kj.api.op(victim, "ping")  # the login lives
    expect(page.get_by_test_id("conn-state")).to_have_attribute("data-state", "connected")
    page.reload()
    expect(page.get_by_test_id("my-username")).to_have_text(f"@{victim.name}")
