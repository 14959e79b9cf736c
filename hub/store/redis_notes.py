"""与我相关 in the Redis store: each user's notifications (hub.notes) under their hash tag
— a sorted set of causes by id, a hash of the notes, a set of the unread ones — changed
by note.lua, which publishes the `notify` frame on the user's live channel in the same
script. `store.redis.RedisStore` inherits it.

`apply_notes` issues its scripts at once on the auto-pipelined connection: the node
calls it beside the event's delivery, so the notification rides in the delivery's round
trip (docs/redis.md, bench/redis_cost.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson

from hub.notes import MAX_NOTES, Add, Change, Note
from hub.redis.errors import engine_call
from hub.store.redis_social import SCRIPTS, RedisSocial
from hub.together import all_of


class RedisNotes(RedisSocial):
    def _note_keys(self, user: str) -> list[str]:
        k = self.keys
        return [k.notes(user), k.notes_data(user), k.notes_unread(user), k.notes_seq(user),
                k.live(user)]

    @engine_call
    async def apply_notes(self, changes: Sequence[Change], ts: int
                          ) -> list[tuple[str, bytes]]:
        """Every frame is published by its script: nothing is left for the node."""
        await all_of(self._apply(change, ts) for change in changes)
        return []

    async def _apply(self, change: Change, ts: int) -> None:
        keys = self._note_keys(change.user)
        if isinstance(change, Add):
            args = ["add", ts, MAX_NOTES, change.note["cause"],
                    orjson.dumps({**change.note, "id": ""})]
        elif change.cause:
            args = ["withdraw", ts, MAX_NOTES, change.cause]
        else:
            args = ["about", ts, MAX_NOTES, change.about + "|"]
        await self.pipe.script(SCRIPTS["note"], keys, args)

    @engine_call
    async def notes(self, user: str, before: str | None, limit: int
                    ) -> list[tuple[Note, bool]]:
        k = self.keys
        top = f"({int(before)}" if before is not None else "+inf"
        flat = await self.pipe.script(
            SCRIPTS["notes_list"], [k.notes(user), k.notes_data(user), k.notes_unread(user)],
            [top, limit], retry=True)
        return [(orjson.loads(flat[i]), not int(flat[i + 1])) for i in range(0, len(flat), 2)]

    @engine_call
    async def unread_notes(self, user: str) -> int:
        return int(await self.pipe.command(b"SCARD", self.keys.notes_unread(user), retry=True))

    @engine_call
    async def read_notes(self, user: str, ids: Sequence[str] | None, ts: int
                         ) -> tuple[int, bytes]:
        """The frame is published by the script; the one returned is for nobody."""
        k = self.keys
        unread = int(await self.pipe.script(
            SCRIPTS["notes_read"], [k.notes(user), k.notes_unread(user), k.live(user)],
            [ts, *(str(int(i)) for i in (ids or ()))] if ids is not None else [ts]))
        return unread, b""
