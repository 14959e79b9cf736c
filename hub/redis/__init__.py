"""The project's own Redis plumbing, shared by the Redis store and the Redis broker,
one module a job, importing only down this list (no cycle):

* `resp` — RESP packing (pure); `endpoint` — a server's address and login;
* `errors` — failures as `EngineUnavailable`, and the link state for health;
* `scripts` — Lua scripts by EVALSHA, alone or batched, reloaded after NOSCRIPT;
* `client` — a redis-py client with the engines' timeouts;
* `pipe` — the auto-pipelined connection the hot path shares;
* `live` — the pub/sub connection of the live feed, parsed with hiredis;
* `keys` — every key and channel name (the Redis contract, docs/redis.md).
"""
