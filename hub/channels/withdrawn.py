"""What a replay no longer sends: the moods withdrawn by their authors.

A replay (resume, catch-up) sends a tab what it missed, in order. When a mood was
posted and deleted while the tab was away, the replay holds the `mood` frame, maybe
its `comment`s and `like`s, then `mood.deleted`. Sending the first ones would show the
tab, for an instant, what the author withdrew, and hand its text to any program. So
each of them goes out as the `mood.deleted` it comes to, at its own position: same
`id`, `seq` and `ts`, so seqs stay contiguous and resume works unchanged.

Only deletions inside the replay count; it costs no store read. The replay's last
frame is never replaced (its deletion would come after it), so the frame a session
keeps to check its inbox after a Redis crash is always one the inbox holds.
"""

from __future__ import annotations

from typing import Any

import orjson

from hub.protocol import encode_event_body, event_of, frame_event

_ABOUT_A_MOOD = (b"mood", b"comment", b"like")


def withdraw_deleted_moods(frames: list[bytes]) -> list[bytes]:
    """`frames` with every frame about a mood that a later frame deletes replaced by
    that `mood.deleted`; the same list when nothing is deleted."""
    events = [event_of(frame) for frame in frames]
    deleted_at = {orjson.loads(frames[i])["data"]["mood_id"]: i
                  for i, event in enumerate(events) if event == b"mood.deleted"}
    if not deleted_at:
        return frames
    out = frames[:]
    for i, frame in enumerate(frames):
        if events[i] not in _ABOUT_A_MOOD:
            continue
        parsed = orjson.loads(frame)
        mood_id = _mood_of(parsed["event"], parsed["data"])
        if mood_id is not None and deleted_at.get(mood_id, -1) > i:
            out[i] = frame_event(parsed["id"], parsed["seq"], encode_event_body(
                "mood.deleted", parsed["ts"], {"mood_id": mood_id}))
    return out


def _mood_of(event: str, data: Any) -> str | None:
    try:
        if event == "mood":
            return str(data["mood"]["id"])
        if event == "comment":
            return str(data["comment"]["mood_id"])
        return str(data["mood_id"])
    except (KeyError, TypeError):  # not one of ours (a producer's event): leave it
        return None
