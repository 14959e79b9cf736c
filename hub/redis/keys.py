"""Every Redis key and channel name Kongjian uses, formatted in one place (pure).

`Keys(prefix)` owns the layout described in docs/redis.md ("Redis contract v1"); no
other module builds a key by hand. A configurable prefix (default ``kj``) isolates
deployments and tests sharing one Redis. Nothing here does I/O.

Cluster layout: everything that belongs to one user lives under the hash tag
``{u:<username>}`` (inbox stream, live channel, inbox meta, presence, account, friends,
requests, timelines, gifts, guestbook, visitors, daily points), so every script that
touches one user's keys stays on one shard. A mood's own keys share ``{m:<id>}``. The few
keys that are global (id counters, username index, node registry, sessions, comments)
are touched by single-key commands only. docs/redis.md lists the multi-key operations
that would need changes to run on Redis Cluster.
"""

from __future__ import annotations

from hub.models import Visibility
from hub.subjects import Subject

DEFAULT_PREFIX = "kj"
_TAGS = {"mood": "m", "blog": "b", "photo": "p"}  # a subject kind's hash-tag letter
CONTRACT_VERSION = 1
INGRESS_GROUP = "kj-hub"


def _checked(name: str, what: str) -> str:
    if not Keys.usable(name):
        raise ValueError(f"{what} {name!r} cannot be used in a Redis key")
    return name


class Keys:
    """Formats keys and channels under `prefix`; see docs/redis.md for each one's type."""

    __slots__ = ("_live_head", "_live_tail", "prefix")

    def __init__(self, prefix: str = DEFAULT_PREFIX) -> None:
        if not prefix or any(c in prefix for c in "{} \t\r\n"):
            raise ValueError(f"key prefix {prefix!r} must be non-empty, without braces or spaces")
        self.prefix = prefix
        self._live_head = f"{prefix}:{{u:"
        self._live_tail = "}:live"

    def __repr__(self) -> str:
        return f"Keys({self.prefix!r})"

    # -- one user: all under the hash tag {u:<user>} --------------------------------
    @staticmethod
    def usable(user: str) -> bool:
        """Whether `user` can be part of a key (every registered username can)."""
        return bool(user) and "{" not in user and "}" not in user

    def user_tag(self, user: str) -> str:
        return f"{self.prefix}:{{u:{_checked(user, 'username')}}}"

    def inbox(self, user: str) -> str:
        """Stream: the user's inbox, entry id ``<seq>-0``, one field ``frame``."""
        return f"{self.user_tag(user)}:inbox"

    def live(self, user: str) -> str:
        """Pub/sub channel: the user's frames, published as they are appended."""
        return f"{self.user_tag(user)}:live"

    def meta(self, user: str) -> str:
        """Hash: ``epoch`` (string) and ``seq`` (integer) of the inbox."""
        return f"{self.user_tag(user)}:meta"

    def conns(self, user: str) -> str:
        """Hash: node id → 1 for every node holding a connection of the user."""
        return f"{self.user_tag(user)}:conns"

    def user(self, user: str) -> str:
        """Hash: the account (`models.UserRecord`)."""
        return f"{self.user_tag(user)}:user"

    def friends(self, user: str) -> str:
        """Set of usernames."""
        return f"{self.user_tag(user)}:friends"

    def care(self, user: str) -> str:
        """Set: the friends `user` keeps special care for (特别关心)."""
        return f"{self.user_tag(user)}:care"

    def cared_by(self, user: str) -> str:
        """Set: who keeps special care for `user` (the mirror of their `care` sets)."""
        return f"{self.user_tag(user)}:cared_by"

    def groups(self, owner: str) -> str:
        """Hash: the owner's friend groups (分组), name → members as a JSON list."""
        return f"{self.user_tag(owner)}:groups"

    def memberships(self, user: str) -> str:
        """Set: ``<owner>\\x00<group>`` for each group of another user's that `user` is in
        (a mirror of the groups, in the member's own slot, for the delivery's check)."""
        return f"{self.user_tag(user)}:in_groups"

    def requests_in(self, user: str) -> str:
        """Set: usernames with a pending request to `user`."""
        return f"{self.user_tag(user)}:req:in"

    def requests_out(self, user: str) -> str:
        """Set: usernames `user` has a pending request to."""
        return f"{self.user_tag(user)}:req:out"

    def moods(self, author: str, visibility: Visibility) -> str:
        """Sorted set: ids of the author's posts of one visibility, every kind (the
        feed's and a space's timeline), score = id."""
        return f"{self.user_tag(author)}:moods:{visibility}"

    def posts(self, author: str, kind: str, visibility: Visibility) -> str:
        """Sorted set: ids of the author's posts of one kind listed on its own (blogs)
        and one visibility, score = id."""
        return f"{self.user_tag(author)}:posts:{kind}:{visibility}"

    def gifts(self, user: str) -> str:
        """Sorted set: gifts received, member = gift JSON, score = id."""
        return f"{self.user_tag(user)}:gifts"

    def guestbook(self, owner: str) -> str:
        """Sorted set: guestbook entries, member = entry JSON, score = id."""
        return f"{self.user_tag(owner)}:guestbook"

    def space_writes(self, owner: str, window: int) -> str:
        """Hash: author → writes into the owner's space in hour `window` (ms // 3.6e6),
        the per-author cap of `store.base.SpaceQuota`; expires after two windows."""
        return f"{self.user_tag(owner)}:writes:{window}"

    def settings(self, user: str) -> str:
        """Hash: the space settings the user changed (`policy.SpaceSettings` field →
        value; booleans as `1`/`0`); a missing field is the default."""
        return f"{self.user_tag(user)}:settings"

    def blocks(self, owner: str) -> str:
        """Set: the users `owner` blocked (黑名单)."""
        return f"{self.user_tag(owner)}:blocks"

    def declined(self, user: str) -> str:
        """Sorted set: requester → ms when `user` declined their friend request (a
        request cannot be sent again for a day); entries older than that are pruned."""
        return f"{self.user_tag(user)}:declined"

    def visitors(self, owner: str) -> str:
        """Sorted set: visitor → ts (ms) of their latest visit."""
        return f"{self.user_tag(owner)}:visitors"

    def notes(self, user: str) -> str:
        """Sorted set: the user's notifications (与我相关, hub.notes) by cause, score = id;
        at most `notes.MAX_NOTES`, the newest."""
        return f"{self.user_tag(user)}:notes"

    def notes_data(self, user: str) -> str:
        """Hash: cause → the notification as JSON (`notes.Note`)."""
        return f"{self.user_tag(user)}:notes:data"

    def notes_unread(self, user: str) -> str:
        """Set: the causes of the user's unread notifications."""
        return f"{self.user_tag(user)}:notes:unread"

    def notes_seq(self, user: str) -> str:
        """String: the last notification id given to the user (INCR)."""
        return f"{self.user_tag(user)}:notes:seq"

    def visit_counts(self, owner: str) -> str:
        """Hash: ``total`` visits to the owner's space and ``d<day>`` the UTC day's, each
        visitor counted once a day (add_visit.lua); only today's and yesterday's days
        are kept."""
        return f"{self.user_tag(owner)}:visits:count"

    def points_day(self, user: str, day: int) -> str:
        """Hash: action → points earned on UTC day `day` (expires after two days)."""
        return f"{self.user_tag(user)}:points:{day}"

    def sessions(self, user: str) -> str:
        """Sorted set: token hash → expiry (ms) of each of the user's logins (the
        `session` hashes), pruned of expired ones; expires with the last login."""
        return f"{self.user_tag(user)}:sessions"

    def login_bucket(self, user: str) -> str:
        """Hash ``t`` (login checks left), ``s`` (ms when `t` was left): the username's
        lock-out bucket over all client addresses (hub/lockout.py); expires once full."""
        return f"{self.user_tag(user)}:login"

    def login_pair_bucket(self, user: str, address: str) -> str:
        """The same for the username from one client address (`lockout.client_key`)."""
        return f"{self.user_tag(user)}:login:{_checked(address, 'address')}"

    # -- one post (a subject: hub.subjects) under its hash tag: {m:<id>} for a mood,
    # -- {b:<id>} for a blog, {p:<id>} for a photo ---------------------------------------
    def subject_tag(self, subject: Subject) -> str:
        return f"{self.prefix}:{{{_TAGS[subject.kind]}:{_checked(subject.id, 'id')}}}"

    def mood(self, mood_id: str) -> str:
        """Hash: a post's feed entry (`models.Mood` without per-viewer fields): a mood,
        or a blog's or an upload's summary; `kind` and `extra` (JSON) say which."""
        return f"{self.prefix}:{{m:{_checked(mood_id, 'mood id')}}}:mood"

    def post(self, subject: Subject) -> str:
        """Hash: the subject itself (`mood` for a mood, as `mood` above; a blog's
        ``body`` and ``reads``; a photo)."""
        return f"{self.subject_tag(subject)}:{subject.kind}"

    def comments(self, subject: Subject) -> str:
        """Sorted set: comment ids of the subject, score = id."""
        return f"{self.subject_tag(subject)}:comments"

    def likes(self, subject: Subject) -> str:
        """Set: usernames that like the subject."""
        return f"{self.subject_tag(subject)}:likes"

    # -- global -----------------------------------------------------------------------
    def comment(self, comment_id: str) -> str:
        """Hash: one comment (`models.Comment`): `kind`, `subject_id` (and `mood_id`, the
        same id, on a mood's: what nodes before subjects read), `author`, `text`,
        `reply_to`, `ts`."""
        return f"{self.prefix}:comment:{comment_id}"

    def session(self, token_hash: str) -> str:
        """Hash ``user``, ``expires`` (ms), with a TTL."""
        return f"{self.prefix}:session:{token_hash}"

    @property
    def usernames(self) -> str:
        """Sorted set: every username, score 0 (prefix search by ZRANGE BYLEX)."""
        return f"{self.prefix}:usernames"

    @property
    def display_names(self) -> str:
        """Sorted set: ``<display name, A-Z lowercased>\\x00<username>`` for every
        account, score 0 (display-name prefix search by ZRANGE BYLEX; the rules in
        `store.usersearch`). Kept by create_user.lua and update_user.lua."""
        return f"{self.prefix}:display_names"

    @property
    def entry_owners(self) -> str:
        """Hash: guestbook entry id → the owner of the guestbook that holds it."""
        return f"{self.prefix}:entries"

    @property
    def ids(self) -> str:
        """Hash: id counters ``mood``, ``comment``, ``gift``, ``entry`` (HINCRBY)."""
        return f"{self.prefix}:ids"

    @property
    def nodes(self) -> str:
        """Sorted set: live hub node id → expiry (ms, Redis clock) of its heartbeat."""
        return f"{self.prefix}:nodes"

    @property
    def ingress(self) -> str:
        """Stream: events from external producers (fields ``event``, ``data``, and
        ``to`` or ``friends_of``), read by every node through the consumer group
        ``INGRESS_GROUP``."""
        return f"{self.prefix}:ingress"

    @property
    def ingress_dead(self) -> str:
        """Stream: ingress entries that could not be delivered, with ``reason`` and
        ``entry`` (the original id) beside the original fields."""
        return f"{self.prefix}:ingress:dead"

    def node_users(self, node_id: str) -> str:
        """Set: users with a connection on the node (to announce them offline if the
        node dies)."""
        return f"{self.prefix}:node:{node_id}:users"

    def node_sweep(self, node_id: str) -> str:
        """String with a TTL: the lock of the node sweeping a dead node's users."""
        return f"{self.prefix}:node:{node_id}:sweep"

    def node_channel(self, node_id: str) -> str:
        """Pub/sub channel: control messages for one hub node (reserved; the node keeps
        its live connection subscribed to it)."""
        return f"{self.prefix}:node:{node_id}"

    def user_of_live(self, channel: str | bytes) -> str | None:
        """The username of a live channel name; None for any other channel."""
        name = channel.decode() if isinstance(channel, bytes) else channel
        if not (name.startswith(self._live_head) and name.endswith(self._live_tail)):
            return None
        user = name[len(self._live_head):-len(self._live_tail)]
        return user or None
