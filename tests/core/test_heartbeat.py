"""Heartbeats and idle timeout: the server sends `heartbeat` frames every
`heartbeat_interval`; a client from which nothing arrived for `idle_timeout` is closed
with 4408. Any frame from the client counts as activity — an op, even a malformed one."""

from __future__ import annotations

from hub.client import Client
from hub.node import heartbeat_slices
from tests.core.conftest import MakeHub
from tests.core.support import Raw, account

INTERVAL, IDLE = 0.05, 0.6


async def test_silent_client_gets_heartbeats_then_4408(make_hub: MakeHub) -> None:
    hub = await make_hub(heartbeat_interval=INTERVAL, idle_timeout=IDLE)
    _, token = await account(hub.url, "hb")
    raw, _ = await Raw.hello(hub.url, token)
    first = await raw.recv_type("heartbeat")
    second = await raw.recv_type("heartbeat")
    assert isinstance(first["data"]["ts"], int)
    assert second["data"]["ts"] >= first["data"]["ts"]
    assert set(first) == {"type", "data"}  # no id, no seq: not an inbox event
    assert await raw.closed(timeout=10) == 4408


async def test_any_frame_from_the_client_counts_as_activity(make_hub: MakeHub) -> None:
    hub = await make_hub(heartbeat_interval=INTERVAL, idle_timeout=IDLE)
    _, token = await account(hub.url, "ha")
    raw, _ = await Raw.hello(hub.url, token)
    beats = 0
    # Answer each heartbeat with something, for several idle timeouts' worth of beats:
    # pings, malformed text and binary frames alike keep the socket open.
    answers: list[str | bytes | dict[str, object]] = [
        {"op": "ping", "ref": None}, "not json", b"\x00", {"op": "nope"}]
    while beats < 1.5 * IDLE / INTERVAL:
        await raw.recv_type("heartbeat")
        await raw.send(answers[beats % len(answers)])
        beats += 1
    await raw.ping()  # still open and serving
    await raw.close()


async def test_library_client_answers_heartbeats_and_stays(make_hub: MakeHub) -> None:
    hub = await make_hub(heartbeat_interval=INTERVAL, idle_timeout=IDLE)
    _, token = await account(hub.url, "hl")
    client = await Client.connect(hub.url, token)
    watcher, _ = await Raw.hello(hub.url, token)  # paces the test by the beats it sees
    try:
        for _ in range(int(1.5 * IDLE / INTERVAL)):
            await watcher.recv_type("heartbeat")
            await watcher.send({"op": "ping", "ref": None})
        # the watcher falls silent and is closed; the library client answers on its own
        assert await watcher.closed(timeout=10) == 4408
        assert client.close_code is None
        assert isinstance((await client.call("ping"))["ts"], int)
    finally:
        await client.close()


async def test_a_heartbeat_round_is_spread_over_the_interval(make_hub: MakeHub) -> None:
    """Each slice reaches a part of the connections; a whole round reaches each once."""
    hub = await make_hub(heartbeat_interval=3600, idle_timeout=7200)  # the loop stays idle
    node = hub.node
    raws = []
    for n in range(12):
        _, token = await account(hub.url, f"hs{n}")
        raw, _ = await Raw.hello(hub.url, token)
        raws.append(raw)
    slices = node.registry.slices
    assert len(slices) == heartbeat_slices(node.settings.heartbeat_interval) == 25
    assert sum(map(len, slices)) == 12 and max(map(len, slices)) < 12  # spread out
    for k in range(len(slices)):
        node.heartbeat_slice(k)
    for raw in raws:  # each connection got exactly one heartbeat in the round
        await raw.send({"op": "ping", "ref": None})
        kinds = []
        while not kinds or kinds[-1] != "reply":  # everything up to the ping's reply
            kinds.append((await raw.recv()).get("type"))
        assert kinds == ["heartbeat", "reply"]
        await raw.close()
