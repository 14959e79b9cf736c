"""The rules of `users.search` both engines follow (hub/store/usersearch.py), no I/O."""

from __future__ import annotations

import sqlite3

from hub.store import usersearch


def test_ascii_lower_folds_a_to_z_only_as_sqlite_does() -> None:
    text = "Ölfarbe ÄB İstanbul MIXED_case 林晓"
    assert usersearch.ascii_lower(text) == "Ölfarbe Äb İstanbul mixed_case 林晓"
    db = sqlite3.connect(":memory:")
    assert db.execute("SELECT lower(?)", (text,)).fetchone()[0] == usersearch.ascii_lower(text)


def test_upper_bound_is_just_above_every_string_with_the_prefix() -> None:
    assert usersearch.upper_bound("ab") == "ac"
    assert usersearch.upper_bound("林") == chr(ord("林") + 1)
    assert usersearch.upper_bound("a\ud7ff") == "a\ue000"  # past the surrogates
    assert usersearch.upper_bound("a\U0010ffff") == "b"
    assert usersearch.upper_bound("") is None
    assert usersearch.upper_bound("\U0010ffff") is None
    for prefix in ("ab", "林", "a\ud7ff"):
        bound = usersearch.upper_bound(prefix)
        assert bound is not None
        for tail in ("", "\x00", "z", "\U0010ffff", "\ud7ff"):
            assert prefix + tail < bound
            assert (prefix + tail).encode("utf-8", "surrogatepass") < bound.encode()


def test_index_members_name_their_user() -> None:
    member = usersearch.name_member("Bob Lee", "bob_1")
    assert member == "bob lee\x00bob_1"
    assert usersearch.username_of(member) == "bob_1"


def test_merged_is_each_user_once_sorted_and_cut() -> None:
    assert usersearch.merged(["mu", "mz"], ["qq", "mu", "ab"], limit=3) == ["ab", "mu", "mz"]
    assert usersearch.merged(["b"], ["a"], limit=-1) == ["a", "b"]
