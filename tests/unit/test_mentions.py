"""hub.mentions: which @usernames a text names."""

from __future__ import annotations

from hub.mentions import MAX_MENTIONS, mentioned


def test_mentions_are_usernames_after_an_at_sign_once_each_without_the_author() -> None:
    text = "@bob 和 @cat_9 一起，@bob 又来了；me@mail.com 不算，@ann 是我，@Bob 大写不算，@xy 太短"
    assert mentioned(text, author="ann") == ["bob", "cat_9"]
    assert mentioned("(@dan)、@eve！", author="x") == ["dan", "eve"]
    assert mentioned("a@bob", author="x") == []
    many = " ".join(f"@user{i:02d}" for i in range(MAX_MENTIONS + 5))
    assert len(mentioned(many, author="x")) == MAX_MENTIONS
