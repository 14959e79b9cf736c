"""Friend groups, special care and @mentions in the browser (issue #19): a mood for a
group (分组) reaches the group live and no other friend, its author sees which groups it
is for, and a group gone meanwhile is refused in the hub's words; the 分组 card makes,
renames and deletes groups (asking first); 特别关心 puts a friend first, marks their moods
and tells of each new one; an @username in a mood or a comment is a link to that space
and tells the user named, whose notification opens it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import Kit, User, skip_without_chromium
from tests.e2e.helpers import by_user, feed_loaded, mood, no_horizontal_overflow

pytestmark = [pytest.mark.e2e, skip_without_chromium]

PHONE = {"width": 390, "height": 844}
VIEWPORTS = [None, PHONE]
VIEWPORT_IDS = ["desktop", "phone"]


def open_page(kj: Kit, user: User, path: str, viewport: dict[str, int] | None = None) -> Page:
    return kj.page(user, path, **({"viewport": viewport, "has_touch": True} if viewport else {}))


def dot(page: Page) -> Locator:
    return page.get_by_test_id("notify-count")


def notices(page: Page, kind: str) -> Locator:
    return page.get_by_test_id("notify-list").get_by_test_id("notify-item").and_(
        page.locator(f'[data-kind="{kind}"]'))


def open_notifications(page: Page) -> None:
    page.get_by_test_id("nav-notify").click()
    expect(page.get_by_test_id("view")).to_have_attribute("data-route", "notifications")
    expect(page.get_by_test_id("notify-loading")).to_be_hidden()


def option(page: Page, label: str) -> Locator:
    return page.get_by_test_id("mood-visibility-select").locator("option").filter(has_text=label)


def group_row(page: Page, name: str) -> Locator:
    return page.get_by_test_id("groups-card").locator(f'[data-testid=group][data-name="{name}"]')


def test_a_group_mood_reaches_the_group_live_and_no_other_friend(kj: Kit) -> None:
    """A posts "仅 同学 可见" from the composer: B (in 同学) gets it live, without the
    group's name; C (a friend outside it) gets A's next, friends-only mood live but never
    the group one, not even after a reload; A's card says "分组: 同学". The group is then
    deleted on another device: A's next group post is refused with the hub's words, the
    text stays, and the picker no longer offers the group (私密 chosen instead)."""
    a = kj.user("a", display_name="作者")
    inside, outside = kj.user("b", display_name="同学甲"), kj.user("c", display_name="同事乙")
    kj.befriend(a, inside)
    kj.befriend(a, outside)
    kj.api.op(a, "group.set", {"name": "同学", "members": [inside.name]})
    pin, pout = kj.page(inside), kj.page(outside)
    feed_loaded(pin)
    feed_loaded(pout)
    pa = kj.page(a)
    feed_loaded(pa)
    select = pa.get_by_test_id("mood-visibility-select")
    for label in ("公开", "好友", "私密", "仅 同学 可见"):
        expect(option(pa, label)).to_have_count(1)

    pa.get_by_test_id("mood-input").fill("周六聚会 🍻")
    select.select_option(label="仅 同学 可见")
    pa.get_by_test_id("mood-submit").click()
    expect(pa.get_by_test_id("mood-input")).to_have_value("")
    expect(select).to_have_value("public")  # the choice does not stick
    mine = mood(pa, text="周六聚会 🍻")
    expect(mine).to_have_attribute("data-visibility", "groups")
    expect(mine.get_by_test_id("mood-visibility")).to_have_text("🏷️ 分组: 同学")

    theirs = mood(pin, text="周六聚会 🍻")
    expect(theirs).to_be_visible()  # live
    expect(theirs.get_by_test_id("mood-visibility")).not_to_contain_text("同学")
    # C's inbox is in order: once A's later mood is there, the group one would be too.
    kj.api.op(a, "mood.post", {"text": "大家好 hello all", "visibility": "friends"})
    expect(mood(pout, text="大家好 hello all")).to_be_visible()
    expect(mood(pout, text="周六聚会 🍻")).to_have_count(0)
    pout.reload()
    feed_loaded(pout)
    expect(mood(pout, text="大家好 hello all")).to_be_visible()
    expect(mood(pout, text="周六聚会 🍻")).to_have_count(0)

    kj.api.op(a, "group.delete", {"name": "同学"})  # another device: no event tells this tab
    pa.get_by_test_id("mood-input").fill("还有人吗")
    select.select_option(label="仅 同学 可见")
    pa.get_by_test_id("mood-submit").click()
    error = pa.get_by_test_id("mood-error")
    expect(error).to_contain_text("no group named 同学")
    expect(pa.get_by_test_id("mood-input")).to_have_value("还有人吗")
    expect(option(pa, "仅 同学 可见")).to_have_count(0)
    expect(select).to_have_value("private")  # never a wider audience than chosen
    expect(mood(pa, text="还有人吗")).to_have_count(0)
    pa.get_by_test_id("mood-input").press("End")
    pa.get_by_test_id("mood-input").press_sequentially("？")
    expect(error).to_be_hidden()  # the next edit clears it


def test_a_mood_for_several_groups_and_a_draft_keeps_its_group(kj: Kit) -> None:
    """With two groups the picker offers 多个分组: none ticked is refused before sending;
    both ticked, the mood is for both ("分组: 同学、家人") and reaches a member of each. A
    draft for one group comes back after a reload with that group chosen."""
    a, b, c = kj.user("a"), kj.user("b"), kj.user("c")
    kj.befriend(a, b)
    kj.befriend(a, c)
    kj.api.op(a, "group.set", {"name": "同学", "members": [b.name]})
    kj.api.op(a, "group.set", {"name": "家人", "members": [c.name]})
    pb, pc = kj.page(b), kj.page(c)
    pa = kj.page(a)
    feed_loaded(pa)
    select = pa.get_by_test_id("mood-visibility-select")
    pa.get_by_test_id("mood-input").fill("两个分组都看得到")
    select.select_option(label="多个分组… Several groups")
    choice = pa.get_by_test_id("mood-groups-choice")
    expect(choice).to_be_visible()
    pa.get_by_test_id("mood-submit").click()
    expect(pa.get_by_test_id("mood-error")).to_contain_text("Pick at least one group")
    for name in ("同学", "家人"):
        choice.locator(f'[data-testid=mood-group-option][value="{name}"]').check()
    pa.get_by_test_id("mood-submit").click()
    expect(pa.get_by_test_id("mood-input")).to_have_value("")
    expect(choice).to_be_hidden()
    expect(mood(pa, text="两个分组都看得到").get_by_test_id("mood-visibility")).to_have_text(
        "🏷️ 分组: 同学、家人")
    for page in (pb, pc):
        expect(mood(page, text="两个分组都看得到")).to_be_visible()

    pa.get_by_test_id("mood-input").fill("草稿 draft")
    select.select_option(label="仅 家人 可见")
    pa.reload()
    expect(pa.get_by_test_id("mood-input")).to_have_value("草稿 draft")
    expect(pa.get_by_test_id("mood-visibility-select")).to_have_value("group:家人")


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=VIEWPORT_IDS)
def test_making_renaming_and_deleting_a_group(kj: Kit, viewport: dict[str, int] | None) -> None:
    """On the friends page A makes 同学 with B (a first Cancel keeps nothing, focus back
    on 新建分组), renames it 老同学 and adds C; the composer offers it. Deleting asks
    first: Cancel keeps it (focus back on its button), OK deletes it. A friend who left
    meanwhile is refused by the hub, in its words, and the form stays open."""
    a = kj.user("a")
    b, c = kj.user("b", display_name="小美"), kj.user("c", display_name="王经理")
    kj.befriend(a, b)
    kj.befriend(a, c)
    pa = open_page(kj, a, "/#/friends", viewport)
    card = pa.get_by_test_id("groups-card")
    expect(card.get_by_test_id("groups-empty")).to_be_visible()
    new = card.get_by_test_id("group-new")
    form = card.get_by_test_id("group-form")
    new.click()
    expect(form.get_by_test_id("group-name")).to_be_focused()
    form.get_by_test_id("group-name").fill("不要了")
    form.get_by_test_id("group-cancel").click()
    expect(form).to_be_hidden()
    expect(new).to_be_focused()
    assert kj.api.op(a, "groups.list")["groups"] == []

    new.click()
    expect(form.get_by_test_id("group-name")).to_have_value("")
    form.get_by_test_id("group-name").fill("同学")
    form.locator(f'[data-testid=group-member][value="{b.name}"]').check()
    form.get_by_test_id("group-save").click()
    expect(form).to_be_hidden()
    expect(group_row(pa, "同学").get_by_test_id("group-members")).to_have_text("小美")
    expect(group_row(pa, "同学").get_by_test_id("group-edit")).to_be_focused()
    groups = kj.api.op(a, "groups.list")["groups"]
    assert [(g["name"], [m["user"] for m in g["members"]]) for g in groups] == [("同学", [b.name])]

    group_row(pa, "同学").get_by_test_id("group-edit").click()
    expect(form.get_by_test_id("group-name")).to_have_value("同学")
    expect(form.locator(f'[data-testid=group-member][value="{b.name}"]')).to_be_checked()
    form.get_by_test_id("group-name").fill("老同学")
    form.locator(f'[data-testid=group-member][value="{c.name}"]').check()
    form.get_by_test_id("group-save").click()
    renamed = group_row(pa, "老同学")
    expect(renamed.get_by_test_id("group-members")).to_have_text("小美、王经理")
    expect(group_row(pa, "同学")).to_have_count(0)
    groups = kj.api.op(a, "groups.list")["groups"]
    assert [(g["name"], sorted(m["user"] for m in g["members"])) for g in groups] == [
        ("老同学", sorted([b.name, c.name]))]
    assert no_horizontal_overflow(pa)

    pa.get_by_test_id("nav-feed").click()
    expect(option(pa, "仅 老同学 可见")).to_have_count(1)
    pa.get_by_test_id("nav-friends").click()

    delete = renamed.get_by_test_id("group-delete")
    delete.click()
    dialog = pa.get_by_test_id("confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("老同学")
    dialog.get_by_test_id("confirm-cancel").click()
    expect(dialog).to_be_hidden()
    expect(delete).to_be_focused()
    expect(renamed).to_be_visible()
    assert [g["name"] for g in kj.api.op(a, "groups.list")["groups"]] == ["老同学"]
    delete.click()
    dialog.get_by_test_id("confirm-ok").click()
    expect(dialog).to_be_hidden()
    expect(renamed).to_have_count(0)
    expect(card.get_by_test_id("groups-empty")).to_be_visible()
    expect(new).to_be_focused()  # not lost on <body>
    assert kj.api.op(a, "groups.list")["groups"] == []

    new.click()
    form.get_by_test_id("group-name").fill("临时")
    form.locator(f'[data-testid=group-member][value="{c.name}"]').check()
    kj.api.op(c, "friend.remove", {"user": a.name})  # while the form is open
    form.get_by_test_id("group-save").click()
    expect(form.get_by_test_id("group-form-error")).to_contain_text(f"not friends: {c.name}")
    expect(form).to_be_visible()
    assert kj.api.op(a, "groups.list")["groups"] == []
    assert no_horizontal_overflow(pa)


def test_special_care_puts_a_friend_first_and_tells_of_their_new_mood(kj: Kit) -> None:
    """A ticks ☆ 特别关心 on 小美 (second by name): she moves first, the toggle pressed and
    still focused, and so after a reload. Her new mood raises "特别关心 小美 发表了新说说"
    (another friend's does not) and has a ★ in the feed; the notification opens it in
    her space, where the same toggle takes the care back."""
    a = kj.user("a")
    zhang, mei = kj.user("b", display_name="老张"), kj.user("x", display_name="小美")
    kj.befriend(zhang, a)  # they asked, A accepted: nothing left in A's 与我相关
    kj.befriend(mei, a)
    pa = kj.page(a, "/#/friends")
    rows = pa.get_by_test_id("friend-list").get_by_test_id("friend")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-user", zhang.name)
    toggle = by_user(pa, "friend", mei.name).get_by_test_id("care-toggle")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(rows.first).to_have_attribute("data-user", mei.name)
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(toggle).to_be_focused()
    assert [x["user"] for x in kj.api.op(a, "care.list")["care"]] == [mei.name]
    pa.reload()
    expect(rows.first).to_have_attribute("data-user", mei.name)
    expect(toggle).to_have_attribute("aria-pressed", "true")

    mood_id = kj.api.op(mei, "mood.post", {"text": "今天升职啦"})["mood"]["id"]
    kj.api.op(zhang, "mood.post", {"text": "普通的一天"})
    expect(dot(pa)).to_have_text("1")
    pa.get_by_test_id("nav-feed").click()
    feed_loaded(pa)
    expect(mood(pa, mood_id).get_by_test_id("care-mark")).to_be_visible()
    expect(mood(pa, text="普通的一天").get_by_test_id("care-mark")).to_be_hidden()
    open_notifications(pa)
    care = notices(pa, "care")
    expect(care).to_have_count(1)
    expect(care).to_contain_text("特别关心 小美 发表了新说说")
    expect(care).to_contain_text("“今天升职啦”")
    care.get_by_test_id("notify-open").click()
    expect(pa.get_by_test_id("space")).to_have_attribute("data-user", mei.name)
    card = mood(pa, mood_id)
    expect(card).to_have_attribute("data-revealed", "true")
    expect(card).to_be_focused()

    on_space = pa.get_by_test_id("space").get_by_test_id("care-toggle")
    expect(on_space).to_have_attribute("aria-pressed", "true")
    on_space.click()
    expect(on_space).to_have_attribute("aria-pressed", "false")
    assert kj.api.op(a, "care.list")["care"] == []
    pa.get_by_test_id("nav-friends").click()
    expect(rows.first).to_have_attribute("data-user", zhang.name)


def test_a_mention_is_a_link_and_tells_whom_it_names(kj: Kit) -> None:
    """A's mood names B; B's comment on it names C. Both names are links to their
    spaces (text around them stays text: no markup, an e-mail address not linked); "@"
    in B's composer offers B's friends. C is told of the comment and B of the mood:
    each notification opens the mood, C's with the comment highlighted."""
    a = kj.user("a", display_name="作者")
    b, c = kj.user("b", display_name="评论者"), kj.user("c", display_name="被点名")
    kj.befriend(a, b)
    kj.befriend(a, c)
    text = f"周末爬山 @{b.name} 去吗？ me@example.com"
    mood_id = kj.api.op(a, "mood.post", {"text": text})["mood"]["id"]
    pb = kj.page(b)
    feed_loaded(pb)
    card = mood(pb, mood_id)
    body = card.get_by_test_id("mood-text")
    expect(body).to_have_text(text)
    expect(body.get_by_test_id("mention")).to_have_count(1)
    expect(body.get_by_test_id("mention")).to_have_text(f"@{b.name}")
    expect(body.get_by_test_id("mention")).to_have_attribute("href", f"#/space/{b.name}")

    card.get_by_test_id("comment-input").fill(f"@{c.name} 一起来 <b>吧</b>")
    card.get_by_test_id("comment-submit").click()
    comment = card.get_by_test_id("comment").filter(has_text="一起来")
    link = comment.get_by_test_id("mention")
    expect(link).to_have_text(f"@{c.name}")
    expect(link).to_have_attribute("href", f"#/space/{c.name}")
    expect(comment.get_by_test_id("comment-text")).to_have_text(f"@{c.name} 一起来 <b>吧</b>")
    expect(comment.locator("b")).to_have_count(0)
    comment_id = comment.get_attribute("data-id")

    composer = pb.get_by_test_id("mood-input")
    composer.press_sequentially(f"你好 @{a.name[:1]}")
    suggestions = pb.get_by_test_id("mention-list")
    expect(suggestions.get_by_test_id("mention-option")).to_have_count(1)
    expect(suggestions).to_contain_text(f"@{a.name}")
    composer.press("Enter")
    expect(composer).to_have_value(f"你好 @{a.name} ")
    expect(suggestions).to_be_hidden()
    composer.press_sequentially("@")
    expect(suggestions).to_be_visible()
    composer.press("Escape")
    expect(suggestions).to_be_hidden()
    expect(composer).to_have_value(f"你好 @{a.name} @")
    composer.fill("")

    pc = kj.page(c, "/#/friends")
    expect(dot(pc)).to_have_text("1")
    open_notifications(pc)
    said = notices(pc, "mention")
    expect(said).to_contain_text("评论者 在评论中提到了你")
    said.get_by_test_id("notify-open").click()
    shown = mood(pc, mood_id).locator(f'[data-testid=comment][data-id="{comment_id}"]')
    expect(shown).to_have_attribute("data-revealed", "true")
    expect(shown).to_be_focused()

    open_notifications(pb)
    named = notices(pb, "mention")
    expect(named).to_contain_text("作者 在说说中提到了你")
    named.get_by_test_id("notify-open").click()
    expect(pb.get_by_test_id("space")).to_have_attribute("data-user", a.name)
    expect(mood(pb, mood_id)).to_have_attribute("data-revealed", "true")
    mood(pb, mood_id).get_by_test_id("comment").filter(has_text="一起来").get_by_test_id(
        "mention").click()
    expect(pb.get_by_test_id("space")).to_have_attribute("data-user", c.name)


def test_groups_care_and_mentions_fit_a_phone(kj: Kit) -> None:
    """On a phone: the friends page with the ☆ toggles and a group of long names, a
    friend's space with its toggle, and the composer with 多个分组 open — nothing wider
    than the screen."""
    a = kj.user("a")
    friends = [kj.user("f", display_name=f"很长很长的名字朋友{i}号 A-very-long-name")
               for i in range(3)]
    for f in friends:
        kj.befriend(a, f)
    kj.api.op(a, "group.set", {"name": "大学同学和高中同学一起的群",
                               "members": [f.name for f in friends]})
    kj.api.op(a, "group.set", {"name": "家人", "members": [friends[0].name]})
    kj.api.op(a, "care.set", {"user": friends[1].name, "on": True})
    page = open_page(kj, a, "/#/friends", PHONE)
    expect(page.get_by_test_id("friend-list").get_by_test_id("friend").first).to_have_attribute(
        "data-user", friends[1].name)
    expect(group_row(page, "大学同学和高中同学一起的群")).to_be_visible()
    page.get_by_test_id("group-new").click()
    expect(page.get_by_test_id("group-member")).to_have_count(3)
    assert no_horizontal_overflow(page)
    page.goto(f"/#/space/{friends[1].name}")
    expect(page.get_by_test_id("care-toggle")).to_have_attribute("aria-pressed", "true")
    assert no_horizontal_overflow(page)
    page.get_by_test_id("nav-feed").click()
    feed_loaded(page)
    page.get_by_test_id("mood-visibility-select").select_option(label="多个分组… Several groups")
    expect(page.get_by_test_id("mood-groups-choice")).to_be_visible()
    page.get_by_test_id("mood-input").press_sequentially("@f")
    expect(page.get_by_test_id("mention-option")).to_have_count(3)
    assert no_horizontal_overflow(page)
