"""hub.policy: the rules are consistent with each other over random friend graphs,
groups, settings and blocks (hypothesis), and settings refuse what they do not know."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.errors import OpError
from hub.policy import (
    Groups,
    SpaceSettings,
    Ties,
    audience,
    may_comment,
    may_enter,
    may_reach,
    may_read,
    may_see,
    may_see_visitors,
    may_write_guestbook,
    parse_visibility,
    updated_settings,
)

USERS = ["ann", "bob", "cat", "dan", "eve", "fay"]
GROUPS = ["同学", "同事", "家人"]

settings_st = st.builds(
    SpaceSettings,
    space=st.sampled_from(["everyone", "friends", "me"]),
    guestbook=st.sampled_from(["everyone", "friends", "nobody"]),
    visitors=st.sampled_from(["everyone", "friends", "me"]),
    comments=st.sampled_from(["everyone", "friends"]),
    record_visits=st.booleans())
visibility_st = st.one_of(
    st.sampled_from(["public", "friends", "private"]),
    st.builds(lambda names: Groups(frozenset(names)),
              st.sets(st.sampled_from(GROUPS), min_size=1)))


@st.composite
def worlds(draw: st.DrawFn) -> tuple[set[str], dict[str, set[str]], set[str]]:
    """ann's friends, her groups (members may have stopped being friends), her blocks."""
    others = USERS[1:]
    friends = draw(st.sets(st.sampled_from(others)))
    groups = {g: draw(st.sets(st.sampled_from(others))) for g in GROUPS}
    blocked = draw(st.sets(st.sampled_from(others))) - friends  # a block ends a friendship
    return friends, groups, blocked


def ties(viewer: str, friends: set[str], groups: dict[str, set[str]], blocked: set[str]
         ) -> Ties:
    return Ties(owner="ann", viewer=viewer, friends=viewer in friends,
                blocked=viewer in blocked,
                groups=frozenset(g for g, members in groups.items() if viewer in members))


@given(worlds(), visibility_st)
def test_the_audience_is_exactly_who_may_see_among_the_author_and_friends(
        world: tuple[set[str], dict[str, set[str]], set[str]], visibility: object) -> None:
    friends, groups, blocked = world
    reached = audience("ann", visibility, friends, members=groups, blocked=blocked)  # type: ignore[arg-type]
    for viewer in ["ann", *friends]:
        assert (viewer in reached) == may_see(visibility, ties(viewer, *world)), viewer  # type: ignore[arg-type]
    assert reached <= {"ann", *friends}  # never a stranger, whatever they may read


@given(worlds(), visibility_st, settings_st, st.sampled_from(USERS))
def test_rules_imply_each_other(world: tuple[set[str], dict[str, set[str]], set[str]],
                                visibility: object, settings: SpaceSettings,
                                viewer: str) -> None:
    t = ties(viewer, *world)
    if may_comment(settings, visibility, t):  # type: ignore[arg-type]
        assert may_read(settings, visibility, t)  # type: ignore[arg-type]
    if may_read(settings, visibility, t):  # type: ignore[arg-type]
        assert may_see(visibility, t) and may_enter(settings, t)  # type: ignore[arg-type]
    if may_write_guestbook(settings, t) or may_see_visitors(settings, t):
        assert may_enter(settings, t)
    if viewer == "ann":  # the owner may do everything in her own space but gift herself
        assert may_enter(settings, t) and may_write_guestbook(settings, t)
        assert may_see(visibility, t) and not may_reach(t)  # type: ignore[arg-type]
    if t.blocked:  # a blocked user may do nothing at all
        assert not any((may_enter(settings, t), may_see(visibility, t),  # type: ignore[arg-type]
                        may_comment(settings, visibility, t), may_reach(t),  # type: ignore[arg-type]
                        may_write_guestbook(settings, t)))
    if not t.friends and viewer != "ann":
        assert may_see(visibility, t) == (visibility == "public" and not t.blocked)


def test_visibility_and_settings_refuse_what_they_do_not_know() -> None:
    assert parse_visibility(None) == "friends"
    assert parse_visibility({"groups": [" 同学 ", "同事"]}) == Groups(frozenset({"同学", "同事"}))
    for bad in ["everyone", {"groups": []}, {"groups": "同学"}, {"groups": [""]},
                {"groups": ["a"], "x": 1}, 3]:
        with pytest.raises(OpError, match="visibility"):
            parse_visibility(bad)
    base = SpaceSettings()
    assert updated_settings(base, {"space": "friends"}).space == "friends"
    with pytest.raises(OpError, match="unknown setting"):
        updated_settings(base, {"skin": "x"})
    with pytest.raises(OpError, match="'guestbook' must be one of: everyone, friends, nobody"):
        updated_settings(base, {"guestbook": "me"})
    with pytest.raises(OpError, match="record_visits"):
        updated_settings(base, {"record_visits": 1})
