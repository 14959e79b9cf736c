"""The owner's say in the browser (issue #19): the guestbook's delete, 悄悄话 and 主人回复
live on every open page; a comment deleted by the post's owner leaving a friend's feed;
空间设置 (the guestbook setting refusing a stranger with the hub's words, a space closed
by its owner); 拉黑 from a space page; 今日访客 / 总访客 and a hidden visitor list; and
who liked a mood ("… 觉得很赞")."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import Kit, User, skip_without_chromium
from tests.e2e.helpers import by_user, feed_loaded, mood

pytestmark = [pytest.mark.e2e, skip_without_chromium]

PHONE = {"width": 390, "height": 844}
VIEWPORTS = [None, PHONE]
VIEWPORT_IDS = ["desktop", "phone"]


def entry(page: Page, text: str) -> Locator:
    """A guestbook entry on the open space page, by its text."""
    return page.get_by_test_id("guestbook-entry").filter(
        has=page.get_by_test_id("guestbook-text").get_by_text(text, exact=True))


def confirm(page: Page) -> None:
    dialog = page.get_by_test_id("confirm-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_test_id("confirm-ok").click()
    expect(dialog).to_be_hidden()


def open_page(kj: Kit, user: User, path: str, viewport: dict[str, int] | None = None) -> Page:
    return kj.page(user, path, **({"viewport": viewport} if viewport else {}))


def test_the_owner_deletes_a_strangers_entry_and_it_vanishes_from_the_strangers_page(
        kj: Kit) -> None:
    """A stranger signs A's guestbook and keeps the page open; A deletes the entry from
    A's own space (a first Cancel keeps it, focus back on the button): it is gone from
    both pages at once, and stays gone after the stranger reloads."""
    a, s = kj.user("a"), kj.user("s", display_name="路人甲 Passer-by")
    pa = kj.page(a, "/#/space/me")
    ps = kj.page(s, f"/#/space/{a.name}")
    expect(ps.get_by_test_id("guestbook-empty")).to_be_visible()
    ps.get_by_test_id("guestbook-input").fill("加我看看新品 spam")
    ps.get_by_test_id("guestbook-submit").click()
    expect(entry(ps, "加我看看新品 spam")).to_be_visible()
    mine = entry(pa, "加我看看新品 spam")
    expect(mine).to_contain_text("路人甲 Passer-by")  # live on the owner's page
    # The writer may delete their own entry; the owner any.
    expect(entry(ps, "加我看看新品 spam").get_by_test_id("guestbook-delete")).to_be_visible()

    delete = mine.get_by_test_id("guestbook-delete")
    delete.click()
    dialog = pa.get_by_test_id("confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_test_id("confirm-text")).to_contain_text("加我看看新品 spam")
    dialog.get_by_test_id("confirm-cancel").click()
    expect(dialog).to_be_hidden()
    expect(delete).to_be_focused()
    expect(mine).to_be_visible()

    delete.click()
    confirm(pa)
    expect(entry(pa, "加我看看新品 spam")).to_have_count(0)
    expect(pa.get_by_test_id("guestbook-list")).to_be_focused()  # not lost on <body>
    expect(entry(ps, "加我看看新品 spam")).to_have_count(0)
    expect(ps.get_by_test_id("guestbook-empty")).to_be_visible()
    expect(pa.get_by_test_id("guestbook-empty")).to_be_visible()
    ps.reload()
    expect(ps.get_by_test_id("guestbook")).to_be_visible()
    expect(entry(ps, "加我看看新品 spam")).to_have_count(0)


def test_a_comment_deleted_by_the_posts_owner_leaves_a_friends_open_feed(kj: Kit) -> None:
    """B commented on A's mood. A (on a phone) deletes it: it leaves C's open feed, B's
    open page of A's space and A's own card, each count one less; C, neither author nor
    owner, has no delete control on it."""
    a, b, c = kj.user("a"), kj.user("b", display_name="评论者 Bo"), kj.user("c")
    kj.befriend(a, b)
    kj.befriend(a, c)
    mood_id = kj.api.op(a, "mood.post", {"text": "周末去哪儿 weekend?"})["mood"]["id"]
    kj.api.op(b, "comment.post", {"mood_id": mood_id, "text": "说错话了 oops"})
    kj.api.op(c, "comment.post", {"mood_id": mood_id, "text": "爬山吧 hiking"})
    pc = kj.page(c)
    feed_loaded(pc)
    pb = kj.page(b, f"/#/space/{a.name}")
    pa = kj.page(a, viewport=PHONE, has_touch=True)
    feed_loaded(pa)
    cards = [mood(pc, mood_id), mood(pb, mood_id), mood(pa, mood_id)]
    for card in cards:
        expect(card.get_by_test_id("comment")).to_have_count(2)
        expect(card.get_by_test_id("comment-count")).to_have_text("2")
    bad = mood(pc, mood_id).get_by_test_id("comment").filter(has_text="说错话了 oops")
    expect(bad.get_by_test_id("comment-delete")).to_have_count(0)  # C's view: not C's
    own = mood(pc, mood_id).get_by_test_id("comment").filter(has_text="爬山吧 hiking")
    expect(own.get_by_test_id("comment-delete")).to_be_visible()  # C's own comment

    target = mood(pa, mood_id).get_by_test_id("comment").filter(has_text="说错话了 oops")
    target.get_by_test_id("comment-delete").click()
    confirm(pa)
    expect(mood(pa, mood_id).get_by_test_id("comment-btn")).to_be_focused()
    for card in cards:
        expect(card.get_by_test_id("comment").filter(has_text="说错话了 oops")).to_have_count(0)
        expect(card.get_by_test_id("comment")).to_have_count(1)
        expect(card.get_by_test_id("comment-count")).to_have_text("1")
    pc.reload()
    feed_loaded(pc)
    expect(mood(pc, mood_id).get_by_test_id("comment")).to_have_count(1)
    expect(mood(pc, mood_id).get_by_test_id("comment-count")).to_have_text("1")


def test_a_private_entry_is_shown_to_its_author_and_the_owner_only(kj: Kit) -> None:
    """B ticks 悄悄话 and writes in A's guestbook: A's open page and B's show it marked
    🔒; C, a third user (even A's friend), sees only the public entry; the tick does
    not stick to B's next message."""
    a, b, c = kj.user("a"), kj.user("b"), kj.user("c")
    kj.befriend(a, c)
    kj.api.op(c, "guestbook.post", {"to": a.name, "text": "公开的留言 public"})
    pa = kj.page(a, "/#/space/me")
    pb = kj.page(b, f"/#/space/{a.name}")
    pb.get_by_test_id("guestbook-input").fill("生日快乐，别告诉别人")
    pb.get_by_test_id("guestbook-private-input").check()
    pb.get_by_test_id("guestbook-submit").click()
    expect(pb.get_by_test_id("guestbook-private-input")).not_to_be_checked()
    for page in (pa, pb):
        secret = entry(page, "生日快乐，别告诉别人")
        expect(secret.get_by_test_id("guestbook-private")).to_contain_text("悄悄话")
        expect(secret).to_have_attribute("data-private", "true")
        public = entry(page, "公开的留言 public")
        expect(public.get_by_test_id("guestbook-private")).to_have_count(0)

    pc = kj.page(c, f"/#/space/{a.name}")
    expect(entry(pc, "公开的留言 public")).to_be_visible()
    expect(entry(pc, "生日快乐，别告诉别人")).to_have_count(0)
    expect(pc.get_by_test_id("guestbook-entry")).to_have_count(1)
    pb.reload()
    expect(entry(pb, "生日快乐，别告诉别人").get_by_test_id("guestbook-private")).to_be_visible()


def test_the_owners_reply_appears_live_on_the_authors_page(kj: Kit) -> None:
    """A stranger's entry; A answers it from A's space (主人回复): the answer appears
    under the entry on the stranger's open page, and a rewrite replaces it there; the
    stranger is notified. Only the owner has the reply button."""
    a, s = kj.user("a", display_name="主人 Host"), kj.user("s")
    kj.api.op(s, "guestbook.post", {"to": a.name, "text": "来踩踩 hello"})
    ps = kj.page(s, f"/#/space/{a.name}")
    pa = kj.page(a, "/#/space/me")
    theirs = entry(ps, "来踩踩 hello")
    expect(theirs).to_be_visible()
    expect(theirs.get_by_test_id("guestbook-reply-btn")).to_have_count(0)
    expect(theirs.get_by_test_id("guestbook-reply")).to_be_hidden()

    mine = entry(pa, "来踩踩 hello")
    mine.get_by_test_id("guestbook-reply-btn").click()
    mine.get_by_test_id("guestbook-reply-input").fill("欢迎常来 welcome")
    mine.get_by_test_id("guestbook-reply-submit").click()
    expect(mine.get_by_test_id("guestbook-reply-text")).to_have_text("欢迎常来 welcome")
    expect(mine.get_by_test_id("guestbook-reply-btn")).to_be_focused()
    expect(theirs.get_by_test_id("guestbook-reply")).to_contain_text("主人回复")
    expect(theirs.get_by_test_id("guestbook-reply-text")).to_have_text("欢迎常来 welcome")

    mine.get_by_test_id("guestbook-reply-btn").click()  # 修改回复: the old text to edit
    expect(mine.get_by_test_id("guestbook-reply-input")).to_have_value("欢迎常来 welcome")
    mine.get_by_test_id("guestbook-reply-input").fill("下次一起喝茶 tea next time")
    mine.get_by_test_id("guestbook-reply-submit").click()
    expect(theirs.get_by_test_id("guestbook-reply-text")).to_have_text("下次一起喝茶 tea next time")
    expect(ps.get_by_test_id("notify-count")).not_to_have_text("0")
    ps.get_by_test_id("nav-notify").click()
    notice = ps.locator("[data-testid=notify-item][data-kind='guestbook.reply']").first
    expect(notice).to_contain_text("主人 Host")


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=VIEWPORT_IDS)
def test_a_friends_only_guestbook_refuses_a_stranger_with_the_hubs_message(
        kj: Kit, viewport: dict[str, int] | None) -> None:
    """A opens 空间设置 from A's space, finds the hub's current values, makes the
    guestbook friends-only and saves (still so after a reload). A stranger's message is
    then refused with the hub's own words and stays in the box; a friend's goes in."""
    a, s, f = kj.user("a"), kj.user("s"), kj.user("f")
    kj.befriend(a, f)
    pa = open_page(kj, a, "/#/space/me", viewport)
    pa.get_by_test_id("open-settings").click()
    settings = pa.get_by_test_id("settings")
    guestbook = settings.get_by_test_id("setting-guestbook")
    expect(guestbook.and_(pa.locator("[value=everyone]"))).to_be_checked()
    expect(settings.get_by_test_id("setting-space").and_(pa.locator("[value=everyone]"))).to_be_checked()
    expect(settings.get_by_test_id("setting-record_visits")).to_be_checked()
    guestbook.and_(pa.locator("[value=friends]")).check()
    settings.get_by_test_id("settings-save").click()
    expect(settings.get_by_test_id("settings-saved")).to_be_visible()
    assert kj.api.op(a, "settings.get")["settings"]["guestbook"] == "friends"
    pa.reload()
    expect(pa.get_by_test_id("setting-guestbook").and_(pa.locator("[value=friends]"))).to_be_checked()

    ps = open_page(kj, s, f"/#/space/{a.name}", viewport)
    ps.get_by_test_id("guestbook-input").fill("加我看看新品")
    ps.get_by_test_id("guestbook-submit").click()
    error = ps.get_by_test_id("guestbook-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text(f"only friends may write in {a.name}'s guestbook")
    expect(ps.get_by_test_id("guestbook-input")).to_have_value("加我看看新品")
    expect(ps.get_by_test_id("guestbook-entry")).to_have_count(0)

    pf = open_page(kj, f, f"/#/space/{a.name}", viewport)
    pf.get_by_test_id("guestbook-input").fill("好友可以留言 friends may")
    pf.get_by_test_id("guestbook-submit").click()
    expect(entry(pf, "好友可以留言 friends may")).to_be_visible()
    expect(pf.get_by_test_id("guestbook-error")).to_be_hidden()


def test_a_space_closed_by_its_owner_shows_the_hubs_message(kj: Kit) -> None:
    """A's space setting 仅好友 keeps a stranger out with the hub's refusal (no broken
    page, no Block undo); 仅自己 keeps even a friend out."""
    a, s, f = kj.user("a"), kj.user("s"), kj.user("f")
    kj.befriend(a, f)
    kj.api.op(a, "mood.post", {"text": "不给外人看 not for strangers", "visibility": "public"})
    kj.api.op(a, "settings.update", {"space": "friends"})
    ps = kj.page(s, f"/#/space/{a.name}")
    closed = ps.get_by_test_id("space-forbidden")
    expect(closed.get_by_test_id("space-forbidden-message")).to_have_text(
        f"{a.name}'s space is open to friends only")
    expect(ps.get_by_test_id("mood")).to_have_count(0)
    expect(ps.get_by_test_id("guestbook")).to_have_count(0)
    expect(closed.get_by_test_id("unblock-here")).to_have_count(0)
    pf = kj.page(f, f"/#/space/{a.name}")
    expect(mood(pf, text="不给外人看 not for strangers")).to_be_visible()

    kj.api.op(a, "settings.update", {"space": "me"})
    pf.reload()
    expect(pf.get_by_test_id("space-forbidden-message")).to_have_text(
        f"{a.name}'s space is open to no one but its owner")


def test_blocking_from_a_space_page_ends_the_friendship_in_both_browsers(kj: Kit) -> None:
    """A (on a phone) blocks B from B's space: Esc first keeps the friendship; then
    confirmed, B leaves A's friends and A leaves B's open friends page, A's page of B
    shows the refusal with an Unblock, and A's other tab on 空间设置 lists B at once (the
    hub sends no event for a block: the tabs tell each other). B's next visit to A's
    space shows the hub's refusal. A takes the block back from the blacklist."""
    a, b = kj.user("a"), kj.user("b", display_name="烦人 Pest")
    kj.befriend(a, b)
    pb = kj.page(b, "/#/friends")
    expect(by_user(pb, "friend", a.name)).to_be_visible()
    pa = kj.page(a, f"/#/space/{b.name}", viewport=PHONE, has_touch=True)
    expect(pa.get_by_test_id("space-add-friend")).to_have_attribute("data-status", "friend")
    other_tab = kj.page(a, "/#/settings", context=pa.context)
    expect(other_tab.get_by_test_id("blacklist-empty")).to_be_visible()

    block = pa.get_by_test_id("block-user")
    block.click()
    expect(pa.get_by_test_id("confirm-dialog")).to_be_visible()
    pa.keyboard.press("Escape")
    expect(pa.get_by_test_id("confirm-dialog")).to_be_hidden()
    expect(block).to_be_focused()
    expect(pa.get_by_test_id("space-add-friend")).to_have_attribute("data-status", "friend")

    block.click()
    expect(pa.get_by_test_id("confirm-dialog")).to_contain_text("烦人 Pest")
    confirm(pa)
    closed = pa.get_by_test_id("space-forbidden")
    expect(closed.get_by_test_id("space-forbidden-message")).to_contain_text("blocked")
    expect(closed).to_be_focused()  # the Block button it replaced had focus
    expect(closed.get_by_test_id("unblock-here")).to_be_visible()
    expect(by_user(pb, "friend", a.name)).to_have_count(0)  # B's open page, live
    expect(pb.get_by_test_id("friend-empty")).to_be_visible()
    expect(by_user(other_tab, "blocked-user", b.name)).to_contain_text("烦人 Pest")

    pb.goto(f"/#/space/{a.name}")
    expect(pb.get_by_test_id("space-forbidden-message")).to_have_text(
        f"one of you has blocked the other: nothing goes between you and {a.name}")
    expect(pb.get_by_test_id("guestbook")).to_have_count(0)

    pa.goto("/#/friends")
    expect(by_user(pa, "friend", b.name)).to_have_count(0)
    pa.goto("/#/settings")
    blocked = by_user(pa, "blocked-user", b.name)
    expect(blocked).to_contain_text("烦人 Pest")
    blocked.get_by_test_id("unblock").click()
    expect(pa.get_by_test_id("blacklist-empty")).to_be_visible()
    expect(other_tab.get_by_test_id("blacklist-empty")).to_be_visible()
    assert kj.api.op(a, "blocks.list")["blocks"] == []
    pb.reload()
    expect(pb.get_by_test_id("space-name")).to_be_visible()  # open again (not friends)


def test_visit_counts_and_a_hidden_visitor_list(kj: Kit) -> None:
    """今日访客 / 总访客 on the space page: a visitor's first visit of the day counts once,
    live on the owner's open page; with the owner's visitors setting 仅自己 a visitor
    sees the counts and a note instead of the list."""
    a, b, c = kj.user("a"), kj.user("b", display_name="访客 B"), kj.user("c")
    pa = kj.page(a, "/#/space/me")
    expect(pa.get_by_test_id("visits-today")).to_have_text("0")
    expect(pa.get_by_test_id("visits-total")).to_have_text("0")

    pb = kj.page(b, f"/#/space/{a.name}")
    expect(pb.get_by_test_id("visit-counts")).to_contain_text("今日访客 1")
    expect(pb.get_by_test_id("visits-total")).to_have_text("1")
    expect(by_user(pb, "visitor", b.name)).to_be_visible()
    expect(pa.get_by_test_id("visits-today")).to_have_text("1")  # live
    expect(pa.get_by_test_id("visits-total")).to_have_text("1")
    expect(by_user(pa, "visitor", b.name)).to_contain_text("访客 B")

    pb.reload()  # the same visitor the same day: counted once
    expect(by_user(pb, "visitor", b.name)).to_be_visible()
    expect(pb.get_by_test_id("visits-today")).to_have_text("1")
    kj.api.op(c, "space.get", {"user": a.name})
    expect(pa.get_by_test_id("visits-today")).to_have_text("2")
    expect(pa.get_by_test_id("visits-total")).to_have_text("2")

    kj.api.op(a, "settings.update", {"visitors": "me"})
    pb.reload()
    expect(pb.get_by_test_id("visitors-hidden")).to_be_visible()
    expect(pb.get_by_test_id("visitor")).to_have_count(0)
    expect(pb.get_by_test_id("visits-today")).to_have_text("2")
    pa.reload()  # the owner still sees them
    expect(pa.get_by_test_id("visitor")).to_have_count(2)
    expect(pa.get_by_test_id("visitors-hidden")).to_have_count(0)


def test_who_liked_a_mood(kj: Kit) -> None:
    """The 觉得很赞 line: "小美 觉得很赞", then "小美、王经理 觉得很赞", then "小美、王经理
    等 3 人觉得很赞" live on the author's open feed as likes come and go; asked only for
    the card that has likes (no likes.list for the one without)."""
    a = kj.user("a")
    mei, wang = kj.user("xa", display_name="小美"), kj.user("xb", display_name="王经理")
    third = kj.user("xc", display_name="老三")
    for friend in (mei, wang, third):
        kj.befriend(a, friend)
    quiet = kj.api.op(a, "mood.post", {"text": "没人赞 no likes"})["mood"]["id"]
    liked = kj.api.op(a, "mood.post", {"text": "求赞 like me"})["mood"]["id"]
    kj.api.op(mei, "like", {"mood_id": liked})

    asked: list[Any] = []

    def watch(ws: Any) -> None:
        ws.on("framesent", lambda payload: asked.append(json.loads(payload)["data"])
              if isinstance(payload, str) and '"likes.list"' in payload else None)

    context = kj.context(a.url)
    context.add_cookies([{"name": "kj_session", "value": a.token, "url": a.url}])
    page = kj.watch_page(context.new_page())
    page.on("websocket", watch)
    page.goto("/#/feed")
    feed_loaded(page)
    line = mood(page, liked).get_by_test_id("likers")
    expect(line).to_have_text("♥ 小美 觉得很赞 like this")
    expect(mood(page, quiet).get_by_test_id("likers")).to_be_hidden()
    assert asked and all(str(d["mood_id"]) == str(liked) for d in asked), asked

    kj.api.op(wang, "like", {"mood_id": liked})
    expect(line).to_contain_text("小美、王经理 觉得很赞")
    kj.api.op(third, "like", {"mood_id": liked})
    expect(line).to_contain_text("小美、王经理 等 3 人觉得很赞")
    expect(line.locator(f'a[data-user="{mei.name}"]')).to_have_attribute(
        "href", f"#/space/{mei.name}")
    kj.api.op(mei, "unlike", {"mood_id": liked})
    expect(line).to_contain_text("王经理、老三 觉得很赞")
    for friend in (wang, third):
        kj.api.op(friend, "unlike", {"mood_id": liked})
    expect(line).to_be_hidden()
    assert all(str(d["mood_id"]) == str(liked) for d in asked), asked
