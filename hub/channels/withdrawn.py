"""What a replay no longer sends: what its authors withdrew — a post, a comment, a
guestbook entry.

A replay (resume, catch-up) sends a tab what it missed, in order. When a post was made
and deleted while the tab was away, the replay holds the post's frame, maybe its
`comment`s and `like`s, then its `<kind>.deleted`; a deleted comment or guestbook entry
likewise holds its frame, then `comment.deleted` or `guestbook.deleted`. Sending the
first ones would show the tab, for an instant, what was withdrawn, and hand its text to
any program. So each of them goes out as the deletion it comes to, at its own
position: same `id`, `seq` and `ts`, so seqs stay contiguous and resume works unchanged.

Which frame is about what is `hub.subjects`'s to say; this module knows no kind of post.
Only deletions inside the replay count; it costs no store read. The replay's last frame
is never replaced (its deletion would come after it), so the frame a session keeps to
check its inbox after a Redis crash is always one the inbox holds.
"""

from __future__ import annotations

from typing import Any

import orjson

from hub.protocol import encode_event_body, event_of, frame_event
from hub.subjects import Ref, refs_of_event, withdrawn_by


def withdraw_deleted(frames: list[bytes]) -> list[bytes]:
    """`frames` with every frame about something a later frame deletes replaced by
    that deletion; the same list when nothing is deleted."""
    events = [event_of(frame) for frame in frames]
    if not any(event is not None and event.endswith(b".deleted") for event in events):
        return frames
    parsed: list[Any] = [orjson.loads(frame) if event is not None else None
                         for frame, event in zip(frames, events, strict=True)]
    deleted_at: dict[Ref, int] = {}
    for i, frame in enumerate(parsed):
        if frame is not None and (gone := withdrawn_by(frame["event"], frame["data"])):
            deleted_at[gone] = i
    if not deleted_at:
        return frames
    out = frames[:]
    for i, frame in enumerate(parsed):
        if frame is None or withdrawn_by(frame["event"], frame["data"]) is not None:
            continue
        later = [j for ref in refs_of_event(frame["event"], frame["data"])
                 if (j := deleted_at.get(ref, -1)) > i]
        if later:
            deletion = parsed[min(later)]
            out[i] = frame_event(frame["id"], frame["seq"], encode_event_body(
                deletion["event"], frame["ts"], deletion["data"]))
    return out
