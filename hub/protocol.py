"""Wire protocol v1, pure: parse incoming frames, encode outgoing ones to bytes.

Nothing here does I/O. An event is encoded once, at its producer, into a *body*
(`{"event","ts","data"}`); each recipient's frame is that body behind a short
per-recipient prefix carrying `id` and `seq`, so framing never re-serialises the
payload. See docs/protocol.md for the user-facing reference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from hub.errors import ErrorCode

PROTOCOL_VERSION = 1

_EVENT_PREFIX = b'{"type":"event","id":"'
_SEQ_MARK = b'"seq":'
_EVENT_MARK = b',"event":"'  # right after the seq: the body's first key


@dataclass(frozen=True, slots=True)
class Request:
    op: str
    ref: Any
    data: dict[str, Any]


class FrameError(Exception):
    """A frame that is not a request; answered with `bad_request` and `ref`."""

    def __init__(self, message: str, ref: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.ref = ref


def _valid_ref(ref: Any) -> bool:
    return ref is None or (isinstance(ref, str) and len(ref) <= 64) or (
        isinstance(ref, int) and not isinstance(ref, bool)
    )


def parse_frame(raw: str | bytes) -> Request:
    """Turn one text frame into a `Request`, or raise `FrameError`."""
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise FrameError(f"frame is not valid JSON: {exc.args[0]}") from None
    if not isinstance(obj, dict):
        raise FrameError(f"frame must be a JSON object, got {type(obj).__name__}")
    ref = obj.get("ref")
    if not _valid_ref(ref):
        raise FrameError("ref must be a string of at most 64 characters, an integer or null")
    op = obj.get("op")
    if op is None:
        raise FrameError("frame has no 'op'", ref)
    if not isinstance(op, str) or not op or len(op) > 64:
        raise FrameError("'op' must be a non-empty string", ref)
    data = obj.get("data", {})
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FrameError("'data' must be a JSON object", ref)
    return Request(op=op, ref=ref, data=data)


def dumps(obj: Any) -> bytes:
    return orjson.dumps(obj)


def encode_reply(ref: Any, data: Any) -> bytes:
    return orjson.dumps({"type": "reply", "ref": ref, "ok": True, "data": data})


def encode_error(ref: Any, code: ErrorCode | str, message: str) -> bytes:
    return orjson.dumps(
        {"type": "reply", "ref": ref, "ok": False, "error": {"code": str(code), "message": message}}
    )


def encode_hello(data: dict[str, Any]) -> bytes:
    return orjson.dumps({"type": "hello", "data": data})


def encode_notify(ts: int, unread: int, *, note: Any = None,
                  withdrawn: list[str] | None = None) -> bytes:
    """与我相关's live count for every tab of one user: a live-only `notify` event (no
    id, no seq: the notifications themselves are kept by the store, not the inbox),
    with the note that was added or the causes that were withdrawn."""
    data: dict[str, Any] = {"unread": unread}
    if note is not None:
        data["note"] = note
    if withdrawn:
        data["withdrawn"] = withdrawn
    return frame_live_only(encode_event_body("notify", ts, data))


def encode_presence(user: str, online: bool) -> bytes:
    return orjson.dumps({"type": "presence", "data": {"user": user, "online": online}})


REVOKED_PREFIX = b'{"type":"revoked"'


def encode_revoked(login: str) -> bytes:
    """Node-to-node signal on a user's live channel: close that login's connections.
    Never forwarded to clients."""
    return orjson.dumps({"type": "revoked", "data": {"login": login}})


def encode_revoked_all(keep: str = "") -> bytes:
    """Node-to-node signal on a user's live channel: close the connections of every
    login of the user except `keep` (a login id; "" keeps none). Never forwarded."""
    return orjson.dumps({"type": "revoked", "data": {"all": True, "keep": keep}})


def revoked_login(frame: bytes) -> str | None:
    if not frame.startswith(REVOKED_PREFIX):
        return None
    login = orjson.loads(frame)["data"].get("login")
    return login if isinstance(login, str) else None


def revokes(frame: bytes) -> Callable[[str], bool]:
    """Which logins a `revoked` signal ends, as a test of a login id."""
    data = orjson.loads(frame)["data"] if frame.startswith(REVOKED_PREFIX) else {}
    if data.get("all") is True:
        keep = data.get("keep") or None
        return lambda login: login != keep
    ended = data.get("login")
    return lambda login: isinstance(ended, str) and login == ended


def encode_heartbeat(ts: int) -> bytes:
    return orjson.dumps({"type": "heartbeat", "data": {"ts": ts}})


def encode_event_body(event: str, ts: int, data: Any) -> bytes:
    """The recipient-independent part of an event, serialised once."""
    return orjson.dumps({"event": event, "ts": ts, "data": data})


def frame_event(event_id: str, seq: int, body: bytes) -> bytes:
    """One recipient's frame: the shared body behind `type`, `id` and `seq`."""
    return b"".join(
        (_EVENT_PREFIX, event_id.encode(), b'","seq":', str(seq).encode(), b",", body[1:])
    )


def frame_live_only(body: bytes) -> bytes:
    """An event for a recipient whose inbox must not keep it (from someone who is not
    their friend): the shared body behind `type` alone — no `id`, no `seq`, so it is
    never replayed and can evict nothing from the inbox."""
    return b'{"type":"event",' + body[1:]


def seq_of(frame: bytes) -> int | None:
    """The `seq` of an event frame built by `frame_event`, without parsing it all;
    None for frames that carry none (presence, heartbeat)."""
    if not frame.startswith(_EVENT_PREFIX):
        return None
    start = frame.find(_SEQ_MARK, len(_EVENT_PREFIX))
    if start < 0:
        return None
    start += len(_SEQ_MARK)
    end = frame.find(b",", start)
    return int(frame[start:end])


def event_of(frame: bytes) -> bytes | None:
    """The event name of an event frame built by `frame_event` (it follows the seq),
    without parsing it all; None for frames that carry none."""
    if not frame.startswith(_EVENT_PREFIX):
        return None
    start = frame.find(_SEQ_MARK, len(_EVENT_PREFIX))
    if start < 0:
        return None
    start = frame.find(_EVENT_MARK, start)
    if start < 0:
        return None
    start += len(_EVENT_MARK)
    return frame[start:frame.find(b'"', start)]


def epoch_of(frame: bytes) -> str | None:
    """The epoch in the id of an event frame built by `frame_event`; None otherwise."""
    if not frame.startswith(_EVENT_PREFIX):
        return None
    end = frame.find(b":", len(_EVENT_PREFIX))
    return frame[len(_EVENT_PREFIX):end].decode() if end > 0 else None


def epoch_mark(epoch: str) -> bytes:
    """What every event frame of `epoch` starts with (any event frame's start when
    `epoch` is empty): a frame's epoch checked with one `startswith`."""
    return _EVENT_PREFIX + epoch.encode() + b":" if epoch else _EVENT_PREFIX


def make_event_id(epoch: str, seq: int) -> str:
    return f"{epoch}:{seq}"


def parse_event_id(event_id: str) -> tuple[str, int] | None:
    """Split an inbox id into (epoch, seq); None when it is not one of ours."""
    epoch, sep, seq = event_id.rpartition(":")
    # ASCII digits only: str.isdigit() also admits "²" (int() refuses it) and "１２"
    if (not sep or not epoch or not seq.isascii() or not seq.isdigit()
            or len(seq) > 19):  # a seq is a 64-bit counter; longer is not one of ours
        return None
    return epoch, int(seq)
