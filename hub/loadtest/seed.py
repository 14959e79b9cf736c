"""Seeding a load test's users and friend graph into the hub.

Fast path: `POST /api/admin/seed` with the server key (hub/admin.py) — users in batches
of `USER_BATCH`, then friendships in batches of `PAIR_BATCH`, no scrypt per user.
Fallback without a key: the public `POST /api/register` per user (one scrypt each, on
the server) and `friend.request` + `friend.accept` over `POST /api/ops/...` per edge,
with bounded concurrency and a progress bar — correct, but minutes for 10,000 users
(and the hub's op rate limit per login paces users with many friends, as its
registration throttle per address paces the registrations: a 429 or 503 is waited out
as its `Retry-After` says, then sent again).
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from hub.client import http_base
from hub.loadtest.graph import Graph
from hub.loadtest.progress import StatusLine, bar

USER_BATCH = 1000
PAIR_BATCH = 20_000
REGISTER_CONCURRENCY = 16


class SeedError(Exception):
    """Seeding failed; the message says why and what to do."""


def _retry_after(response: httpx.Response) -> float:
    """Seconds a `429` says to wait (its `Retry-After`), 1 if it names none."""
    value = response.headers.get("retry-after", "")
    return float(value) if value.isdigit() else 1.0


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
        return f"{response.status_code} {body.get('code', '')}: {body.get('message', '')}"
    except ValueError:
        return f"{response.status_code} {response.text[:200]}"


async def seed_admin(url: str, key: str, graph: Graph, password: str,
                     status: StatusLine) -> dict[int, str]:
    """Create users and friendships through the admin API; returns index → token."""
    tokens: dict[int, str] = {}
    headers = {"authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=http_base(url), timeout=120,
                                 headers=headers) as http:
        for start in range(0, graph.n, USER_BATCH):
            names = [graph.name(i) for i in range(start, min(start + USER_BATCH, graph.n))]
            body = await _post(http, {"users": names, "password": password})
            if body["existing"]:
                raise SeedError(f"{len(body['existing'])} user names already exist on the hub "
                                f"(e.g. {body['existing'][0]}); pick another --prefix")
            for name, token in body["tokens"].items():
                tokens[graph.index(name)] = token
            status.show(f"seeding users {bar(len(tokens), graph.n)}")
        edges = graph.edges()
        for start in range(0, len(edges), PAIR_BATCH):
            pairs = [[graph.name(a), graph.name(b)] for a, b in edges[start:start + PAIR_BATCH]]
            body = await _post(http, {"friendships": pairs})
            if body["friendships"]["unknown"]:
                raise SeedError(f"hub did not know users of {body['friendships']['unknown'][0]}")
            status.show(f"seeding friendships {bar(start + len(pairs), len(edges))}")
    return tokens


async def _post(http: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await http.post("/api/admin/seed", json=body)
    if response.status_code == 401:
        raise SeedError(f"the hub refused the server key ({_error_text(response)}); "
                        "pass the hub's --server-key, or none to use /api/register")
    if response.status_code == 404:
        raise SeedError("the hub has no /api/admin/seed (older hub?); run without "
                        "--server-key to seed through /api/register")
    if response.status_code != 200:
        raise SeedError(f"seeding failed: {_error_text(response)}")
    return response.json()  # type: ignore[no-any-return]


async def _bounded(jobs: list[Callable[[], Awaitable[None]]], limit: int,
                   tick: Callable[[int], None]) -> None:
    queue = iter(jobs)
    done = 0

    async def lane() -> None:
        nonlocal done
        for job in queue:
            await job()
            done += 1
            tick(done)

    await asyncio.gather(*(lane() for _ in range(limit)))


async def seed_register(url: str, graph: Graph, password: str,
                        status: StatusLine) -> dict[int, str]:
    """Register each user and befriend over the public API (slow path)."""
    tokens: dict[int, str] = {}
    started = time.monotonic()
    limits = httpx.Limits(max_connections=REGISTER_CONCURRENCY * 2)
    async with httpx.AsyncClient(base_url=http_base(url), timeout=120, limits=limits) as http:

        throttled = False

        async def register(i: int) -> None:
            nonlocal throttled
            while True:
                r = await http.post("/api/register",
                                    json={"username": graph.name(i), "password": password})
                if r.status_code not in (429, 503):
                    break
                # registrations are throttled per address (the hub's
                # --register-per-minute) and refused while its hashing pool is full:
                # nothing was created, so wait as the hub says and send it again
                if r.status_code == 429 and not throttled:
                    throttled = True
                    status.note("note: the hub throttles registrations per address "
                                "(--register-per-minute); seeding waits as it says. Pass "
                                "--server-key, or start the hub with --register-per-minute 0")
                await asyncio.sleep(_retry_after(r))
            if r.status_code == 409:
                raise SeedError(f"user {graph.name(i)} already exists; pick another --prefix")
            if r.status_code != 201:
                raise SeedError(f"registering {graph.name(i)} failed: {_error_text(r)}")
            tokens[i] = r.json()["token"]

        def tick_users(done: int) -> None:
            rate = done / max(time.monotonic() - started, 1e-6)
            eta = (graph.n - done) / rate if rate else 0
            status.show(f"registering {bar(done, graph.n)}  {rate:.0f}/s  eta {eta:.0f}s")

        await _bounded([functools.partial(register, i) for i in range(graph.n)],
                       REGISTER_CONCURRENCY, tick_users)

        async def op(i: int, name: str, data: dict[str, str]) -> None:
            while True:
                r = await http.post(f"/api/ops/{name}", json=data,
                                    headers={"authorization": f"Bearer {tokens[i]}"})
                if r.status_code != 429:
                    break
                # ops over HTTP are rate-limited per login (a user with many friends):
                # the refused op did nothing, so wait as the hub says and send it again
                await asyncio.sleep(_retry_after(r))
            if r.status_code != 200 and not (r.status_code == 409 and name == "friend.request"):
                raise SeedError(f"{name} for {graph.name(i)} failed: {_error_text(r)}")

        async def befriend(a: int, b: int) -> None:
            await op(a, "friend.request", {"to": graph.name(b)})
            await op(b, "friend.accept", {"from": graph.name(a)})

        edges = graph.edges()
        await _bounded([functools.partial(befriend, a, b) for a, b in edges],
                       REGISTER_CONCURRENCY * 2,
                       lambda done: status.show(f"befriending {bar(done, len(edges))}"))
    return tokens


async def seed(url: str, key: str | None, graph: Graph, password: str,
               status: StatusLine) -> tuple[dict[int, str], str]:
    """Seed the graph; returns (tokens by user index, method used)."""
    if key:
        return await seed_admin(url, key, graph, password, status), "admin"
    status.note("warning: no --server-key / KJ_SERVER_KEY: seeding through /api/register "
                "(one scrypt hash per user on the hub) — slow for many users")
    return await seed_register(url, graph, password, status), "register"
