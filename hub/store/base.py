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
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from hub.lockout import Reservation
from hub.models import Comment, Entry, Gift, Mood, PostKind, UserRecord, Visibility, Visit
from hub.notes import Change, Note
from hub.policy import SpaceSettings, Ties
from hub.subjects import Subject


@dataclass(frozen=True, slots=True)
class SpaceQuota:
    """At most `limit` writes by `author` into `owner`'s space (guestbook entries,
    comments on the owner's posts, gifts, friend requests, all counted together) in the
    fixed window of `window_ms` that holds `now_ms`. The store checks and counts it in
    the very call that writes, so it holds across nodes at no extra round trip."""

    owner: str
    author: str
    limit: int
    now_ms: int
    window_ms: int = 3_600_000

    @property
    def window(self) -> int:
        return self.now_ms // self.window_ms

    def retry_after_ms(self) -> int:
        """Until the next window begins."""
        return (self.window + 1) * self.window_ms - self.now_ms


RefusalReason = Literal["space_writes", "pending_out", "pending_in", "declined"]


class Refused(Exception):
    """A write the store refused because of a bound (nothing was written): `reason`
    names the bound, `retry_after_ms` when it passes (None: when something changes)."""

    def __init__(self, reason: RefusalReason, retry_after_ms: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_ms = retry_after_ms


DECLINE_COOLDOWN_MS = 86_400_000  # a declined friend request may be sent again after


@dataclass(frozen=True, slots=True)
class RequestRules:
    """Bounds on pending friend requests, checked by `add_request` as it writes: at most
    `max_outgoing` pending from one user and `max_incoming` to one user, and none to
    someone who declined the same request less than `cooldown_ms` before `now_ms`."""

    now_ms: int
    max_outgoing: int = 50
    max_incoming: int = 200
    cooldown_ms: int = DECLINE_COOLDOWN_MS


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
        """Usernames of the users whose username or display name starts with `prefix`
        (ASCII case ignored), each once, sorted, at most `limit` (store/usersearch.py)."""
        ...

    async def create_session(self, token_hash: str, username: str, expires_ms: int) -> None: ...

    async def session_user(self, token_hash: str, now_ms: int) -> str | None: ...

    async def delete_session(self, token_hash: str) -> None: ...

    async def user_sessions(self, username: str, now_ms: int) -> list[str]:
        """Token hashes of the user's logins that have not expired at `now_ms`."""
        ...

    async def delete_user_sessions(self, username: str, keep: str | None = None
                                   ) -> list[str]:
        """End every login of the user except `keep` (a token hash); the hashes ended."""
        ...

    async def purge_sessions(self, now_ms: int, limit: int) -> int:
        """Delete at most `limit` sessions expired at `now_ms`; how many went. (Redis
        expires them itself and answers 0.)"""
        ...

    # the login lock-out (policy: hub/lockout.py)
    async def reserve_login(self, username: str, address: str, now_ms: int) -> Reservation:
        """Reserve one password check for `username` from client `address`
        (`lockout.client_key`) against the `PAIR` and `USER` buckets, both or neither,
        atomically, and read the account in the same step. Unknown usernames are
        reserved like known ones."""
        ...

    async def refund_login(self, username: str, address: str, now_ms: int) -> None:
        """Give back a reservation whose password was right (or never checked)."""
        ...

    # space settings and blocks (the facts hub.policy decides on)
    async def settings(self, user: str) -> SpaceSettings: ...

    async def settings_of(self, users: Collection[str]) -> dict[str, SpaceSettings]:
        """Each user's settings; the defaults for a user who never changed any."""
        ...

    async def save_settings(self, user: str, settings: SpaceSettings) -> None: ...

    async def set_block(self, owner: str, user: str, on: bool) -> tuple[bool, bool]:
        """Block (or unblock) `user` in `owner`'s space. A block ends their friendship
        and pending requests both ways, atomically. Returns (whether the block changed,
        whether a friendship ended)."""
        ...

    async def blocks(self, owner: str) -> list[str]:
        """The users `owner` blocked, sorted."""
        ...

    async def ties(self, owner: str, viewer: str) -> Ties:
        """Whether they are friends, whether either blocked the other, and the owner's
        groups the viewer is in."""
        ...

    # friend groups (分组)
    async def set_group(self, owner: str, name: str, members: Sequence[str]) -> None:
        """Create the group or replace its members."""
        ...

    async def delete_group(self, owner: str, name: str) -> bool: ...

    async def groups(self, owner: str) -> dict[str, list[str]]:
        """name → members (sorted), by name."""
        ...

    async def group_members(self, owner: str, names: Collection[str]) -> set[str]:
        """Everyone in any of those groups of `owner`'s."""
        ...

    async def memberships(self, member: str) -> dict[str, set[str]]:
        """owner → the names of the owner's groups that `member` is in."""
        ...

    # special care (特别关心)
    async def set_care(self, user: str, target: str, on: bool) -> bool:
        """Whether it changed."""
        ...

    async def cares(self, user: str) -> list[str]:
        """Whom `user` keeps special care for, sorted."""
        ...

    async def carers(self, target: str) -> list[str]:
        """Who keeps special care for `target`, sorted."""
        ...

    # 与我相关 (hub.notes)
    async def apply_notes(self, changes: Sequence[Change], ts: int
                          ) -> list[tuple[str, bytes]]:
        """Add and withdraw notifications, and tell each user's tabs their unread count:
        the (user, `notify` frame) pairs left for the node to signal — none on Redis,
        whose scripts publish them. Issued beside the event's delivery, it rides in the
        delivery's round trip."""
        ...

    async def notes(self, user: str, before: str | None, limit: int
                    ) -> list[tuple[Note, bool]]:
        """(note, read), newest first, ids below `before`."""
        ...

    async def unread_notes(self, user: str) -> int: ...

    async def read_notes(self, user: str, ids: Sequence[str] | None, ts: int
                         ) -> tuple[int, bytes]:
        """Mark `ids` read (None: all); (unread after, the `notify` frame to signal,
        or b"" when the store published it)."""
        ...

    # friends
    async def friends(self, user: str) -> set[str]: ...

    async def add_request(self, frm: str, to: str, *, rules: RequestRules | None = None,
                          quota: SpaceQuota | None = None) -> bool:
        """Record a pending request; False when it was already pending. Raises
        `Refused` (nothing written) past `rules` or `quota`."""
        ...

    async def remove_request(self, frm: str, to: str) -> bool: ...

    async def decline_request(self, frm: str, to: str, now_ms: int) -> bool:
        """`remove_request`, remembering when `to` declined it (see `RequestRules`)."""
        ...

    async def requests(self, user: str) -> tuple[list[str], list[str]]:
        """(incoming, outgoing) pending requests of `user`."""
        ...

    async def add_friendship(self, a: str, b: str) -> bool:
        """Make a and b friends and drop pending requests both ways; False if they were."""
        ...

    async def remove_friendship(self, a: str, b: str) -> bool: ...

    # posts — feed entries of every kind (models.PostKind); comments and likes on any
    # subject (hub.subjects)
    async def add_mood(
        self, author: str, text: str, visibility: Visibility, tag: str, ts: int, *,
        groups: Sequence[str] = (), kind: PostKind = "mood",
        extra: dict[str, Any] | None = None, body: str | None = None,
    ) -> Mood:
        """A feed entry of `kind` (a mood unless said otherwise) with the kind's own
        fields (`extra`, JSON-ready, merged into the entry) and, for a blog, its `body`.
        With visibility "groups", one for those of the author's groups; the entry comes
        back with its wire visibility (`{"groups": [names]}`)."""
        ...

    async def get_mood(self, mood_id: str) -> Mood | None:
        """The feed entry of that id, whatever its kind (callers check `kind`)."""
        ...

    async def get_moods(self, ids: Collection[str]) -> dict[str, Mood]:
        """The entries of those ids that exist, by id."""
        ...

    async def blog_body(self, blog_id: str, *, count_read: bool = False
                        ) -> tuple[str, int] | None:
        """(body, reads) of a blog, counting this read first if asked; None: no blog."""
        ...

    async def update_post(
        self, post_id: str, *, text: str | None = None, extra: dict[str, Any] | None = None,
        visibility: Visibility | None = None, groups: Sequence[str] = (),
        body: str | None = None,
    ) -> Mood | None:
        """Change what is given (`extra` merges into the kind's fields); the entry after,
        or None when there is none (deleted meanwhile)."""
        ...

    async def on_this_day(self, author: str, now_ms: int, limit: int) -> list[Mood]:
        """The author's posts of the month and day of `now_ms` in earlier years (UTC),
        newest first."""
        ...

    async def delete_mood(self, mood_id: str) -> bool:
        """`delete_post` of a mood."""
        ...

    async def delete_post(self, subject: Subject) -> bool:
        """Delete a mood or a blog with its comments and likes."""
        ...

    async def timeline(
        self, sources: Sequence[tuple[str, Visibility]], before: str | None, limit: int,
        *, kinds: Collection[PostKind] | None = None,
    ) -> list[Mood]:
        """Entries whose (author, visibility) is in `sources`, id < before, newest first;
        only of `kinds` if given (a kind with a list of its own: "blog")."""
        ...

    async def add_comment(
        self, subject: Subject, author: str, text: str, reply_to: str | None, ts: int, *,
        quota: SpaceQuota | None = None,
    ) -> Comment | None:
        """None when the subject no longer exists (deleted since it was read): then
        nothing is stored. Raises `Refused` (nothing stored) past `quota`."""
        ...

    async def get_comment(self, comment_id: str) -> Comment | None: ...

    async def delete_comment(self, comment_id: str) -> Comment | None:
        """Delete one comment (its replies stay); the comment, or None if there was
        none."""
        ...

    async def comments(
        self, subjects: Collection[Subject], per_subject: int
    ) -> dict[Subject, tuple[list[Comment], int]]:
        """For each subject: its oldest-first last `per_subject` comments and the total
        count."""
        ...

    async def like(self, subject: Subject, user: str) -> tuple[bool, int]:
        """(changed, like count after). Liking twice changes nothing."""
        ...

    async def unlike(self, subject: Subject, user: str) -> tuple[bool, int]: ...

    async def likers(self, subject: Subject, limit: int) -> list[str]:
        """Who likes the subject, the first `limit` by username."""
        ...

    async def likes(self, subjects: Collection[Subject], viewer: str
                    ) -> dict[Subject, tuple[int, bool]]:
        """For each subject: (like count, whether `viewer` likes it)."""
        ...

    # gifts, guestbook, visits
    async def add_gift(
        self, frm: str, to: str, gift: str, name: str, animation: str, message: str, ts: int,
        *, quota: SpaceQuota | None = None,
    ) -> Gift:
        """Raises `Refused` (nothing stored) past `quota`, as `add_entry` does."""
        ...

    async def gifts(self, to: str, limit: int) -> list[Gift]:
        """Gifts received by `to`, newest first."""
        ...

    async def add_entry(self, owner: str, author: str, text: str, ts: int, *,
                        private: bool = False, quota: SpaceQuota | None = None) -> Entry: ...

    async def entry(self, entry_id: str, owner: str | None = None) -> Entry | None:
        """One entry by id (`owner`: where to look first, if known)."""
        ...

    async def delete_entry(self, entry: Entry) -> bool: ...

    async def reply_entry(self, entry: Entry, text: str, ts: int) -> Entry | None:
        """The owner's reply (a second one replaces the first); the entry as it is now,
        or None if it was deleted meanwhile."""
        ...

    async def entries(self, owner: str, limit: int) -> list[Entry]:
        """Guestbook entries of `owner`'s space, newest first."""
        ...

    async def add_visit(self, owner: str, visitor: str, ts: int) -> bool:
        """Record a visit (one row per visitor, latest ts); True if it is the
        visitor's first visit to `owner` on the UTC day of `ts`."""
        ...

    async def visit_counts(self, owner: str, day: int) -> tuple[int, int]:
        """(visits on UTC day `day`, visits ever): each visitor once a day."""
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
