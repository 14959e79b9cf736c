"""Levels: the point table, daily caps and the QQ-style ladder, in one place.

Pure arithmetic; the store keeps the running totals and per-day counters.
docs/levels.md shows the same table — change both together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict


@dataclass(frozen=True)
class Award:
    points: int
    daily_cap: int  # most points this action may earn one user in one UTC day


# action name → points each time, capped per day.
POINTS: dict[str, Award] = {
    "mood.post": Award(points=3, daily_cap=15),  # posting a mood
    "blog.post": Award(points=5, daily_cap=15),  # writing a blog
    "comment.post": Award(points=1, daily_cap=10),  # commenting on someone's mood
    "comment.received": Award(points=2, daily_cap=20),  # being commented on
    "gift.received": Award(points=5, daily_cap=25),  # receiving a gift
    "gift.sent": Award(points=1, daily_cap=5),
    "guestbook.post": Award(points=1, daily_cap=5),
    "visit.received": Award(points=1, daily_cap=10),  # a visit to your space
}

MAX_LEVEL = 256


def threshold(level: int) -> int:
    """Total points needed to reach `level` (level 1 needs none).

    Grows quadratically, like QQ's active-days ladder: 10, 30, 60, 100, ...
    """
    return 5 * (level - 1) * level


def level_for(points: int) -> int:
    level = 1
    while level < MAX_LEVEL and points >= threshold(level + 1):
        level += 1
    return level


class Icons(TypedDict):
    crowns: int
    suns: int
    moons: int
    stars: int


def icons(level: int) -> Icons:
    """4 stars make a moon, 4 moons a sun, 4 suns a crown."""
    return Icons(crowns=level // 64, suns=level % 64 // 16, moons=level % 16 // 4, stars=level % 4)


class LevelInfo(TypedDict):
    level: int
    points: int
    icons: Icons
    next: int | None  # points still needed for the next level


def info(points: int) -> LevelInfo:
    level = level_for(points)
    nxt = None if level >= MAX_LEVEL else threshold(level + 1) - points
    return LevelInfo(level=level, points=points, icons=icons(level), next=nxt)


def granted(action: str, earned_today: int) -> int:
    """Points `action` earns now, given what it already earned today."""
    award = POINTS[action]
    return max(0, min(award.points, award.daily_cap - earned_today))
