"""The memory engine's inbox journal: what makes its in-process inboxes survive a
restart, in the store's SQLite file.

The journal is written to be replayed at start-up, not queried per recipient: ONE row
per delivered event (`journal`: its body and its recipients with their seqs, encoded
as the JSON array `[[users…], [seqs…]]`), many events per transaction (the broker's
group commit), and the epoch of every inbox in `inbox_epochs`. `load` reads it all
back in order and keeps each user's newest `retention` entries.

It stays about the size of what the inboxes hold. The broker reports every entry an
inbox lets go (`release`: pushed out by a newer one, or voided), so the journal knows
how many retained entries each row still has without reading it: a row with none is
deleted, and a row with half or less is rewritten with only those (`compact`, bounded
passes). So a user who gets few events keeps only their own entry of an old row, never
the whole row's audience, and a row is rewritten at most about log2(recipients) times.

It owns no inbox and knows no frame format: the broker (`channels/memory.py`) assigns
the seqs, decides what is retained and builds the frames.
"""

from __future__ import annotations

import sqlite3
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import orjson

from hub.errors import EngineUnavailable

# One event to journal: its body, and its recipients with each one's seq.
Record = tuple[bytes, Sequence[str], Sequence[int]]
# Whether `user`'s inbox still holds `seq` as journaled in row `row`.
Holds = Callable[[str, int, int], bool]
# A retained entry as `load` found it: seq, body, the id of its row.
Entry = tuple[int, bytes, int]
DELETES_PER_PASS = 4096  # dead rows one compaction pass deletes, at most


class JournalFailed(EngineUnavailable):
    """A batch could not be written: none of its events was delivered."""


@dataclass
class Loaded:
    """What the journal holds, as `load` found it."""

    epochs: dict[str, str] = field(default_factory=dict)
    # per user, the newest retained entries, oldest first, seqs contiguous
    entries: dict[str, deque[Entry]] = field(default_factory=dict)


class Journal:
    def __init__(self, db: sqlite3.Connection, retention: int) -> None:
        self.db = db
        self.retention = retention
        self.entries = 0  # (user, seq) entries the table holds, live or not
        # per row: [entries an inbox still retains, entries the row holds]
        self._rows: dict[int, list[int]] = {}
        self._dead: list[tuple[int, int]] = []  # (row, entries) no inbox retains: to delete
        self._sparse: set[int] = set()  # rows mostly released: to rewrite
        self._next_id = 1  # ids are never reused (AUTOINCREMENT): `start` relies on it

    @property
    def rows(self) -> int:
        """Rows the table holds."""
        return len(self._rows) + len(self._dead)

    @property
    def retained(self) -> int:
        """Entries the inboxes still hold (one walk over the rows: for stats only)."""
        return sum(live for live, _ in self._rows.values())

    # ---------------------------------------------------------------- start-up
    def load(self) -> Loaded:
        """Every epoch, and each user's newest `retention` entries, in one scan."""
        db = self.db
        out = Loaded()
        starts: dict[str, int] = {}  # voided inboxes: the first row of their epoch
        for user, epoch, start in db.execute("SELECT user, epoch, start FROM inbox_epochs"):
            out.epochs[user] = epoch
            if start:
                starts[user] = start
        kept = out.entries
        retention = self.retention
        sizes: dict[int, int] = {}
        for row_id, body, blob in db.execute(
                "SELECT id, body, recipients FROM journal ORDER BY id"):
            users, seqs = orjson.loads(blob)
            sizes[row_id] = len(users)
            for user, seq in zip(users, seqs, strict=True):
                if starts and row_id < starts.get(user, 0):
                    continue  # of an epoch voided since
                tail = kept.get(user)
                if tail is None:
                    tail = kept[user] = deque(maxlen=retention)
                elif tail[-1][0] != seq - 1:
                    tail.clear()  # keep the contiguous run that ends at the newest
                tail.append((seq, body, row_id))
        live = Counter(row for tail in kept.values() for _, _, row in tail)
        for row_id, size in sizes.items():
            self._count(row_id, live.get(row_id, 0), size)
        self.entries = sum(sizes.values())
        row = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'journal'").fetchone()
        self._next_id = max(row[0] if row else 0, max(sizes, default=0)) + 1
        return out

    def _count(self, row_id: int, live: int, size: int) -> None:
        if live == 0:
            self._dead.append((row_id, size))
            return
        self._rows[row_id] = [live, size]
        if 2 * live <= size:
            self._sparse.add(row_id)

    # ---------------------------------------------------------------- writing
    def write(self, records: Sequence[Record], epochs: Iterable[tuple[str, str]]) -> int:
        """Journal `records` and the new inboxes' `epochs` in ONE transaction: all of
        them or none (then raises `JournalFailed`). Returns the first record's row id;
        the others follow it one by one. With `synchronous=NORMAL` under WAL the
        commit is a write into the log, no fsync (docs/architecture.md). The rows that
        died since the last commit are deleted in the same transaction: no commit of
        their own."""
        db = self.db
        first = self._next_id
        dead = self._dead[:DELETES_PER_PASS]
        try:
            with db:
                db.executemany("INSERT OR IGNORE INTO inbox_epochs (user, epoch) VALUES (?, ?)",
                               epochs)
                db.executemany("INSERT INTO journal (id, body, recipients) VALUES (?, ?, ?)",
                               [(first + i, body, orjson.dumps((users, seqs)))
                                for i, (body, users, seqs) in enumerate(records)])
                db.executemany("DELETE FROM journal WHERE id = ?", [(r,) for r, _ in dead])
        except sqlite3.Error as exc:
            raise JournalFailed(f"inbox journal write failed: {exc}") from exc
        self._forget(dead)
        self._next_id = first + len(records)
        rows = self._rows
        for i, (_, users, _) in enumerate(records):
            rows[first + i] = [len(users), len(users)]
            self.entries += len(users)
        return first

    def release(self, rows: Sequence[int]) -> None:
        """Inboxes let go of one entry of each row named (a row named twice: two)."""
        distinct = set(rows)
        # An event's recipients mostly push out entries of one same old row: counting
        # a few distinct ids with list.count beats a Counter over the whole list.
        released = ({r: rows.count(r) for r in distinct} if len(distinct) <= 8
                    else Counter(rows))
        for row_id, n in released.items():
            counts = self._rows.get(row_id)
            if counts is None:  # released already; never raise after a commit
                continue
            counts[0] -= n
            if counts[0] <= 0:
                del self._rows[row_id]
                self._sparse.discard(row_id)
                self._dead.append((row_id, counts[1]))
            elif 2 * counts[0] <= counts[1]:
                self._sparse.add(row_id)

    def void(self, user: str, epoch: str) -> None:
        """`user`'s inbox starts over under `epoch`: a restart skips their entries of
        the rows written before (the broker releases them too)."""
        with self.db as db:
            db.execute("INSERT OR REPLACE INTO inbox_epochs (user, epoch, start)"
                       " VALUES (?, ?, ?)", (user, epoch, self._next_id))

    # ---------------------------------------------------------------- compaction
    def due(self) -> bool:
        """Whether a compaction pass should run: rows to rewrite, or more dead rows
        than the next write deletes in passing."""
        return bool(self._sparse) or len(self._dead) > DELETES_PER_PASS

    def compact(self, holds: Holds, budget: int) -> bool:
        """One bounded pass, in one transaction: delete dead rows, and rewrite mostly
        released rows (about `budget` entries of them) with only the entries their
        inboxes still hold. True when nothing is left to do."""
        dead = self._dead[:DELETES_PER_PASS]
        picked: list[int] = []
        seen = 0
        for row_id in self._sparse:
            if seen >= budget:
                break
            picked.append(row_id)
            seen += self._rows[row_id][1]
        rewrites: list[tuple[bytes, int]] = []
        emptied: list[int] = []
        kept: dict[int, int] = {}
        db = self.db
        for row_id, blob in db.execute(  # one query: a pass picks few rows
                f"SELECT id, recipients FROM journal WHERE id IN ({','.join('?' * len(picked))})",
                picked) if picked else ():
            users, seqs = orjson.loads(blob)
            keep = [i for i, (user, seq) in enumerate(zip(users, seqs, strict=True))
                    if holds(user, seq, row_id)]
            kept[row_id] = len(keep)
            if keep:
                rewrites.append((orjson.dumps(([users[i] for i in keep],
                                               [seqs[i] for i in keep])), row_id))
            else:
                emptied.append(row_id)
        with db:
            db.executemany("DELETE FROM journal WHERE id = ?",
                           [(r,) for r in (*(r for r, _ in dead), *emptied)])
            db.executemany("UPDATE journal SET recipients = ? WHERE id = ?", rewrites)
        self._forget(dead)
        self.entries -= sum(self._rows.pop(r)[1] for r in emptied)
        for row_id in picked:
            self._sparse.discard(row_id)
            if kept.get(row_id):
                counts = self._rows[row_id]
                self.entries -= counts[1] - kept[row_id]
                counts[0] = counts[1] = kept[row_id]
        return not (self._dead or self._sparse)

    def _forget(self, dead: list[tuple[int, int]]) -> None:
        """`dead`, the oldest of the dead rows, were deleted."""
        del self._dead[:len(dead)]
        self.entries -= sum(size for _, size in dead)
