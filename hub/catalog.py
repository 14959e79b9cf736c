"""What levels unlock: the gift catalog, skins, music and head portraits.

Static data, pure lookups. `min_level` is checked by the handlers.
"""

from __future__ import annotations

from typing import TypedDict


class Unlockable(TypedDict):
    id: str
    name: str
    min_level: int


class GiftItem(Unlockable):
    animation: str


GIFTS: list[GiftItem] = [
    GiftItem(id="rose", name="玫瑰 Rose", min_level=1, animation="rose"),
    GiftItem(id="cake", name="蛋糕 Cake", min_level=1, animation="cake"),
    GiftItem(id="balloon", name="气球 Balloon", min_level=1, animation="balloon"),
    GiftItem(id="teddy", name="小熊 Teddy", min_level=2, animation="teddy"),
    GiftItem(id="fireworks", name="烟花 Fireworks", min_level=3, animation="fireworks"),
    GiftItem(id="star", name="星星 Star", min_level=4, animation="star"),
    GiftItem(id="crown", name="皇冠 Crown", min_level=5, animation="crown"),
    GiftItem(id="rocket", name="火箭 Rocket", min_level=6, animation="rocket"),
]
GIFTS_BY_ID: dict[str, GiftItem] = {g["id"]: g for g in GIFTS}

SKINS: list[Unlockable] = [
    Unlockable(id="classic", name="经典 Classic", min_level=1),
    Unlockable(id="sakura", name="樱花 Sakura", min_level=1),
    Unlockable(id="ocean", name="海洋 Ocean", min_level=2),
    Unlockable(id="forest", name="森林 Forest", min_level=3),
    Unlockable(id="night", name="星夜 Starry night", min_level=4),
    Unlockable(id="gold", name="金色 Gold", min_level=6),
]
SKINS_BY_ID = {s["id"]: s for s in SKINS}

MUSIC: list[Unlockable] = [
    Unlockable(id="none", name="无 None", min_level=1),
    Unlockable(id="twinkle", name="小星星 Twinkle", min_level=1),
    Unlockable(id="birthday", name="生日快乐 Happy birthday", min_level=2),
    Unlockable(id="jasmine", name="茉莉花 Jasmine", min_level=3),
    Unlockable(id="canon", name="卡农 Canon", min_level=5),
]
MUSIC_BY_ID = {m["id"]: m for m in MUSIC}

HEAD_PORTRAITS: list[str] = ["cat", "dog", "panda", "rabbit", "fox", "penguin", "tiger", "bear"]
