"""The `Store` protocol: everything the handlers persist, engine-independent.

Two engines implement it — `store.sqlite.SqliteStore` (the memory engine, optionally
durable in one SQLite file) and `store.redis.RedisStore` — and one contract suite
(tests/contract) decides what "works" means for both. Methods that combine a read and a
write (`create_user`, `like`, `add_points`, ...) are atomic in every engine. An engine
whose backend is down raises `errors.EngineUnavailable`.

Ids (moods, comments, gifts, entries) are decimal strings that grow with creation
time, so "newest first" is "largest id first" and `before` pages compare ids as ints.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, Protocol

from hub.models import Comment, Entry, Gift, Mood, UserRecord, Visibility, Visit


class Store(Protocol):
    async def start(self) -> None: ...

    async def close(self) -> None: ...

    def health(self) -> dict[str, Any]: ...

    # accounts and sessions
    async def create_user(self, user: UserRecord) -> bool:
        """False when the username is taken."""
        ...

    async def get_user(self, username: str) -> UserRecord | None: ...

    async def get_users(self, usernames: Collection[str]) -> dict[str, UserRecord]: ...

    async def existing_users(self, usernames: Collection[str]) -> set[str]:
        """Which of `usernames` have an account (cheaper than `get_users`)."""
        ...

    async def update_user(self, username: str, fields: dict[str, str]) -> UserRecord | None: ...

    async def search_users(self, prefix: str, limit: int) -> list[str]:
        """Usernames starting with `prefix`, sorted."""
        ...

    async def create_session(self, token_hash: str, username: str, expires_ms: int) -> None: ...

    async def session_user(self, token_hash: str, now_ms: int) -> str | None: ...

    async def delete_session(self, token_hash: str) -> None: ...

    # friends
    async def friends(self, user: str) -> set[str]: ...

    async def add_request(self, frm: str, to: str) -> bool:
        """Record a pending request; False when it was already pending."""
        ...

    async def remove_request(self, frm: str, to: str) -> bool: ...

    async def requests(self, user: str) -> tuple[list[str], list[str]]:
        """(incoming, outgoing) pending requests of `user`."""
        ...

    async def add_friendship(self, a: str, b: str) -> bool:
        """Make a and b friends and drop pending requests both ways; False if they were."""
        ...

    async def remove_friendship(self, a: str, b: str) -> bool: ...

    # moods, comments, likes
    async def add_mood(
        self, author: str, text: str, visibility: Visibility, tag: str, ts: int
    ) -> Mood: ...

    async def get_mood(self, mood_id: str) -> Mood | None: ...

    async def delete_mood(self, mood_id: str) -> bool:
        """Delete the mood with its comments and likes."""
        ...

    async def timeline(
        self, sources: Sequence[tuple[str, Visibility]], before: str | None, limit: int
    ) -> list[Mood]:
        """Moods whose (author, visibility) is in `sources`, id < before, newest first."""
        ...

    async def add_comment(
        self, mood_id: str, author: str, text: str, reply_to: str | None, ts: int
    ) -> Comment | None:
        """None when the mood no longer exists (deleted since it was read): then nothing
        is stored."""
        ...

    async def get_comment(self, comment_id: str) -> Comment | None: ...

    async def comments(
        self, mood_ids: Collection[str], per_mood: int
    ) -> dict[str, tuple[list[Comment], int]]:
        """For each mood: its oldest-first last `per_mood` comments and the total count."""
        ...

    async def like(self, mood_id: str, user: str) -> tuple[bool, int]:
        """(changed, like count after). Liking twice changes nothing."""
        ...

    async def unlike(self, mood_id: str, user: str) -> tuple[bool, int]: ...

    async def likes(self, mood_ids: Collection[str], viewer: str) -> dict[str, tuple[int, bool]]:
        """For each mood: (like count, whether `viewer` likes it)."""
        ...

    # gifts, guestbook, visits
    async def add_gift(
        self, frm: str, to: str, gift: str, name: str, animation: str, message: str, ts: int
    ) -> Gift: ...

    async def gifts(self, to: str, limit: int) -> list[Gift]:
        """Gifts received by `to`, newest first."""
        ...

    async def add_entry(self, owner: str, author: str, text: str, ts: int) -> Entry: ...

    async def entries(self, owner: str, limit: int) -> list[Entry]:
        """Guestbook entries of `owner`'s space, newest first."""
        ...

    async def add_visit(self, owner: str, visitor: str, ts: int) -> bool:
        """Record a visit (one row per visitor, latest ts); True if it is the
        visitor's first visit to `owner` on the UTC day of `ts`."""
        ...

    async def visitors(self, owner: str, limit: int) -> list[Visit]:
        """Most recent distinct visitors, newest first."""
        ...

    # levels
    async def add_points(
        self, user: str, action: str, day: int, points: int, cap: int
    ) -> tuple[int, int]:
        """Atomically grant up to `points`, at most `cap` per (user, action, day).
        Returns (total before, total after)."""
        ...
