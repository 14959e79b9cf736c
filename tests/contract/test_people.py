"""People on both engines: finding users by username or display name (`users.search`),
visits that name the visitor, and `profile` events when a name or head portrait changes."""

from __future__ import annotations

from hub.client import Client
from tests.harness import InProcessHub, Users, befriend


async def _search(client: Client, q: str, limit: int | None = None) -> list[str]:
    data: dict[str, object] = {"q": q}
    if limit is not None:
        data["limit"] = limit
    return [u["user"] for u in (await client.call("users.search", data))["users"]]


async def test_search_matches_a_username_or_display_name_prefix(users: Users) -> None:
    lin = await users.new("qq")
    await lin.call("space.update", {"display_name": "林晓 Lin Xiao"})
    mu = await users.new("mu")  # found by username
    await mu.call("space.update", {"display_name": "Zed"})
    mule = await users.new("mv")  # found by display name, and by its own username
    await mule.call("space.update", {"display_name": "Mule Driver"})
    umlaut = await users.new("uu")
    await umlaut.call("space.update", {"display_name": "Ölfarbe"})

    assert await _search(lin, "林晓") == [lin.name]
    assert await _search(lin, "林") == [lin.name]
    assert await _search(lin, "Lin") == []  # a prefix of the name, not of a word in it
    # ASCII case does not matter, in usernames or display names; sorted by username,
    # each user once
    both = sorted([mu.name, mule.name])
    assert await _search(lin, "MU") == both
    assert await _search(lin, "mule d") == [mule.name]
    assert await _search(lin, "MU", limit=1) == both[:1]
    assert await _search(lin, mule.name.upper()) == [mule.name]
    # other letters match as typed
    assert await _search(lin, "Öl") == [umlaut.name]
    assert await _search(lin, "öl") == []
    found = (await lin.call("users.search", {"q": "林晓"}))["users"]
    assert found == [{"user": lin.name, "display_name": "林晓 Lin Xiao", "head_portrait": "cat"}]


async def test_search_follows_a_display_name_change(hub: InProcessHub, users: Users) -> None:
    a = await users.new("rn")
    await a.call("space.update", {"display_name": "老名字 Old"})
    assert await _search(a, "老名字") == [a.name]
    await a.call("space.update", {"display_name": "新名字 New"})
    assert await _search(a, "老名字") == []
    assert await _search(a, "新名字") == [a.name]
    await a.call("space.update", {"signature": "只改签名"})  # the name stays found
    assert await _search(a, "新名字") == [a.name]
    # a taken username does not index the refused account's display name
    from hub.models import UserRecord

    taken = UserRecord(username=a.name, display_name="冒名 Impostor", password_hash="x",
                       created=0, signature="", head_portrait="cat", skin="classic",
                       music="none", points=0)
    assert not await hub.node.store.create_user(taken)
    assert await _search(a, "冒名") == []


async def test_a_visit_names_the_visitor(users: Users) -> None:
    a, b = await users.new("own"), await users.new("vis")
    await b.call("space.update", {"display_name": "访客小王", "head_portrait": "fox"})
    await b.call("space.get", {"user": a.name})
    visit = await a.next_event("visit")
    assert visit.data == {"owner": a.name, "visitor": b.name, "ts": visit.data["ts"],
                          "visitor_name": "访客小王", "visitor_portrait": "fox"}


async def test_profile_event_goes_to_the_user_and_friends(users: Users) -> None:
    a, b, c = await users.new("a"), await users.new("b"), await users.new("c")
    await befriend(a, b)
    await a.call("space.update", {"signature": "只改签名 no event"})
    await a.call("space.update", {"display_name": "新名 New", "head_portrait": "tiger"})
    wanted = {"user": a.name, "display_name": "新名 New", "head_portrait": "tiger"}
    for who in (a, b):
        event = await who.next_event("profile")
        assert event.data == wanted
        assert event.id is not None  # in the inbox: a resume replays it
    await a.call("space.update", {"display_name": "新名 New", "skin": "sakura"})  # same name
    await a.call("space.update", {"head_portrait": "panda"})
    for who in (a, b):
        event = await who.next_event("profile")
        assert event.data == {**wanted, "head_portrait": "panda"}
    # C, a stranger, gets none: checked after an event C does get
    await a.call("guestbook.post", {"to": c.name, "text": "marker"})
    await c.next_event("guestbook")
    await c.expect_no_event("profile", within=0)
    await b.call("mood.post", {"text": "marker"})
    await a.next_event("mood")
    await a.expect_no_event("profile", within=0)
