"""The browser client against a real hub: accounts, friends, the live feed, comments
and likes, gifts, visits, several tabs, and user text that must stay text.

Each test makes its own users (unique names), so they share one hub. Setup that is not
under test goes through the HTTP API; what is under test goes through the UI.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Kit, skip_without_chromium
from tests.e2e.helpers import (
    by_user,
    feed_loaded,
    login_ui,
    mood,
    post_mood_ui,
    register_ui,
)

pytestmark = [pytest.mark.e2e, skip_without_chromium]


def test_register_befriend_presence_reload_logout(kj: Kit) -> None:
    """Register two accounts in the UI, befriend through the friends page (request and
    accept arrive live), see presence, survive a reload, log out and back in."""
    a, b = kj.name("ua"), kj.name("ub")
    pa = kj.open(kj.context(), "/")
    register_ui(pa, a, "阿甲 A")
    pb = kj.open(kj.context(), "/")
    register_ui(pb, b)

    pa.get_by_test_id("nav-friends").click()
    pa.get_by_test_id("friend-search-input").fill(b)
    pa.get_by_test_id("friend-search-submit").click()
    by_user(pa, "search-result", b).get_by_test_id("friend-add").click()
    expect(by_user(pa, "friend-pending", b)).to_be_visible()

    # B: the request arrives live (badge, toast, list); B accepts it there.
    expect(pb.get_by_test_id("friend-request-count")).to_have_text("1")
    pb.get_by_test_id("nav-friends").click()
    request = by_user(pb, "friend-request", a)
    expect(request).to_contain_text("阿甲 A")  # A as A looks everywhere, not a bare name
    request.get_by_test_id("friend-accept").click()

    # Both lists show the other, online; A's sidebar lists B among online friends.
    expect(by_user(pb, "friend", a)).to_have_attribute("data-online", "true")
    expect(by_user(pa, "friend", b)).to_have_attribute("data-online", "true")
    expect(by_user(pa, "online-friend", b)).to_be_visible()
    expect(pb.get_by_test_id("friend-request-count")).to_be_hidden()

    # B closes its only tab: A sees B go offline, live.
    pb.close()
    expect(by_user(pa, "friend", b)).to_have_attribute("data-online", "false")
    expect(by_user(pa, "online-friend", b)).to_have_count(0)

    # The session survives a reload (HttpOnly kj_session cookie).
    pa.reload()
    expect(pa.get_by_test_id("my-username")).to_have_text(f"@{a}")
    expect(pa.get_by_test_id("my-name")).to_have_text("阿甲 A")
    expect(by_user(pa, "friend", b)).to_be_visible()

    # Log out: back to the login form; the cookie is gone, so a reload stays out.
    pa.get_by_test_id("logout").click()
    expect(pa.get_by_test_id("login-form")).to_be_visible()
    expect(pa.get_by_test_id("conn-state")).to_have_attribute("data-state", "signed-out")
    pa.reload()
    expect(pa.get_by_test_id("login-form")).to_be_visible()
    pa.get_by_test_id("login-username").fill(a)
    pa.get_by_test_id("login-password").fill("wrong password")
    pa.get_by_test_id("login-submit").click()
    expect(pa.get_by_test_id("auth-error")).to_contain_text("Wrong username or password")
    login_ui(pa, a)
    expect(pa.get_by_test_id("conn-state")).to_have_attribute("data-state", "connected")


def test_decline_and_remove_go_live(kj: Kit) -> None:
    """A declines C's request and removes B: every side's friends page updates live."""
    a, b, c = kj.user("a"), kj.user("b"), kj.user("c")
    kj.befriend(a, b)
    pa, pb, pc = (kj.page(u, "/#/friends") for u in (a, b, c))
    expect(by_user(pa, "friend", b.name)).to_have_attribute("data-online", "true")

    pc.get_by_test_id("friend-search-input").fill(a.name)
    pc.get_by_test_id("friend-search-submit").click()
    by_user(pc, "search-result", a.name).get_by_test_id("friend-add").click()
    expect(by_user(pc, "friend-pending", a.name)).to_be_visible()
    request = by_user(pa, "friend-request", c.name)
    request.get_by_test_id("friend-decline").click()
    expect(request).to_have_count(0)
    expect(by_user(pc, "friend-pending", a.name)).to_have_count(0)  # told live

    by_user(pa, "friend", b.name).get_by_test_id("friend-remove").click()
    by_user(pa, "friend", b.name).get_by_test_id("friend-remove-confirm").click()
    expect(by_user(pa, "friend", b.name)).to_have_count(0)
    expect(by_user(pb, "friend", a.name)).to_have_count(0)
    expect(pb.get_by_test_id("friend-empty")).to_be_visible()


def test_mood_goes_live_to_friends_only(kj: Kit) -> None:
    """A posts; friend B's open tab shows it without a reload; stranger C never gets it
    (checked after C has received a later event of its own, not by waiting)."""
    a, b, c = kj.user("a"), kj.user("b"), kj.user("c")
    kj.befriend(a, b)
    pa, pb, pc = kj.page(a), kj.page(b), kj.page(c)
    for page in (pa, pb, pc):
        feed_loaded(page)

    secret = f"only me {a.name}"
    public = f"你好 friends of {a.name}"
    post_mood_ui(pa, secret, visibility="private")
    post_mood_ui(pa, public, visibility="public", tag="happy")
    expect(mood(pa, text=secret)).to_be_visible()  # the author sees both

    card = mood(pb, text=public)
    expect(card).to_be_visible()
    expect(card.get_by_test_id("mood-tag")).to_have_attribute("data-tag", "happy")
    expect(card.get_by_test_id("mood-visibility")).to_have_attribute("data-visibility", "public")
    expect(mood(pb, text=secret)).to_have_count(0)  # private came first: it would be here

    marker = f"marker for {c.name}"
    kj.api.op(c, "mood.post", {"text": marker, "visibility": "private"})
    expect(mood(pc, text=marker)).to_be_visible()
    expect(mood(pc, text=public)).to_have_count(0)
    expect(mood(pc, text=secret)).to_have_count(0)


def test_feed_pages_and_delete(kj: Kit) -> None:
    """"Load more" pages back through older moods; deleting one's own mood removes it
    from every friend's open tab."""
    a, b = kj.user("a"), kj.user("b")
    kj.befriend(a, b)
    ids = [kj.api.op(a, "mood.post", {"text": f"mood {i}", "visibility": "friends"})
           ["mood"]["id"] for i in range(23)]
    pb = kj.page(b)
    feed_loaded(pb)
    expect(mood(pb)).to_have_count(20)
    expect(mood(pb).first.get_by_test_id("mood-text")).to_have_text("mood 22")  # newest first
    pb.get_by_test_id("feed-more").click()
    expect(mood(pb)).to_have_count(23)
    expect(mood(pb).last.get_by_test_id("mood-text")).to_have_text("mood 0")
    expect(pb.get_by_test_id("feed-more")).to_be_hidden()

    pa = kj.page(a)
    feed_loaded(pa)
    target = mood(pa, ids[22])
    target.get_by_test_id("delete-mood").click()
    target.get_by_test_id("delete-confirm").click()
    expect(mood(pa, ids[22])).to_have_count(0)
    expect(mood(pb, ids[22])).to_have_count(0)
    expect(mood(pb)).to_have_count(22)
    expect(mood(pb, ids[21])).to_be_visible()


def test_comment_reply_like_live_and_after_reload(kj: Kit) -> None:
    """B comments and likes A's mood; A sees both live (and a notification); A replies;
    counts are right after a reload; an unlike goes live too."""
    a, b = kj.user("a", display_name="作者 Author"), kj.user("b", display_name="读者 Reader")
    kj.befriend(a, b)
    mood_id = kj.api.op(a, "mood.post", {"text": "今天天气很好"})["mood"]["id"]
    pa, pb = kj.page(a), kj.page(b)

    card_b = mood(pb, mood_id)
    card_b.get_by_test_id("comment-input").fill("好看！ nice")
    card_b.get_by_test_id("comment-submit").click()
    card_b.get_by_test_id("like-btn").click()
    expect(card_b.get_by_test_id("like-btn")).to_have_attribute("aria-pressed", "true")

    card_a = mood(pa, mood_id)
    expect(card_a.get_by_test_id("comment-text")).to_have_text("好看！ nice")
    expect(card_a.get_by_test_id("comment-count")).to_have_text("1")
    expect(card_a.get_by_test_id("like-count")).to_have_text("1")
    expect(card_a.get_by_test_id("like-btn")).to_have_attribute("aria-pressed", "false")
    # a comment, a like, and B's accepting A's friend request (the hub's count)
    expect(pa.get_by_test_id("notify-count")).to_have_text("3")

    # A replies to B's comment; B sees the reply, threaded, live.
    card_a.get_by_test_id("reply-btn").click()
    expect(card_a.get_by_test_id("reply-target")).to_contain_text("读者 Reader")
    card_a.get_by_test_id("comment-input").fill("谢谢 thanks")
    card_a.get_by_test_id("comment-submit").click()
    reply_b = card_b.get_by_test_id("comment").filter(has_text="谢谢 thanks")
    expect(reply_b).to_have_class(re.compile(r"\bcomment-reply\b"))
    expect(reply_b.get_by_test_id("comment-reply-to")).to_contain_text("读者 Reader")
    expect(card_b.get_by_test_id("comment-count")).to_have_text("2")
    expect(pb.get_by_test_id("notify-count")).to_have_text("1")  # a reply to B

    for page, liked in ((pa, "false"), (pb, "true")):
        page.reload()
        card = mood(page, mood_id)
        expect(card.get_by_test_id("like-count")).to_have_text("1")
        expect(card.get_by_test_id("comment-count")).to_have_text("2")
        expect(card.get_by_test_id("comment")).to_have_count(2)
        expect(card.get_by_test_id("like-btn")).to_have_attribute("aria-pressed", liked)

    mood(pb, mood_id).get_by_test_id("like-btn").click()
    expect(mood(pa, mood_id).get_by_test_id("like-count")).to_have_text("0")
    expect(mood(pb, mood_id).get_by_test_id("like-btn")).to_have_attribute("aria-pressed", "false")
    # the like taken back takes its notification (and its unread mark) with it
    expect(pa.get_by_test_id("notify-count")).to_have_text("2")
    pa.get_by_test_id("nav-notify").click()
    expect(pa.get_by_test_id("notify-item")).to_have_count(2)
    expect(pa.locator("[data-testid=notify-item][data-kind=like]")).to_have_count(0)
    expect(pa.locator("[data-testid=notify-item][data-kind=comment]")).to_have_count(1)


def test_a_reply_is_notified_on_any_page(kj: Kit) -> None:
    """Whether a comment replies to me is read from the event, not from the page: B is
    on the friends page, with no comment on screen, when A replies to B's comment."""
    a, b = kj.user("a", display_name="作者 Author"), kj.user("b", display_name="读者 Reader")
    kj.befriend(a, b)
    mood_id = kj.api.op(a, "mood.post", {"text": "问个问题"})["mood"]["id"]
    first = kj.api.op(b, "comment.post", {"mood_id": mood_id, "text": "我来答"})["comment"]
    pb = kj.page(b, "/#/friends")
    expect(pb.get_by_test_id("mood")).to_have_count(0)
    kj.api.op(a, "comment.post", {"mood_id": mood_id, "text": "谢谢你", "reply_to": first["id"]})
    expect(pb.get_by_test_id("notify-count")).to_have_text("1")
    pb.get_by_test_id("nav-notify").click()
    item = pb.get_by_test_id("notify-item")
    expect(item).to_have_attribute("data-kind", "reply")
    expect(item).to_contain_text("谢谢你")


def test_visit_and_guestbook_reach_the_owner_live(kj: Kit) -> None:
    """B opens A's space: A's visitor list and notifications update live; B signs the
    guestbook and A sees the entry; opening notifications clears the red dot."""
    a, b = kj.user("a"), kj.user("b", display_name="访客 Guest")
    kj.api.op(b, "space.update", {"head_portrait": "fox"})
    pa = kj.page(a, "/#/space/me")
    expect(pa.get_by_test_id("visitors-empty")).to_be_visible()
    expect(pa.get_by_test_id("notify-count")).to_be_hidden()

    pb = kj.page(b, f"/#/space/{a.name}")
    expect(by_user(pa, "visitor", b.name)).to_be_visible()
    expect(pa.get_by_test_id("visitors-empty")).to_be_hidden()
    expect(pa.get_by_test_id("notify-count")).to_have_text("1")
    expect(by_user(pb, "visitor", b.name)).to_be_visible()  # B sees its own footprint

    pb.get_by_test_id("guestbook-input").fill("来踩踩 visiting!")
    pb.get_by_test_id("guestbook-submit").click()
    entry = pa.get_by_test_id("guestbook-entry").filter(has_text="来踩踩 visiting!")
    expect(entry).to_be_visible()
    expect(entry).to_contain_text("访客 Guest")
    expect(entry.locator(".portrait")).to_have_attribute("data-portrait", "fox")
    expect(pa.get_by_test_id("notify-count")).to_have_text("2")
    pa.reload()  # the visitor list as space.get draws it: B's name and portrait
    visitor = by_user(pa, "visitor", b.name)
    expect(visitor).to_contain_text("访客 Guest")
    expect(visitor.locator(".portrait")).to_have_attribute("data-portrait", "fox")
    expect(pa.get_by_test_id("notify-count")).to_have_text("2")

    pa.get_by_test_id("nav-notify").click()
    items = pa.get_by_test_id("notify-item")
    expect(items).to_have_count(2)
    expect(items.and_(pa.locator("[data-kind=visit]"))).to_contain_text(b.name)
    expect(items.and_(pa.locator("[data-kind=guestbook]"))).to_contain_text("来踩踩 visiting!")
    expect(pa.get_by_test_id("notify-count")).to_be_hidden()


def test_two_tabs_of_one_user_get_the_same_events(kj: Kit) -> None:
    """Two tabs of A: a friend's mood and gift reach both; what A does in one tab shows
    in the other. The second tab prefers reduced motion: its gift scene is still.
    Logging out in one tab logs out both."""
    a, b = kj.user("a"), kj.user("b")
    kj.befriend(a, b)
    tab1 = kj.page(a)
    tab2 = kj.page(a, context=tab1.context)
    tab2.emulate_media(reduced_motion="reduce")
    for tab in (tab1, tab2):
        feed_loaded(tab)

    mood_id = kj.api.op(b, "mood.post", {"text": "两个标签 two tabs"})["mood"]["id"]
    for tab in (tab1, tab2):
        expect(mood(tab, mood_id)).to_be_visible()

    tab1.bring_to_front()  # a background tab gets no animation frames to click in
    mood(tab1, mood_id).get_by_test_id("like-btn").click()
    expect(mood(tab2, mood_id).get_by_test_id("like-btn")).to_have_attribute("aria-pressed", "true")
    expect(mood(tab2, mood_id).get_by_test_id("like-count")).to_have_text("1")

    kj.api.op(b, "gift.send", {"to": a.name, "gift": "cake", "message": "生日快乐"})
    for tab in (tab1, tab2):
        expect(tab.get_by_test_id("gift-anim")).to_have_attribute("data-animation", "cake")
    expect(tab1.get_by_test_id("gift-anim")).not_to_have_class(re.compile(r"\bcalm\b"))
    expect(tab2.get_by_test_id("gift-anim")).to_have_class(re.compile(r"\bcalm\b"))
    tab1.get_by_test_id("gift-anim-close").click()  # tab 2's still card ends by itself
    for tab in (tab1, tab2):
        expect(tab.get_by_test_id("gift-anim")).to_have_count(0)
        expect(tab.get_by_test_id("my-gift-shelf").locator("[data-gift=cake]")).to_have_count(1)

    # They share the session cookie: logging out in one logs out the other.
    tab1.get_by_test_id("logout").click()
    for tab in (tab1, tab2):
        expect(tab.get_by_test_id("login-form")).to_be_visible()
    expect(tab2.get_by_test_id("auth-notice")).to_contain_text("another tab")  # not an error
    expect(tab2.get_by_test_id("auth-error")).to_be_hidden()


def test_user_text_is_only_ever_text(kj: Kit) -> None:
    """Markup in a mood, a comment, a guestbook entry and a display name shows as
    literal text and runs nothing (the kit fails the test on any JS dialog or CSP
    violation; here we also check no element was created)."""
    payload = "<img src=x onerror=alert(1)>"
    a = kj.user("a", display_name="<b>bold</b><script>alert(2)</script>"[:30])
    b = kj.user("b")
    kj.befriend(a, b)
    pa, pb = kj.page(a), kj.page(b)
    feed_loaded(pb)
    dialogs: list[str] = []
    for page in (pa, pb):
        page.on("dialog", lambda d: dialogs.append(d.message))

    post_mood_ui(pa, payload)
    card = mood(pb, text=payload)
    expect(card).to_be_visible()
    expect(card.get_by_test_id("mood-text")).to_have_text(payload)
    expect(card.locator(".mood-author")).to_have_text(a.display_name)
    card.get_by_test_id("comment-input").fill(payload)
    card.get_by_test_id("comment-submit").click()
    expect(mood(pa, text=payload).get_by_test_id("comment-text")).to_have_text(payload)

    pb.goto(f"/#/space/{a.name}")
    pb.get_by_test_id("guestbook-input").fill(payload)
    pb.get_by_test_id("guestbook-submit").click()
    expect(pb.get_by_test_id("guestbook-text")).to_have_text(payload)
    expect(pb.get_by_test_id("space-name")).to_have_text(a.display_name)

    for page in (pa, pb):
        assert page.locator("#view img, #view script, #view b").count() == 0
        assert page.evaluate("document.querySelectorAll('img[src=x]').length") == 0
    assert dialogs == []


def test_resume_replays_missed_events_and_gap_refetches(kj: Kit) -> None:
    """A tab that comes back resumes with `since` (its own sessionStorage) and says what
    it missed; a resume position the hub no longer has (`gap`) refetches the feed."""
    a, b = kj.user("a"), kj.user("b")
    kj.befriend(a, b)
    pa = kj.page(a)
    feed_loaded(pa)
    resume = pa.evaluate("JSON.parse(sessionStorage.getItem('kj:resume'))")
    assert resume["user"] == a.name

    pa.goto("about:blank")  # the tab lives on (sessionStorage kept); its socket is gone
    kj.api.op(b, "mood.post", {"text": "while you were away"})
    kj.api.op(b, "guestbook.post", {"to": a.name, "text": "hi"})
    pa.goto("/#/feed")
    toast = pa.get_by_test_id("sync-toast")
    expect(toast).to_contain_text("2")
    expect(toast).to_contain_text("mood")
    expect(mood(pa, text="while you were away")).to_be_visible()
    # the guestbook entry, and B's accepting A's friend request
    expect(pa.get_by_test_id("notify-count")).to_have_text("2")

    # The socket drops and resumes from a position the hub never had (another epoch):
    # hello says gap, and the open feed is refetched instead of trusting a replay.
    pa.evaluate("""(user) => {
        sessionStorage.setItem('kj:resume', JSON.stringify(
            {user, id: 'nosuchepoch:7', seq: 7, epoch: 'nosuchepoch'}));
        document.querySelector('[data-testid=feed-list]').replaceChildren();
        window.kongjian.conn.drop();
    }""", a.name)
    expect(pa.get_by_test_id("sync-toast").filter(has_text="Resynced")).to_be_visible()
    expect(mood(pa, text="while you were away")).to_be_visible()
    expect(pa.get_by_test_id("conn-state")).to_have_attribute("data-state", "connected")
    fresh = pa.evaluate("JSON.parse(sessionStorage.getItem('kj:resume'))")
    assert fresh["epoch"] != "nosuchepoch"


def test_keyboard_only_post_and_like(kj: Kit) -> None:
    """Everything on the feed is reachable with Tab and works with Enter / Space."""
    a, b = kj.user("a"), kj.user("b")
    kj.befriend(a, b)
    mood_id = kj.api.op(b, "mood.post", {"text": "press space to like"})["mood"]["id"]
    page = kj.page(a)
    feed_loaded(page)

    def focused(script: str = "el.dataset.testid") -> object:
        return page.evaluate(f"(() => {{ const el = document.activeElement; return {script}; }})()")

    def tab_to(testid: str, limit: int = 40) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if focused() == testid:
                return
        raise AssertionError(f"Tab never reached {testid}")

    tab_to("mood-input")
    page.keyboard.type("typed, not clicked 键盘")
    tab_to("mood-submit", limit=5)
    page.keyboard.press("Enter")
    expect(mood(page, text="typed, not clicked 键盘")).to_be_visible()

    page.get_by_test_id("mood-input").focus()
    tab_to("like-btn", limit=40)  # the first like button after the composer ...
    like = mood(page, mood_id).get_by_test_id("like-btn")
    while focused("el.closest('[data-testid=mood]').dataset.id") != mood_id:
        tab_to("like-btn")  # ... then on to the one on B's mood
    page.keyboard.press("Space")
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(mood(page, mood_id).get_by_test_id("like-count")).to_have_text("1")


def test_unfriending_updates_an_open_space(kj: Kit) -> None:
    """B has A's space open when A unfriends B: A's friends-only mood leaves the page
    (it can no longer be seen or commented on), the public one stays; befriended
    again, it comes back."""
    a, b = kj.user("a"), kj.user("b")
    kj.befriend(a, b)
    kj.api.op(a, "mood.post", {"text": "大家好 for everyone", "visibility": "public"})
    kj.api.op(a, "mood.post", {"text": "只给好友 friends only", "visibility": "friends"})
    pb = kj.page(b, f"/#/space/{a.name}")
    expect(mood(pb, text="只给好友 friends only")).to_be_visible()
    expect(pb.get_by_test_id("space-add-friend")).to_have_attribute("data-status", "friend")

    kj.api.op(a, "friend.remove", {"user": b.name})
    expect(mood(pb, text="只给好友 friends only")).to_have_count(0)
    expect(mood(pb, text="大家好 for everyone")).to_be_visible()
    expect(pb.get_by_test_id("space-add-friend")).to_have_attribute("data-status", "none")

    kj.befriend(a, b)
    expect(mood(pb, text="只给好友 friends only")).to_be_visible()
    expect(pb.get_by_test_id("space-add-friend")).to_have_attribute("data-status", "friend")
