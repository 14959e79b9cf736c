"""What registration (and the password change) accept: new passwords pass
hub/passwords.py (not blank, not among the most common), display names pass
`validate.display_name` (no control or bidi-override characters, something visible),
with the username as the default. Logging in never applies the password rules."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from hub import auth, passwords
from hub.models import UserRecord
from tests.core.conftest import MakeHub
from tests.core.support import unique_name
from tests.harness import PASSWORD, InProcessHub


@pytest.fixture
def engine() -> str:
    return "memory"  # HTTP rules: one engine is enough

SERVER_KEY = "rules-key"


@pytest.fixture
async def hub(make_hub: MakeHub) -> InProcessHub:
    return await make_hub(server_key=SERVER_KEY)


@pytest.fixture
async def http(hub: InProcessHub) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=hub.url, timeout=30) as client:
        yield client


def _refused(response: httpx.Response, status: int = 400) -> str:
    assert response.status_code == status, (response.status_code, response.text)
    assert "set-cookie" not in response.headers
    return str(response.json()["message"])


def test_the_bundled_list_is_the_common_passwords_of_eight_or_more() -> None:
    common = passwords.common_passwords()
    assert 900 <= len(common) <= 1000
    assert {"password", "12345678", "password123", "iloveyou", "qwertyuiop"} <= common
    assert all(len(p) >= 8 and p == p.lower() for p in common)
    assert passwords.problem("PassWord123") == passwords.problem("password123") is not None
    assert passwords.problem(PASSWORD) is None
    assert passwords.problem(" \t\u200b\u3000\u00a0\u2028\u200d\u0007") is not None
    assert passwords.problem("       x") is None  # spaces beside something are fine


async def test_register_refuses_common_and_blank_passwords_saying_why(
        http: httpx.AsyncClient) -> None:
    for password in ("password123", "PASSWORD123", "ILoveYou", "qwertyuiop"):
        message = _refused(await http.post("/api/register", json={
            "username": unique_name("pw"), "password": password}))
        assert "one of the most common; choose another" in message, (password, message)
    for password in (" " * 8, "\u200b" * 9, "\t\n\r  \u3000 \u00a0"):
        message = _refused(await http.post("/api/register", json={
            "username": unique_name("pw"), "password": password}))
        assert "invisible" in message, message
    message = _refused(await http.post("/api/register", json={
        "username": unique_name("pw"), "password": "x" * 257}), 413)
    assert "256" in message


async def test_login_does_not_apply_the_rules(hub: InProcessHub,
                                              http: httpx.AsyncClient) -> None:
    """An account whose password predates the list still logs in with it."""
    name = unique_name("old")
    await hub.node.store.create_user(UserRecord(
        username=name, display_name=name, password_hash=auth.hash_password("password123"),
        created=0, signature="", head_portrait="cat", skin="classic", music="none", points=0))
    login = await http.post("/api/login", json={"username": name, "password": "password123"})
    assert login.status_code == 200, login.text


async def test_display_names_refuse_control_and_bidi_characters(
        http: httpx.AsyncClient) -> None:
    for display in ("evil\u202eecila", "tab\tname", "\u2066alice\u2069", "bell\u0007"):
        message = _refused(await http.post("/api/register", json={
            "username": unique_name("dn"), "password": PASSWORD, "display_name": display}))
        assert "display_name" in message and "U+" in message, message
    for display in ("   ", "\u200b\u200b", "\u3164"):
        message = _refused(await http.post("/api/register", json={
            "username": unique_name("dn"), "password": PASSWORD, "display_name": display}))
        assert "display_name" in message, message


async def test_display_name_defaults_to_the_username_and_is_trimmed(
        http: httpx.AsyncClient) -> None:
    for given, shown in ((None, None), ("", None), ("  小明 Ming ", "小明 Ming")):
        name = unique_name("dd")
        body = {"username": name, "password": PASSWORD}
        if given is not None:
            body["display_name"] = given
        response = await http.post("/api/register", json=body)
        assert response.status_code == 201, response.text
        assert response.json()["user"]["display_name"] == (shown or name)


async def test_admin_seeding_checks_display_names_too(http: httpx.AsyncClient) -> None:
    auth_header = {"authorization": f"Bearer {SERVER_KEY}"}
    bad = await http.post("/api/admin/seed", headers=auth_header, json={
        "users": [unique_name("sd")], "password": PASSWORD, "display_name": "x\u202ey"})
    _refused(bad)
    name = unique_name("sd")
    good = await http.post("/api/admin/seed", headers=auth_header, json={
        "users": [name], "password": PASSWORD, "display_name": " 种子 "})
    assert good.status_code == 200 and good.json()["created"] == 1
    login = await http.post("/api/login", json={"username": name, "password": PASSWORD})
    assert login.json()["user"]["display_name"] == "种子"
