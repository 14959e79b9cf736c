"""DESIGN §4 and §6: bad input on an open socket gets a clear error and the same
connection keeps working; only a frame over the size limit closes it (1009).

Each test walks its cases on ONE connection and pings after every case, so "the
connection stays usable" is checked after each bad frame, not just at the end."""

from __future__ import annotations

from typing import Any

import pytest

from tests.core.conftest import MakeHub
from tests.core.support import Raw, account
from tests.harness import InProcessHub


@pytest.fixture
async def peer(hub: InProcessHub) -> Raw:
    _, token = await account(hub.url, "bad")
    raw, _ = await Raw.hello(hub.url, token)
    return raw


async def _refused(raw: Raw, frame: str | bytes | dict[str, Any], code: str,
                   ref: Any = None) -> dict[str, Any]:
    """Send `frame`; expect an error reply with `code` and `ref`, then prove the same
    connection still answers a ping."""
    await raw.send(frame)
    reply = await raw.reply()
    assert reply["ok"] is False, (frame, reply)
    assert reply["ref"] == ref, (frame, reply)
    assert reply["error"]["code"] == code, (frame, reply)
    assert isinstance(reply["error"]["message"], str) and reply["error"]["message"]
    await raw.ping()
    return reply


MALFORMED = [
    "this is not json",
    '{"op": "ping", ',  # truncated
    "",
    "[1, 2, 3]",  # a JSON array
    "[]",
    '"ping"',
    "42",
    "null",
    "[" * 5000 + "]" * 5000,  # nested past the parser's depth limit
    '{"op":"ping","data":{"x":1e400}}',  # a number JSON can write but not represent
]


async def test_malformed_frames_get_bad_request_with_null_ref(peer: Raw) -> None:
    for text in MALFORMED:
        reply = await _refused(peer, text, "bad_request", None)
        if text in ("[1, 2, 3]", "[]"):
            assert "object" in reply["error"]["message"]


async def test_object_without_op_echoes_its_ref(peer: Raw) -> None:
    reply = await _refused(peer, {"ref": "r1", "data": {}}, "bad_request", "r1")
    assert "op" in reply["error"]["message"]
    await _refused(peer, {"ref": 7}, "bad_request", 7)
    await _refused(peer, {}, "bad_request", None)


async def test_bad_op_or_data_shape_is_bad_request(peer: Raw) -> None:
    for frame in ({"op": 5, "ref": "r2"}, {"op": "", "ref": "r2"}, {"op": "x" * 65, "ref": "r2"},
                  {"op": ["ping"], "ref": "r2"}, {"op": "ping", "ref": "r2", "data": [1]},
                  {"op": "ping", "ref": "r2", "data": "text"}):
        await _refused(peer, frame, "bad_request", "r2")


async def test_unusable_ref_is_refused_with_null_ref(peer: Raw) -> None:
    for ref in ({"a": 1}, [1], True, 1.5, "r" * 65):
        await _refused(peer, {"op": "ping", "ref": ref}, "bad_request", None)
    # the longest string ref and integer refs are echoed
    for ref in ("r" * 64, 0, -3, 2**53):
        await peer.send({"op": "ping", "ref": ref})
        reply = await peer.reply()
        assert reply["ok"] is True and reply["ref"] == ref


async def test_unknown_op_echoes_the_ref(peer: Raw) -> None:
    reply = await _refused(peer, {"op": "mood.fly", "ref": "r9", "data": {}}, "unknown_op",
                           "r9")
    assert "mood.fly" in reply["error"]["message"]
    await _refused(peer, {"op": "__init__", "ref": 11}, "unknown_op", 11)


WRONG_TYPES: list[tuple[str, dict[str, Any]]] = [
    ("mood.post", {"text": 42}),
    ("mood.post", {"text": ["a"]}),
    ("mood.post", {}),
    ("mood.post", {"text": "   "}),
    ("mood.post", {"text": "ok", "visibility": 1}),
    ("mood.post", {"text": "ok", "visibility": "world"}),
    ("mood.post", {"text": "ok", "tag": 3}),
    ("mood.delete", {"mood_id": {"id": 1}}),
    ("mood.delete", {"mood_id": True}),
    ("mood.delete", {"mood_id": "1" * 21}),
    ("mood.delete", {"mood_id": "9" * 20}),  # past 64 bits
    ("mood.delete", {"mood_id": 2**63}),
    ("mood.delete", {"mood_id": "²"}),  # str.isdigit() says yes, int() says no
    ("comment.post", {"mood_id": "²", "text": "x"}),
    ("like", {"mood_id": "１２"}),  # full-width digits
    ("feed", {"before": "99999999999999999999"}),
    ("like", {"mood_id": "12a"}),
    ("comment.post", {"mood_id": "1", "text": None}),
    ("gift.send", {"to": 5, "gift": "rose"}),
    ("guestbook.post", {"to": "NOT a name", "text": "hi"}),
    ("space.get", {"user": None}),
    ("friend.request", {"to": ""}),
    ("feed", {"before": "yesterday"}),
]


async def test_wrong_types_in_data_are_bad_request(peer: Raw) -> None:
    for op, data in WRONG_TYPES:
        await _refused(peer, {"op": op, "ref": "t", "data": data}, "bad_request", "t")


async def test_over_long_text_is_too_large(peer: Raw) -> None:
    for op, data in (("mood.post", {"text": "x" * 2001}),
                     ("mood.post", {"text": "长" * 2001}),  # characters, not bytes
                     ("mood.post", {"text": "ok", "tag": "t" * 21}),
                     ("comment.post", {"mood_id": "1", "text": "x" * 1001}),
                     ("guestbook.post", {"to": "someone", "text": "x" * 501})):
        reply = await _refused(peer, {"op": op, "ref": "long", "data": data}, "too_large",
                               "long")
        assert "at most" in reply["error"]["message"]
    reply = await peer.request("mood.post", {"text": "长" * 2000})  # exactly at the limit
    assert reply["ok"] is True and len(reply["data"]["mood"]["text"]) == 2000


async def test_limit_out_of_range_is_bad_request(peer: Raw) -> None:
    bad: tuple[Any, ...] = (0, -1, 101, 10**30, "5", True, 2.5, [20])
    for limit in bad:
        await _refused(peer, {"op": "feed", "ref": "lim", "data": {"limit": limit}},
                       "bad_request", "lim")
    for fine in (1, 100, None):  # bounds and null (= default) are fine
        assert (await peer.request("feed", {"limit": fine}))["ok"] is True


async def test_invalid_unicode_is_refused(peer: Raw) -> None:
    await _refused(peer, '{"op":"mood.post","ref":"s","data":{"text":"a\\ud800b"}}',
                   "bad_request", None)


async def test_binary_frame_is_bad_request(peer: Raw) -> None:
    reply = await _refused(peer, b'{"op":"ping","ref":"b"}', "bad_request", None)
    assert "binary" in reply["error"]["message"]
    await _refused(peer, b"\x00\xff\x10", "bad_request", None)


async def test_many_bad_frames_in_a_row_leave_the_socket_usable(peer: Raw) -> None:
    for n in range(30):
        await peer.send(f"garbage {n}")
    for _ in range(30):
        assert (await peer.reply())["error"]["code"] == "bad_request"
    await peer.ping()


async def test_frame_over_the_limit_closes_1009(make_hub: MakeHub) -> None:
    hub = await make_hub(max_frame_bytes=4096)
    _, token = await account(hub.url, "big")
    raw, _ = await Raw.hello(hub.url, token)
    await raw.send({"op": "ping", "ref": "fits", "data": {"pad": "x" * 3000}})
    assert (await raw.reply())["ok"] is True
    await raw.send({"op": "ping", "ref": "big", "data": {"pad": "x" * 5000}})
    assert await raw.closed() == 1009
    # the binary kind too, on another connection
    raw, _ = await Raw.hello(hub.url, token)
    await raw.send(b"\x01" * 8192)
    assert await raw.closed() == 1009
    # and a message sent in fragments counts whole: small fragments, large message
    raw, _ = await Raw.hello(hub.url, token)
    await raw.ws.send(iter(['{"op":"ping","ref":"f","data":{"p":"', "x" * 1000, '"}}']))
    assert (await raw.reply())["ok"] is True
    await raw.ws.send(iter(['{"op":"ping","ref":"g","data":{"p":"', *["x" * 3000] * 10, '"}}']))
    assert await raw.closed() == 1009
    # the user can connect again and is served
    again, _ = await Raw.hello(hub.url, token)
    await again.ping()
    await again.close()


async def test_a_failing_handler_answers_internal_and_the_socket_lives(
        hub: InProcessHub, peer: Raw, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*args: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(hub.node.store, "add_mood", broken)
    reply = await _refused(peer, {"op": "mood.post", "ref": "f", "data": {"text": "hi"}},
                           "internal", "f")
    assert "disk on fire" not in reply["error"]["message"]
    monkeypatch.undo()
    assert (await peer.request("mood.post", {"text": "hi"}))["ok"] is True


# Text that shows nothing (issue #18): accepted before as a mood, a comment or a
# guestbook entry, and as a display name; the bidi override made "alice" read backwards.
INVISIBLE = ["   ", "\u200b\u200b\u200b", "\u200d", "\ufeff", "\x00" * 8, "\u3164",
             "\u2800\u2800", "\u202e", " \t\u200c\n", "\u034f"]


@pytest.fixture
async def busy_peer(make_hub: MakeHub) -> tuple[Raw, InProcessHub]:
    """A peer with room for many cases (each refusal spends an op, as any op does)."""
    hub = await make_hub(ops_per_second=1000, ops_burst=1000, user_ops_per_second=1000,
                         user_ops_burst=1000)
    _, token = await account(hub.url, "many")
    raw, _ = await Raw.hello(hub.url, token)
    return raw, hub


async def test_text_that_shows_nothing_is_refused_and_nothing_is_posted(
        busy_peer: tuple[Raw, InProcessHub]) -> None:
    peer, hub = busy_peer
    other, _ = await account(hub.url, "blank")
    mood = (await peer.request("mood.post", {"text": "可见"}))["data"]["mood"]
    for text in INVISIBLE:
        for op, data in [("mood.post", {"text": text}),
                         ("comment.post", {"mood_id": mood["id"], "text": text}),
                         ("guestbook.post", {"to": other, "text": text})]:
            reply = await _refused(peer, {"op": op, "ref": "t", "data": data}, "bad_request",
                                   "t")
            assert "'text'" in reply["error"]["message"], (op, repr(text))
    space = (await peer.request("space.get", {"user": other}))["data"]
    assert space["guestbook"] == []
    feed = (await peer.request("feed"))["data"]["items"]
    assert [m["id"] for m in feed] == [mood["id"]] and feed[0]["comment_count"] == 0
    # Visible text with zero-width joiners (emoji sequences) and line breaks is fine.
    for text in ["👨\u200d👩\u200d👧", "第一行\n第二行", "\u200ba"]:
        assert (await peer.request("mood.post", {"text": text}))["ok"] is True


async def test_display_names_refuse_control_and_direction_characters(
        busy_peer: tuple[Raw, InProcessHub]) -> None:
    peer, _ = busy_peer
    for name in [*INVISIBLE, "al\u202eice", "bob\u2066", "eve\x07", "\u200fmallory"]:
        await _refused(peer, {"op": "space.update", "ref": "n",
                              "data": {"display_name": name}}, "bad_request", "n")
    reply = await peer.request("space.update", {"display_name": "  小美 👩\u200d🎨  "})
    assert reply["data"]["profile"]["display_name"] == "小美 👩\u200d🎨"
