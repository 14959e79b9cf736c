"""What the Redis store and the Redis broker share, and nothing domain-specific:

* `engine_call` — every Redis connection or timeout error surfaces as
  `errors.EngineUnavailable`, and the outcome is remembered for `health()`;
* `LuaScript` / `Batch` — Lua scripts read once from `.lua` files and run by EVALSHA,
  alone or many in one pipelined round trip, reloading them after a Redis restart
  flushed the script cache (NOSCRIPT) without re-running anything that already ran;
* `connect(url)` — a client with the short timeouts the engines expect.

Keys are formatted by `keys.Keys`; this module never builds one.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, Protocol, TypeVar

import redis.exceptions as rex
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry  # redis.retry's would never retry a coroutine
from redis.backoff import NoBackoff

from hub.channels.redis_live import packed
from hub.errors import EngineUnavailable

if TYPE_CHECKING:
    from hub.channels.redis_pipe import AutoPipeline

# Errors meaning "Redis cannot serve us now" (as opposed to a bug in a command).
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    rex.ConnectionError,  # refused, reset, closed, BusyLoadingError, MaxConnectionsError
    rex.TimeoutError,
    rex.ReadOnlyError,  # talking to a replica after a failover
    rex.ClusterDownError,  # includes MasterDownError
    rex.TryAgainError,
    rex.OutOfMemoryError,
    OSError,
    TimeoutError,  # asyncio.TimeoutError is TimeoutError on 3.11+
)


class Link:
    """Whether the last command reached Redis — the `"redis": "up"|"down"` of health."""

    __slots__ = ("error", "up")

    def __init__(self) -> None:
        self.up = True
        self.error = ""

    def ok(self) -> None:
        self.up = True
        self.error = ""

    def failed(self, exc: BaseException) -> None:
        self.up = False
        self.error = f"{type(exc).__name__}: {exc}"

    @property
    def state(self) -> str:
        return "up" if self.up else "down"


class HasLink(Protocol):
    link: Link


S = TypeVar("S", bound=HasLink)
P = ParamSpec("P")
T = TypeVar("T")


def engine_call(
    fn: Callable[Concatenate[S, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, T]]:
    """Decorate an engine method: Redis trouble → `EngineUnavailable`, state → `link`."""

    @functools.wraps(fn)
    async def call(self: S, *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            result = await fn(self, *args, **kwargs)
        except UNAVAILABLE_ERRORS as exc:
            self.link.failed(exc)
            raise EngineUnavailable(f"redis unavailable: {type(exc).__name__}: {exc}") from exc
        self.link.ok()
        return result

    return call


class LuaScript:
    """One `.lua` file, identified by its SHA1 and run with EVALSHA."""

    __slots__ = ("name", "sha", "source")

    def __init__(self, path: Path) -> None:
        self.name = path.stem
        self.source = path.read_bytes()
        self.sha = hashlib.sha1(self.source).hexdigest()

    @classmethod
    def load_dir(cls, directory: Path) -> dict[str, LuaScript]:
        return {p.stem: cls(p) for p in sorted(directory.glob("*.lua"))}

    def command(self, keys: Sequence[str], args: Sequence[Any]) -> tuple[Any, ...]:
        return ("EVALSHA", self.sha, len(keys), *keys, *args)

    async def __call__(self, client: Redis, keys: Sequence[str], args: Sequence[Any]) -> Any:
        """Run alone: one round trip (two more, once, after a script-cache flush)."""
        try:
            return await client.execute_command(*self.command(keys, args))
        except rex.NoScriptError:
            await client.script_load(self.source)
            return await client.execute_command(*self.command(keys, args))


async def load_scripts(client: Redis, scripts: Sequence[LuaScript]) -> None:
    """SCRIPT LOAD each script, in one round trip."""
    pipe = client.pipeline(transaction=False)
    for script in scripts:
        pipe.script_load(script.source)
    await pipe.execute()


class Batch:
    """Commands sent as one non-transactional pipeline: one round trip.

    A script call refused with NOSCRIPT (Redis restarted) did not run, so after loading
    the scripts only those calls are sent again; nothing runs twice."""

    __slots__ = ("_cmds", "_scripts")

    def __init__(self) -> None:
        self._cmds: list[tuple[Any, ...]] = []
        self._scripts: dict[str, LuaScript] = {}

    def __len__(self) -> int:
        return len(self._cmds)

    def script(self, script: LuaScript, keys: Sequence[str], args: Sequence[Any]) -> None:
        self._scripts[script.sha] = script
        self._cmds.append(script.command(keys, args))

    def command(self, *args: Any) -> None:
        self._cmds.append(args)

    async def run(self, pipe: AutoPipeline) -> list[Any]:
        if not self._cmds:
            return []
        results = await pipe.batch([packed(*c) for c in self._cmds], raise_errors=False)
        missing = [i for i, r in enumerate(results) if isinstance(r, rex.NoScriptError)]
        if missing:
            await pipe.batch([packed(b"SCRIPT", b"LOAD", s.source)
                              for s in self._scripts.values()], retry=True)
            again = await pipe.batch([packed(*self._cmds[i]) for i in missing],
                                    raise_errors=False)
            for i, result in zip(missing, again, strict=True):
                results[i] = result
        for result in results:
            if isinstance(result, Exception):
                raise result
        return results


def connect(
    url: str,
    *,
    socket_timeout: float = 2.0,
    connect_timeout: float = 1.0,
    max_connections: int = 64,
    pool_timeout: float = 10.0,
) -> Redis:
    """A client as the Redis engines expect it: bytes responses, short timeouts, and
    one immediate retry on a broken connection (a pooled socket left over from before
    a Redis restart), so an outage answers `EngineUnavailable` in about a second.

    The pool is bounded and blocking: a burst of concurrent ops waits for a connection
    (at most `pool_timeout`) instead of failing with "too many connections". The wait is
    longer than a command's timeout: a node that is only CPU-starved should answer
    slowly, not `unavailable` (a down Redis fails at connect, long before that)."""
    pool = BlockingConnectionPool.from_url(
        url,
        socket_timeout=socket_timeout,
        socket_connect_timeout=connect_timeout,
        retry=Retry(NoBackoff(), 1, supported_errors=(rex.ConnectionError,)),
        decode_responses=False,
        max_connections=max_connections,
        timeout=pool_timeout,
    )
    return Redis(connection_pool=pool)


def text(value: Any) -> str:
    """A reply as str, whether the client decodes responses or not."""
    if isinstance(value, bytes):
        return value.decode()
    return str(value)
