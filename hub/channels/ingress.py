"""The Redis ingress: external producers `XADD` events to one stream; every node reads it
through one consumer group, so each entry is handled by one node.

Exactly once: delivering an entry and acknowledging it happen in one Lua script
(deliver.lua), so an entry is either delivered and acked or neither. A node that dies
after reading an entry leaves it pending; after `claim_idle` another node claims it
(XAUTOCLAIM) and delivers it — unless the first node's script already ran, in which case
the entry is no longer pending and there is nothing to claim.

A malformed entry is moved to the dead-letter stream with its reason and acked, so it
never blocks the entries behind it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import orjson
import redis.exceptions as rex

from hub.channels.redis import RedisBroker
from hub.errors import EngineUnavailable, ErrorCode, OpError
from hub.node import Node
from hub.producers import Publication, parse_publication, recipients
from hub.protocol import encode_event_body
from hub.redis.errors import text
from hub.redis.keys import INGRESS_GROUP
from hub.shutdown import cancel_and_wait

log = logging.getLogger("hub.ingress")

BLOCK_MS = 1000  # below the client's socket timeout
BATCH = 100


class IngressConsumer:
    def __init__(self, node: Node, broker: RedisBroker, claim_idle: float = 5.0) -> None:
        self.node = node
        self.broker = broker
        self.client = broker.client
        self.keys = broker.keys
        self.consumer = node.settings.node_id
        self.claim_idle_ms = int(claim_idle * 1000)
        self.handled = 0
        self.dead = 0
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="redis-ingress")

    async def stop(self) -> None:
        """Stop the consumer. A cancellation that a library turns into a timeout error
        would send the loop round again: `_stopping` ends it there."""
        self._stopping = True
        if self._task is not None:
            await cancel_and_wait([self._task], "ingress")

    async def _ensure_group(self) -> None:
        try:  # from the stream's start: entries written before any node ran count too
            await self.client.xgroup_create(self.keys.ingress, INGRESS_GROUP, id="0",
                                            mkstream=True)
        except rex.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def _run(self) -> None:
        delay = 0.1
        claim_cursor = "0-0"
        loop = asyncio.get_running_loop()
        next_claim = 0.0
        while not self._stopping:
            try:
                await self._ensure_group()
                while not self._stopping:
                    if loop.time() >= next_claim:
                        claim_cursor = await self._claim(claim_cursor)
                        next_claim = loop.time() + self.claim_idle_ms / 2000
                    reply = await self.client.xreadgroup(
                        INGRESS_GROUP, self.consumer, {self.keys.ingress: ">"},
                        count=BATCH, block=BLOCK_MS)
                    for _, entries in reply or []:
                        for entry_id, fields in entries:
                            await self._handle(text(entry_id), fields)
                    delay = 0.1
            except asyncio.CancelledError:
                raise
            except (EngineUnavailable, rex.RedisError, OSError) as exc:
                log.warning("ingress: %s; retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)  # backoff while Redis is away
                delay = min(delay * 2, 2.0)
            except Exception:  # a bug must not end ingress on every node for good
                log.exception("ingress: unexpected failure; retrying in %.1fs", delay)
                await asyncio.sleep(delay)  # backoff while Redis is away
                delay = min(delay * 2, 2.0)

    async def _claim(self, cursor: str) -> str:
        """Take over entries another (probably dead) node read but never acked."""
        reply = await self.client.xautoclaim(
            self.keys.ingress, INGRESS_GROUP, self.consumer, self.claim_idle_ms,
            start_id=cursor, count=BATCH)
        next_cursor, entries = text(reply[0]), reply[1]
        for entry_id, fields in entries:
            if fields is not None:  # None: deleted from the stream meanwhile
                log.info("ingress: claimed %s from a silent consumer", text(entry_id))
                await self._handle(text(entry_id), fields)
        return next_cursor

    async def _handle(self, entry_id: str, raw: dict[Any, Any]) -> None:
        try:
            fields = {text(k): text(v) for k, v in raw.items()}
        except UnicodeDecodeError:  # a producer wrote bytes that are not text
            fields = {_lossy(k): _lossy(v) for k, v in raw.items()}
            await self._dead_letter(entry_id, fields, "fields must be UTF-8 text")
            return
        try:
            publication = _publication(fields)
            users = await recipients(self.node, publication)
        except OpError as exc:
            await self._dead_letter(entry_id, fields, exc.message)
            return
        body = encode_event_body(publication.event, self.node.clock.now_ms(), publication.data)
        if await self.broker.deliver_ingress(body, users, self.keys.ingress, INGRESS_GROUP,
                                             entry_id):
            self.handled += 1
            self.node.metrics.events.inc()
            self.node.metrics.recipients.inc(len(users))

    async def _dead_letter(self, entry_id: str, fields: dict[str, str], reason: str) -> None:
        log.warning("ingress entry %s moved to %s: %s", entry_id, self.keys.ingress_dead, reason)
        pipe = self.client.pipeline(transaction=True)
        pipe.xadd(self.keys.ingress_dead, {**fields, "entry": entry_id, "reason": reason},
                  maxlen=10_000, approximate=True)
        pipe.xack(self.keys.ingress, INGRESS_GROUP, entry_id)
        await pipe.execute()
        self.dead += 1


def _publication(fields: dict[str, str]) -> Publication:
    """An ingress entry's fields as a publish request: `to` and `data` are JSON."""
    body: dict[str, Any] = {"event": fields.get("event")}
    try:
        if "to" in fields:
            body["to"] = orjson.loads(fields["to"])
        if "friends_of" in fields:
            body["friends_of"] = fields["friends_of"]
        if "data" in fields:
            body["data"] = orjson.loads(fields["data"])
    except orjson.JSONDecodeError as exc:
        raise OpError(ErrorCode.BAD_REQUEST, f"'to' and 'data' must be JSON: {exc}") from None
    return parse_publication(body)


def _lossy(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)

