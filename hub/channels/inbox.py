"""One user's inbox in this process, for the memory engine's broker: its epoch, its
seq and its newest frames, and — when the broker journals — the journal row each of
those frames was written in, so the journal learns which rows no inbox needs any more.

It does no I/O and knows nothing of other users; `channels/memory.py` numbers,
journals and publishes, `channels/journal.py` writes.
"""

from __future__ import annotations

import itertools
import secrets
from collections import deque

from hub.channels.base import InboxHead
from hub.protocol import frame_event, make_event_id


def new_epoch() -> str:
    return secrets.token_hex(4)


class Inbox:
    __slots__ = ("epoch", "frames", "id_prefix", "registered", "retention", "rows", "seq")

    def __init__(self, epoch: str, seq: int, retention: int) -> None:
        self.epoch = epoch
        self.seq = seq
        # The store confirmed its user exists (users are never deleted): a checked
        # publish asks the store only about recipients it has not confirmed before.
        self.registered = False
        # frame_event's bytes up to the seq: `{"type":"event","id":"<epoch>:`
        self.id_prefix = frame_event(f"{epoch}:", 0, b"{}").partition(b'","seq":')[0]
        self.retention = retention
        # The newest frames, oldest first; their seqs are contiguous and end at `seq`.
        # Plain bytes, no (seq, frame) tuples: a full inbox is 1,000 objects the cyclic
        # GC never looks at. Made on the first event: an unused inbox costs no deque.
        self.frames: deque[bytes] | None = None
        # Journaled only: the journal row of each frame, in step with `frames`. One int
        # object per row, shared by all its recipients: a pointer per frame.
        self.rows: deque[int] | None = None

    def add(self, seq: int, frame: bytes) -> None:
        """Append the frame of `seq`, which must be `self.seq + 1` (not journaled)."""
        if self.frames is None:
            self.frames = deque(maxlen=self.retention)
        self.frames.append(frame)
        self.seq = seq

    def keep(self, frame: bytes, row: int, released: list[int]) -> None:
        """Append the frame of `self.seq` (taken already), journaled in `row`; the row
        of the frame this pushes out, if any, goes to `released`."""
        frames, rows = self.frames, self.rows
        if frames is None or rows is None:
            frames = self.frames = deque(maxlen=self.retention)
            rows = self.rows = deque(maxlen=self.retention)
        elif len(frames) == self.retention:
            released.append(rows[0])
        frames.append(frame)
        rows.append(row)

    def holds(self, seq: int, row: int) -> bool:
        """Whether the frame of `seq` is kept, as written in journal row `row`."""
        rows = self.rows or ()
        index = seq - (self.seq - len(rows) + 1)
        return 0 <= index < len(rows) and rows[index] == row

    def after(self, seq: int) -> tuple[list[bytes], int]:
        """The kept frames newer than `seq`, and the seq of the oldest kept one."""
        kept = self.frames or ()
        oldest = self.seq - len(kept) + 1
        skip = max(0, seq + 1 - oldest)
        return list(itertools.islice(kept, skip, None)), oldest

    def frame_at(self, seq: int) -> bytes | None:
        """The kept frame of `seq`, if it is kept."""
        kept = self.frames or ()
        index = seq - (self.seq - len(kept) + 1)
        return kept[index] if 0 <= index < len(kept) else None

    def head(self) -> InboxHead:
        last_id = make_event_id(self.epoch, self.seq) if self.seq else ""
        return InboxHead(epoch=self.epoch, seq=self.seq, last_id=last_id,
                         frame=self.frames[-1] if self.frames else None)
