"""Browser tests: a real hub (`python -m hub serve` in a child process) driven by a real
headless Chromium through Playwright's sync API.

Fixtures, from the outside in:

* `hub_url` (package) — where the hub under test listens. By default one `HubProcess`
  with `--data none`; `KJ_E2E_HUB_URL` points the suite at a hub started elsewhere. A
  multi-node test overrides `hub_url` / `hub_urls` (a list: user *i* is served by node
  `i % len(hub_urls)`), so every helper here takes the URL it should talk to.
* `browser` (package) — one Chromium; each test opens its own contexts (one per user,
  cookies isolated), cheap next to a browser start. Package scope, not session: the
  sync API keeps an event loop running in this thread while it lives, which would
  break the asyncio tests collected after this package.
* `kj` (function) — the per-test toolkit: `kj.user()` registers a unique account over
  HTTP, `kj.page(user)` opens a tab signed in as that user (cookie set, no login form),
  `kj.api` calls ops over HTTP, `kj.befriend(a, b)` makes friends through the API.
  Every page it opens is watched: a console CSP violation, an uncaught page error or a
  JS dialog (`alert` and friends) fails the test, and on failure every open page is
  screenshotted into the artifacts directory (`KJ_E2E_ARTIFACTS`, default
  `test-artifacts/e2e/`, which git ignores).

Nothing here sleeps: waits are Playwright `expect` / locator timeouts.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.harness import PASSWORD, HubProcess

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("KJ_E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
ARTIFACTS = Path(os.environ.get("KJ_E2E_ARTIFACTS", ROOT / "test-artifacts" / "e2e"))
TIMEOUT_MS = 10_000  # failure bound for every expect/locator wait, never a sleep
# every test registers from 127.0.0.1: the per-address registration throttle is off
NO_THROTTLE = ["--register-per-minute", "0"]

skip_without_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"Chromium not found at {CHROMIUM} (apt-get install chromium)")


# ---------------------------------------------------------------- failure screenshots

@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"rep_{report.when}", report)


def _failed(item: pytest.Item) -> bool:
    return any(getattr(getattr(item, f"rep_{when}", None), "failed", False)
               for when in ("setup", "call"))


# ---------------------------------------------------------------- hub and browser

@pytest.fixture(scope="package")
def hub_url() -> Iterator[str]:
    external = os.environ.get("KJ_E2E_HUB_URL")
    if external:
        yield external.rstrip("/")
        return
    hub = HubProcess(data="none", extra=NO_THROTTLE).start()
    try:
        yield hub.url
    finally:
        hub.stop()


@pytest.fixture(scope="package")
def hub_urls(hub_url: str) -> list[str]:
    """The nodes users are spread over; one node unless a test module overrides this."""
    return [hub_url]


@pytest.fixture(scope="package")
def playwright_instance() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        pw.selectors.set_test_id_attribute("data-testid")
        yield pw


@pytest.fixture(scope="package")
def browser(playwright_instance: Any) -> Iterator[Any]:
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    browser = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


# ---------------------------------------------------------------- the per-test toolkit

_names = itertools.count(1)


@dataclass
class User:
    name: str
    token: str
    url: str
    display_name: str


class Api:
    """Ops over HTTP with a bearer token — fast setup that needs no browser."""

    def __init__(self) -> None:
        self.http = httpx.Client(timeout=15)

    def register(self, url: str, username: str, display_name: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"username": username, "password": PASSWORD}
        if display_name is not None:
            body["display_name"] = display_name
        response = self.http.post(f"{url}/api/register", json=body)
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    def op(self, user: User, op: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.http.post(f"{user.url}/api/ops/{op}", json=data or {},
                                  headers={"Authorization": f"Bearer {user.token}"})
        assert response.status_code == 200, f"{op}: {response.status_code} {response.text}"
        return response.json()  # type: ignore[no-any-return]

    def close(self) -> None:
        self.http.close()


@dataclass
class Watch:
    """What a page did that a test must not allow."""

    csp: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


CSP_RE = re.compile(r"Content Security Policy|Refused to (apply|execute|load)", re.I)
# What the browser itself logs for failures the app handles: a socket to a stopped hub,
# an HTTP error status (wrong password, 409) shown in the UI.
EXPECTED_ERRORS = re.compile(r"WebSocket connection|Failed to load resource")


class Kit:
    def __init__(self, browser: Any, urls: list[str], test_name: str) -> None:
        self.browser = browser
        self.urls = urls
        self.api = Api()
        self.contexts: list[Any] = []
        self.pages: list[Any] = []
        self.watch = Watch()
        self.test_name = re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)[:80]
        self._n = 0

    # users
    def name(self, prefix: str) -> str:
        return f"{prefix}{next(_names)}_{os.getpid() % 10000}"[:20]

    def user(self, prefix: str = "u", display_name: str | None = None,
             url: str | None = None) -> User:
        """A fresh account; users are spread round-robin over `hub_urls` unless `url`."""
        if url is None:
            url = self.urls[self._n % len(self.urls)]
            self._n += 1
        name = self.name(prefix)
        reg = self.api.register(url, name, display_name)
        return User(name=name, token=reg["token"], url=url,
                    display_name=reg["user"]["display_name"])

    def befriend(self, a: User, b: User) -> None:
        self.api.op(a, "friend.request", {"to": b.name})
        self.api.op(b, "friend.accept", {"from": a.name})

    # browsers
    def context(self, url: str | None = None, **options: Any) -> Any:
        options.setdefault("viewport", {"width": 1280, "height": 860})
        context = self.browser.new_context(base_url=url or self.urls[0], **options)
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        return context

    def watch_page(self, page: Any) -> Any:
        label = f"page{len(self.pages)}"

        def on_console(msg: Any) -> None:
            if CSP_RE.search(msg.text):
                self.watch.csp.append(f"{label}: {msg.text}")
            elif msg.type == "error" and not EXPECTED_ERRORS.search(msg.text):
                self.watch.errors.append(f"{label} console: {msg.text}")

        def on_dialog(dialog: Any) -> None:
            self.watch.dialogs.append(f"{label}: {dialog.type} {dialog.message!r}")
            dialog.dismiss()

        page.on("console", on_console)
        page.on("pageerror", lambda exc: self.watch.errors.append(f"{label} pageerror: {exc}"))
        page.on("dialog", on_dialog)
        self.pages.append(page)
        return page

    def open(self, context: Any, path: str = "/") -> Any:
        page = self.watch_page(context.new_page())
        page.goto(path)
        return page

    def page(self, user: User, path: str = "/#/feed", context: Any = None, **options: Any) -> Any:
        """A tab signed in as `user` (session cookie, as /api/login would set), app shown."""
        from playwright.sync_api import expect

        if context is None:
            context = self.context(user.url, **options)
            context.add_cookies([{"name": "kj_session", "value": user.token, "url": user.url}])
        page = self.open(context, path)
        expect(page.get_by_test_id("conn-state")).to_have_attribute("data-state", "connected")
        expect(page.get_by_test_id("my-username")).to_have_text(f"@{user.name}")
        return page

    # teardown
    def screenshot_all(self) -> list[Path]:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        saved = []
        for i, page in enumerate(self.pages):
            if page.is_closed():
                continue
            path = ARTIFACTS / f"{self.test_name}-page{i}.png"
            try:
                page.screenshot(path=str(path), full_page=True)
                saved.append(path)
            except Exception:  # a crashed page must not hide the real failure
                pass
        return saved

    def close(self) -> None:
        for context in self.contexts:
            try:
                context.close()
            except Exception:  # closing is best effort
                pass
        self.api.close()


@pytest.fixture
def kj(browser: Any, hub_urls: list[str], request: pytest.FixtureRequest) -> Iterator[Kit]:
    kit = Kit(browser, hub_urls, request.node.name)
    problems: list[str] = []
    try:
        yield kit
        if kit.watch.csp:
            problems.append(f"CSP violations: {kit.watch.csp}")
        if kit.watch.dialogs:
            problems.append(f"a page opened a JS dialog: {kit.watch.dialogs}")
        if kit.watch.errors:
            problems.append(f"page errors: {kit.watch.errors}")
    finally:
        if _failed(request.node) or problems:
            saved = kit.screenshot_all()
            print(f"\nscreenshots of the failed test: {[str(p) for p in saved]}")
        kit.close()
    assert not problems, "; ".join(problems)
