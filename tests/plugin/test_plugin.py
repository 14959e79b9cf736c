"""The pytest plugin (`kj_hub`, `kj_user`, `kj_friends`), exercised the way its users run
it: sample test files in a fresh directory, run by a separate pytest process."""

from __future__ import annotations

import asyncio

import pytest

from hub.redis.client import connect
from tests.redis_server import RedisServer

SAMPLE = '''
import pytest

async def test_friends_see_each_other(kj_hub, kj_user, kj_friends):
    alice, bob = await kj_user("alice"), await kj_user("bob")
    carol = await kj_user("carol")
    await kj_friends(alice, bob)
    posted = await alice.call("mood.post", {"text": "你好", "visibility": "friends"})
    event = await bob.next_event("mood", timeout=5)
    assert event.data["mood"]["id"] == posted["mood"]["id"]
    await carol.expect_no_event("mood", within=0.3)
    assert kj_hub.url.startswith("http://127.0.0.1:") and kj_hub.ws_url.endswith("/ws")
'''


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_sample=source)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q", *args, timeout=120)


@pytest.mark.parametrize("engine", ["memory", "redis"])
def test_sample_passes_on_both_engines(pytester: pytest.Pytester, engine: str) -> None:
    result = run(pytester, SAMPLE, "-o", "asyncio_mode=auto", f"--kj-engine={engine}")
    result.assert_outcomes(passed=1)


def test_strict_mode_and_engine_marker(pytester: pytest.Pytester) -> None:
    source = SAMPLE.replace(
        "async def test_friends_see_each_other",
        "@pytest.mark.asyncio\n@pytest.mark.kj_engine('redis')\n"
        "async def test_friends_see_each_other")
    source += "\n\ndef test_engine(kj_hub):\n    assert kj_hub.engine == 'redis'\n" \
              "    assert kj_hub.redis_url\n"
    source = source.replace("def test_engine(kj_hub)",
                            "@pytest.mark.kj_engine('redis')\ndef test_engine(kj_hub)")
    result = run(pytester, source, "-o", "asyncio_mode=strict")
    result.assert_outcomes(passed=2)


def test_works_under_xdist(pytester: pytest.Pytester) -> None:
    source = SAMPLE + SAMPLE.replace("test_friends_see_each_other", "test_again")
    result = run(pytester, source, "-o", "asyncio_mode=auto", "-n", "2")
    result.assert_outcomes(passed=2)


def test_missing_event_fails_clearly_within_its_timeout(pytester: pytest.Pytester) -> None:
    source = '''
async def test_waits_for_a_gift_that_never_comes(kj_user):
    alice = await kj_user("alice")
    await alice.next_event("gift", timeout=1)
'''
    result = run(pytester, source, "-o", "asyncio_mode=auto")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*TimeoutError: no 'gift' event for alice_* within 1s*"])


def test_existing_redis_is_shared_politely(pytester: pytest.Pytester,
                                           redis_server: RedisServer) -> None:
    async def keys() -> set[bytes]:
        client = connect(redis_server.url)
        try:
            await client.set("someone-elses-key", "keep me")
            return set(await client.keys("*"))
        finally:
            await client.aclose()

    before = asyncio.run(keys())
    result = run(pytester, SAMPLE, "-o", "asyncio_mode=auto", "--kj-engine=redis",
                 f"--kj-redis-url={redis_server.url}")
    result.assert_outcomes(passed=1)
    assert asyncio.run(keys()) == before  # its own prefix, removed afterwards
