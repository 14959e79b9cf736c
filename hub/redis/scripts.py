"""Lua scripts: read once from `.lua` files and run by EVALSHA, alone or many in one
pipelined round trip (`Batch`), reloaded after a Redis restart flushed the script cache
(NOSCRIPT) without re-running anything that already ran."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import redis.exceptions as rex
from redis.asyncio import Redis

from hub.redis.resp import packed


class Pipelined(Protocol):
    """What `Batch.run` sends through: the auto-pipeline (`hub.redis.pipe`)."""

    async def batch(self, commands: Sequence[bytes], *, retry: bool = False,
                    raise_errors: bool = True) -> list[Any]: ...


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

    async def run(self, pipe: Pipelined) -> list[Any]:
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
