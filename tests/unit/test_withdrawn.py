"""`withdraw_deleted`: a replay does not send again what an author withdrew."""

from __future__ import annotations

from typing import Any

import orjson

from hub.channels.withdrawn import withdraw_deleted
from hub.protocol import encode_event_body, frame_event


def _frame(seq: int, event: str, data: Any, ts: int = 0) -> bytes:
    return frame_event(f"e:{seq}", seq, encode_event_body(event, ts or 1000 + seq, data))


def _mood(seq: int, mood_id: str, text: str = "悄悄话") -> bytes:
    return _frame(seq, "mood", {"mood": {"id": mood_id, "author": "ann", "text": text}})


def test_frames_about_a_mood_deleted_later_become_its_deletion_in_place() -> None:
    frames = [
        _mood(1, "7"),
        _frame(2, "comment", {"comment": {"id": "1", "mood_id": "7", "text": "嗯"},
                              "mood_author": "ann"}),
        _mood(3, "8", "留下"),
        _frame(4, "like", {"mood_id": "7", "mood_author": "ann", "user": "bob",
                           "likes": 1, "liked": True}),
        _frame(5, "mood.deleted", {"mood_id": "7"}),
    ]
    out = withdraw_deleted(frames)
    for seq in (1, 2, 4):
        assert orjson.loads(out[seq - 1]) == {
            "type": "event", "id": f"e:{seq}", "seq": seq, "event": "mood.deleted",
            "ts": 1000 + seq, "data": {"mood_id": "7"}}  # the deletion's own data
    assert out[2] == frames[2] and out[4] == frames[4]
    assert not any("悄悄话" in f.decode() or "嗯" in f.decode() for f in out)


def test_nothing_deleted_is_the_same_list_untouched() -> None:
    frames = [_mood(1, "7"), _frame(2, "gift", {"gift": {"id": "1"}})]
    assert withdraw_deleted(frames) is frames
    assert withdraw_deleted([]) == []


def test_only_frames_before_the_deletion_and_of_that_mood_are_replaced() -> None:
    frames = [_frame(1, "mood.deleted", {"mood_id": "7"}), _mood(2, "7")]
    assert withdraw_deleted(frames) == frames  # an id reused after: not withdrawn
    other = [_mood(1, "70"), _frame(2, "mood.deleted", {"mood_id": "7"})]
    assert withdraw_deleted(other) == other


def test_user_text_that_spells_a_deletion_is_no_deletion() -> None:
    frames = [_mood(1, "7", '","event":"mood.deleted","data":{"mood_id":"7"}'),
              _frame(2, "x.note", {"mood_id": "7", "event": "mood.deleted"})]
    assert withdraw_deleted(frames) is frames


def test_the_last_frame_is_never_replaced() -> None:
    frames = [_mood(1, "7"), _frame(2, "mood.deleted", {"mood_id": "7"}), _mood(3, "9")]
    assert withdraw_deleted(frames)[-1] == frames[-1]


def test_a_producers_event_shaped_otherwise_is_left_alone() -> None:
    frames = [_frame(1, "like", {"likes": 3}), _frame(2, "mood.deleted", {"mood_id": "7"})]
    assert withdraw_deleted(frames) == frames


def test_any_kind_of_post_is_withdrawn_by_its_own_deletion_only() -> None:
    """Subjects, not mood ids: blog 7's deletion withdraws blog 7's comment and like,
    never mood 7's."""
    frames = [
        _mood(1, "7"),
        _frame(2, "comment", {"comment": {"id": "1", "kind": "blog", "blog_id": "7",
                                          "text": "写得好"}, "owner": "ann"}),
        _frame(3, "like", {"kind": "blog", "blog_id": "7", "owner": "ann", "user": "bob"}),
        _frame(4, "comment", {"comment": {"id": "2", "kind": "mood", "mood_id": "7",
                                          "text": "留着"}, "mood_author": "ann"}),
        _frame(5, "blog.deleted", {"kind": "blog", "blog_id": "7"}),
    ]
    out = withdraw_deleted(frames)
    assert [orjson.loads(f)["event"] for f in out] == [
        "mood", "blog.deleted", "blog.deleted", "comment", "blog.deleted"]
    assert orjson.loads(out[1])["data"] == {"kind": "blog", "blog_id": "7"}
    assert out[0] == frames[0] and out[3] == frames[3]


def test_a_deleted_comment_or_guestbook_entry_is_withdrawn_too() -> None:
    frames = [
        _mood(1, "7", "留下"),
        _frame(2, "comment", {"comment": {"id": "12", "kind": "mood", "mood_id": "7",
                                          "text": "说错了"}, "owner": "ann"}),
        _frame(3, "comment", {"comment": {"id": "13", "kind": "mood", "mood_id": "7",
                                          "text": "这条留着"}, "owner": "ann"}),
        _frame(4, "guestbook", {"entry": {"id": "5", "owner": "ann", "text": "广告"}}),
        _frame(5, "comment.deleted", {"comment_id": "12", "kind": "mood", "mood_id": "7",
                                      "owner": "ann"}),
        _frame(6, "guestbook.deleted", {"entry_id": "5", "owner": "ann"}),
    ]
    out = withdraw_deleted(frames)
    assert [orjson.loads(f)["event"] for f in out] == [
        "mood", "comment.deleted", "comment", "guestbook.deleted", "comment.deleted",
        "guestbook.deleted"]
    assert orjson.loads(out[1])["data"]["comment_id"] == "12"
    assert out[2] == frames[2] and "说错了" not in out[1].decode() and "广告" not in b"".join(
        out).decode()
