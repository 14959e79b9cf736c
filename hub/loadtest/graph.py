"""The synthetic social graph of a load test, and who must receive what (DESIGN §3).

Users are `<prefix><index>`. Friendships follow a Chung-Lu model: each user gets a
weight w_i ∝ (i+1)^-0.5 and an edge joins two users with probability ∝ w_a·w_b, so
degrees are skewed like a real network (a few users with many friends, most near or
under the mean) while the mean stays at the requested K.
"""

from __future__ import annotations

import bisect
import itertools
import random
import statistics
from dataclasses import dataclass
from typing import Any

SKEW = 0.5

# The kinds of event the load tester generates; a tracked event's key is kind + data id.
MOOD, COMMENT, GIFT = "m", "c", "g"
KIND_NAMES = {MOOD: "mood", COMMENT: "comment", GIFT: "gift"}
EVENT_KIND = {"mood": MOOD, "comment": COMMENT, "gift": GIFT}


def user_name(prefix: str, index: int) -> str:
    return f"{prefix}{index}"


@dataclass
class Graph:
    prefix: str
    n: int
    friends: list[list[int]]

    def name(self, index: int) -> str:
        return user_name(self.prefix, index)

    def index(self, name: str) -> int:
        return int(name[len(self.prefix):])

    def edges(self) -> list[tuple[int, int]]:
        return [(a, b) for a, fs in enumerate(self.friends) for b in fs if a < b]

    def audience(self, kind: str, actor: int, target: int) -> set[int]:
        """Who must receive the event: a mood (public/friends) or a comment on one goes
        to the mood author and the author's friends (a commenter is always one of them
        here); a gift to sender and recipient."""
        if kind == GIFT:
            return {actor, target}
        author = actor if kind == MOOD else target
        return {author, *self.friends[author]}

    def degree_stats(self) -> dict[str, Any]:
        degrees = sorted(len(f) for f in self.friends)
        if not degrees:
            return {"mean": 0, "median": 0, "p99": 0, "max": 0, "min": 0}
        return {"mean": round(statistics.fmean(degrees), 2),
                "median": statistics.median(degrees),
                "p99": degrees[min(len(degrees) - 1, int(len(degrees) * 0.99))],
                "max": degrees[-1], "min": degrees[0]}


def build(prefix: str, n: int, k: float, seed: int) -> Graph:
    """N users with about K friends each on average, skewed."""
    rng = random.Random(seed)
    adjacency: list[set[int]] = [set() for _ in range(n)]
    if n < 2 or k <= 0:
        return Graph(prefix, n, [[] for _ in range(n)])
    target = min(round(n * k / 2), n * (n - 1) // 2)
    if n <= 3000 and target >= n * (n - 1) // 2 * 0.6:  # dense: sample from all pairs
        pairs = list(itertools.combinations(range(n), 2))
        for a, b in rng.sample(pairs, target):
            adjacency[a].add(b)
            adjacency[b].add(a)
        return Graph(prefix, n, [sorted(s) for s in adjacency])
    order = list(range(n))
    rng.shuffle(order)  # the heavy users are spread over the index range
    weights = [0.0] * n
    for rank, user in enumerate(order):
        weights[user] = (rank + 1) ** -SKEW
    cumulative = list(itertools.accumulate(weights))
    total = cumulative[-1]

    def pick() -> int:
        return min(bisect.bisect_left(cumulative, rng.random() * total), n - 1)

    edges, attempts = 0, 0
    while edges < target and attempts < target * 20:
        attempts += 1
        a, b = pick(), pick()
        if a == b or b in adjacency[a]:
            continue
        adjacency[a].add(b)
        adjacency[b].add(a)
        edges += 1
    while edges < target:  # saturated heavy users: fill uniformly
        a, b = rng.randrange(n), rng.randrange(n)
        if a != b and b not in adjacency[a]:
            adjacency[a].add(b)
            adjacency[b].add(a)
            edges += 1
    return Graph(prefix, n, [sorted(s) for s in adjacency])
