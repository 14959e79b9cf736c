"""Pure modules: the wire protocol, input validation, levels, settings, the token
bucket and the gift catalog."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path
from typing import Any

import orjson
import pytest

from hub import catalog, levels, validate
from hub.config import MAX_FRAME_CEILING, Settings, parse_value
from hub.errors import HTTP_STATUS, CloseCode, ErrorCode, OpError
from hub.protocol import (
    FrameError,
    encode_error,
    encode_event_body,
    encode_heartbeat,
    encode_hello,
    encode_presence,
    encode_reply,
    epoch_of,
    frame_event,
    make_event_id,
    parse_event_id,
    parse_frame,
    seq_of,
)
from hub.ratelimit import TokenBucket

# -- protocol -----------------------------------------------------------------------


def test_parse_frame_accepts_a_request() -> None:
    request = parse_frame('{"op":"mood.post","ref":"r1","data":{"text":"你好"}}')
    assert (request.op, request.ref, request.data) == ("mood.post", "r1", {"text": "你好"})
    assert parse_frame(b'{"op":"ping"}').data == {}  # bytes too; data defaults to {}
    assert parse_frame('{"op":"ping","data":null,"ref":3}').data == {}
    assert parse_frame('{"op":"ping","ref":null}').ref is None
    assert parse_frame('{"op":"ping","extra":1}').op == "ping"  # unknown keys ignored


@pytest.mark.parametrize(("raw", "ref", "fragment"), [
    ("nope", None, "not valid JSON"),
    ("", None, "not valid JSON"),
    ("[]", None, "JSON object"),
    ("[1]", None, "got list"),
    ('"x"', None, "got str"),
    ("1", None, "got int"),
    ('{"ref":"a"}', "a", "no 'op'"),
    ('{"op":null,"ref":"a"}', "a", "no 'op'"),
    ('{"op":1,"ref":"a"}', "a", "'op'"),
    ('{"op":"","ref":"a"}', "a", "'op'"),
    ('{"op":"ping","ref":"a","data":[]}', "a", "'data'"),
    ('{"op":"ping","ref":{"x":1}}', None, "ref"),
    ('{"op":"ping","ref":true}', None, "ref"),
    ('{"op":"ping","ref":1.5}', None, "ref"),
])
def test_parse_frame_refuses_with_a_message_and_the_usable_ref(raw: str, ref: Any,
                                                               fragment: str) -> None:
    with pytest.raises(FrameError) as info:
        parse_frame(raw)
    assert info.value.ref == ref
    assert fragment in info.value.message


def test_parse_frame_ref_limits() -> None:
    assert parse_frame(orjson.dumps({"op": "p", "ref": "r" * 64})).ref == "r" * 64
    with pytest.raises(FrameError):
        parse_frame(orjson.dumps({"op": "p", "ref": "r" * 65}))
    assert parse_frame(orjson.dumps({"op": "o" * 64})).op == "o" * 64
    with pytest.raises(FrameError):
        parse_frame(orjson.dumps({"op": "o" * 65}))


def test_frame_event_wraps_the_shared_body_without_reserialising() -> None:
    body = encode_event_body("mood", 1234, {"mood": {"text": "引号\"和\\反斜杠"}})
    frame = frame_event("ab12:7", 7, body)
    assert body[1:] in frame  # the body's bytes, verbatim
    assert orjson.loads(frame) == {"type": "event", "id": "ab12:7", "seq": 7, "event": "mood",
                                   "ts": 1234, "data": {"mood": {"text": "引号\"和\\反斜杠"}}}
    assert list(orjson.loads(frame))[:3] == ["type", "id", "seq"]
    assert seq_of(frame) == 7
    assert seq_of(frame_event("e:123456789", 123456789, body)) == 123456789
    assert epoch_of(frame) == "ab12" and epoch_of(encode_presence("bob", True)) is None


def test_seq_of_frames_without_a_seq() -> None:
    assert seq_of(encode_presence("bob", True)) is None
    assert seq_of(encode_heartbeat(1)) is None
    assert seq_of(encode_reply("r", {"seq": 5})) is None
    assert seq_of(b'{"type":"event","id":"x"}') is None


def test_encoders_produce_the_documented_shapes() -> None:
    assert orjson.loads(encode_reply("r1", {"ts": 1})) == {
        "type": "reply", "ref": "r1", "ok": True, "data": {"ts": 1}}
    assert orjson.loads(encode_error(None, ErrorCode.BAD_REQUEST, "m")) == {
        "type": "reply", "ref": None, "ok": False,
        "error": {"code": "bad_request", "message": "m"}}
    assert orjson.loads(encode_hello({"seq": 0})) == {"type": "hello", "data": {"seq": 0}}
    assert orjson.loads(encode_presence("bob", False)) == {
        "type": "presence", "data": {"user": "bob", "online": False}}
    assert orjson.loads(encode_heartbeat(5)) == {"type": "heartbeat", "data": {"ts": 5}}


@pytest.mark.parametrize(("epoch", "seq"), [("ab12cd34", 1), ("e", 10**12), ("a:b", 3)])
def test_event_ids_round_trip(epoch: str, seq: int) -> None:
    assert parse_event_id(make_event_id(epoch, seq)) == (epoch, seq)


@pytest.mark.parametrize("bad", ["", "garbage", ":5", "abc:", "abc:x1", "abc:-1", "abc:1.5",
                                 "5", "abc:²", "abc:１２", "abc: 1"])
def test_unparseable_event_ids(bad: str) -> None:
    assert parse_event_id(bad) is None


# -- errors -------------------------------------------------------------------------

def test_every_error_code_has_an_http_status() -> None:
    assert set(HTTP_STATUS) == set(ErrorCode)
    assert HTTP_STATUS[ErrorCode.UNKNOWN_OP] == 404 and HTTP_STATUS[ErrorCode.TOO_LARGE] == 413
    assert OpError(ErrorCode.CONFLICT, "m").as_dict() == {"code": "conflict", "message": "m"}
    assert {c.value for c in CloseCode} >= {1001, 1009, 4401, 4403, 4408, 4429}


# -- validate -----------------------------------------------------------------------

def _code(fn: Any, *args: Any, **kw: Any) -> str:
    with pytest.raises(OpError) as info:
        fn(*args, **kw)
    assert info.value.message
    return info.value.code.value


def test_validate_text() -> None:
    assert validate.text({"t": " hi "}, "t", 10) == " hi "  # kept as typed
    assert validate.text({"t": "长" * 10}, "t", 10) == "长" * 10  # characters, not bytes
    assert _code(validate.text, {"t": "长" * 11}, "t", 10) == "too_large"
    assert _code(validate.text, {}, "t", 10) == "bad_request"
    assert _code(validate.text, {"t": 1}, "t", 10) == "bad_request"
    assert _code(validate.text, {"t": "  "}, "t", 10) == "bad_request"
    assert _code(validate.text, {"t": "1234567"}, "t", 256, min_len=8) == "bad_request"
    assert validate.optional_text({}, "t", 5) == ""
    assert validate.optional_text({"t": None}, "t", 5, default="d") == "d"
    assert validate.optional_text({"t": ""}, "t", 5) == ""
    assert _code(validate.optional_text, {"t": 5}, "t", 5) == "bad_request"


@pytest.mark.parametrize("name", ["abc", "a_b_1", "x" * 20, "123"])
def test_validate_username_accepts(name: str) -> None:
    assert validate.username({"u": name}, "u") == name


@pytest.mark.parametrize("name", ["ab", "x" * 21, "Abc", "a b", "a-b", "名字名字", "", None, 5,
                                  "abc\n"])
def test_validate_username_refuses(name: Any) -> None:
    assert _code(validate.username, {"u": name}, "u") == "bad_request"


def test_validate_choice_identifier_limit() -> None:
    assert validate.choice({}, "v", {"a", "b"}, default="a") == "a"
    assert validate.choice({"v": "b"}, "v", {"a", "b"}) == "b"
    assert _code(validate.choice, {"v": "c"}, "v", {"a", "b"}) == "bad_request"
    assert _code(validate.choice, {}, "v", {"a"}) == "bad_request"
    assert validate.identifier({"id": "42"}, "id") == "42"
    assert validate.identifier({"id": 42}, "id") == "42"
    assert validate.identifier({"id": "0042"}, "id") == "42"  # canonical, as events say it
    assert validate.identifier({}, "id", optional=True) is None
    assert validate.identifier({"id": str(2**63 - 1)}, "id") == str(2**63 - 1)
    for bad in ("4a", "", "-1", True, 1.0, "1" * 21, None, [1], "²", "１２", " 1", str(2**63),
                2**63, "9" * 20):
        assert _code(validate.identifier, {"id": bad}, "id") == "bad_request", bad
    assert validate.limit({}) == 20 and validate.limit({"limit": None}) == 20
    assert validate.limit({"limit": 1}) == 1 and validate.limit({"limit": 100}) == 100
    for bad in (0, 101, -5, "5", True, 5.0):
        assert _code(validate.limit, {"limit": bad}) == "bad_request", bad


# -- levels -------------------------------------------------------------------------

def test_thresholds_climb_and_level_for_inverts_them() -> None:
    assert levels.threshold(1) == 0
    assert [levels.threshold(n) for n in range(2, 6)] == [10, 30, 60, 100]
    for level in range(1, 60):
        assert levels.threshold(level + 1) > levels.threshold(level)
        assert levels.level_for(levels.threshold(level)) == level
        assert levels.level_for(levels.threshold(level + 1) - 1) == level
    assert levels.level_for(0) == 1
    assert levels.level_for(10**12) == levels.MAX_LEVEL


def test_icons_four_of_one_make_one_of_the_next() -> None:
    assert levels.icons(1) == {"crowns": 0, "suns": 0, "moons": 0, "stars": 1}
    assert levels.icons(4) == {"crowns": 0, "suns": 0, "moons": 1, "stars": 0}
    assert levels.icons(16) == {"crowns": 0, "suns": 1, "moons": 0, "stars": 0}
    assert levels.icons(64) == {"crowns": 1, "suns": 0, "moons": 0, "stars": 0}
    for level in range(1, levels.MAX_LEVEL + 1):
        i = levels.icons(level)
        assert i["crowns"] * 64 + i["suns"] * 16 + i["moons"] * 4 + i["stars"] == level
        assert max(i["suns"], i["moons"], i["stars"]) <= 3


def test_info_reports_points_still_needed() -> None:
    start = levels.info(0)
    assert start["level"] == 1 and start["points"] == 0 and start["next"] == 10
    assert levels.info(12) == {"level": 2, "points": 12, "icons": levels.icons(2), "next": 18}
    assert levels.info(10**12)["next"] is None


def test_daily_caps() -> None:
    for action, award in levels.POINTS.items():
        assert 0 < award.points <= award.daily_cap, action
        assert levels.granted(action, 0) == award.points
        assert levels.granted(action, award.daily_cap) == 0
        assert levels.granted(action, award.daily_cap + 7) == 0
        assert levels.granted(action, award.daily_cap - 1) == min(award.points, 1)
    total = 0
    for _ in range(100):  # farming a whole day earns at most the cap
        total += levels.granted("mood.post", total)
    assert total == levels.POINTS["mood.post"].daily_cap


# -- config -------------------------------------------------------------------------

def test_settings_from_env_and_overrides() -> None:
    settings = Settings.from_env({"KJ_PORT": "9001", "KJ_DATA": "none", "KJ_OPS_BURST": "5",
                                  "KJ_HEARTBEAT_INTERVAL": "1.5", "KJ_IDLE_TIMEOUT": "9",
                                  "KJ_ALLOWED_ORIGINS": " http://a.example , ,http://b ",
                                  "KJ_REDIS_URL": "", "OTHER": "x"}, port=9002)
    assert settings.port == 9002  # an override (CLI flag) wins over the environment
    assert settings.data is None and settings.data_file is None
    assert settings.ops_burst == 5 and settings.heartbeat_interval == 1.5
    assert settings.allowed_origins == ("http://a.example", "http://b")
    assert settings.redis_url is None and settings.engine == "memory"
    assert Settings.from_env({"KJ_REDIS_URL": "redis://h:1/0"}).engine == "redis"
    defaults = Settings.from_env({})
    assert defaults.inbox_retention >= 1000 and defaults.max_frame_bytes == 64 * 1024
    assert defaults.max_queue_bytes == 4 * 1024 * 1024


def test_every_field_can_come_from_the_environment() -> None:
    samples = {"host": "0.0.0.0", "port": "1", "redis_url": "redis://x", "data": "/tmp/kj",
               "secret": "s", "server_key": "k", "node_id": "n", "key_prefix": "p",
               "inbox_retention": "10", "max_frame_bytes": "1024", "max_queue_bytes": "2048",
               "heartbeat_interval": "1", "idle_timeout": "2", "ops_per_second": "1",
               "ops_burst": "1", "allowed_origins": "http://a", "presence_grace": "0",
               "session_days": "1", "static_dir": "/tmp", "log_level": "debug",
               "internal_port": "2", "cookie_secure": "true"}
    env = {f"KJ_{f.name.upper()}": samples.get(f.name, "1") for f in fields(Settings)}
    settings = Settings.from_env(env)
    for f in fields(Settings):
        value = getattr(settings, f.name)
        assert value == parse_value(f.name, env[f"KJ_{f.name.upper()}"]), f.name


def test_parse_value_types() -> None:
    assert parse_value("data", "~/kj") == Path("~/kj").expanduser()
    assert parse_value("data", "None") is None
    assert parse_value("static_dir", "/s") == Path("/s")
    assert parse_value("port", "80") == 80
    assert parse_value("ops_per_second", "2.5") == 2.5
    assert parse_value("server_key", "") is None
    assert parse_value("key_prefix", "kj") == "kj"
    with pytest.raises(ValueError, match="port must be an integer, not 'eighty'"):
        parse_value("port", "eighty")
    with pytest.raises(ValueError, match="idle_timeout must be a number"):
        parse_value("idle_timeout", "soon")
    with pytest.raises(ValueError, match="KJ_OPS_BURST"):
        Settings.from_env({"KJ_OPS_BURST": "many"})


@pytest.mark.parametrize(("overrides", "fragment"), [
    ({"max_frame_bytes": 1023}, "max_frame_bytes"),
    ({"max_frame_bytes": MAX_FRAME_CEILING + 1}, "max_frame_bytes"),
    ({"inbox_retention": 9}, "inbox_retention"),
    ({"port": 70000}, "port"),
    ({"max_queue_bytes": 0}, "max_queue_bytes"),
    ({"heartbeat_interval": 0}, "heartbeat_interval"),
    ({"heartbeat_interval": float("nan")}, "heartbeat_interval"),
    ({"heartbeat_interval": 5.0, "idle_timeout": 5.0}, "idle_timeout"),
    ({"ops_per_second": 0}, "ops_per_second"),
    ({"ops_burst": 0}, "ops_burst"),
    ({"presence_grace": -1}, "presence_grace"),
    ({"redis_ping_interval": 0}, "redis_ping_interval"),
    ({"session_days": 0}, "session_days"),
    ({"log_level": "loud"}, "log_level"),
])
def test_settings_bounds(overrides: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        Settings(**overrides)


def test_settings_bounds_are_inclusive() -> None:
    Settings(max_frame_bytes=1024, inbox_retention=10)
    Settings(max_frame_bytes=MAX_FRAME_CEILING, port=0, ops_burst=1, presence_grace=0,
             session_days=1, max_queue_bytes=1024, log_level="WARNING")


def test_secrets_stay_out_of_repr() -> None:
    text = repr(Settings(secret="s3cr3t-value", server_key="k3y-value"))
    assert "s3cr3t-value" not in text and "k3y-value" not in text


# -- rate limit ---------------------------------------------------------------------

class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_bursts_then_refills_at_the_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(2.0, 3, clock)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    assert bucket.strikes == 1
    clock.now += 0.25  # half a token
    assert bucket.take() is False and bucket.strikes == 2
    clock.now += 0.25  # the other half
    assert bucket.take() is True and bucket.strikes == 0  # let through: strikes reset
    assert bucket.take() is False
    clock.now += 1000  # refill never exceeds the burst
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]


def test_token_bucket_counts_strikes_while_refused() -> None:
    clock = FakeClock()
    bucket = TokenBucket(1.0, 1, clock)
    assert bucket.take()
    for n in range(1, 6):
        assert not bucket.take()
        assert bucket.strikes == n


def test_token_bucket_tolerates_a_clock_that_stands_still() -> None:
    clock = FakeClock()
    bucket = TokenBucket(1000.0, 2, clock)
    assert bucket.take() and bucket.take() and not bucket.take()


# -- catalog ------------------------------------------------------------------------

def test_gift_catalog_sanity() -> None:
    gifts = catalog.GIFTS
    assert len(gifts) >= 8
    assert len({g["id"] for g in gifts}) == len(gifts)
    assert len({g["animation"] for g in gifts}) == len(gifts)  # each plays its own
    assert all(g["name"] and g["min_level"] >= 1 for g in gifts)
    assert 1 <= sum(g["min_level"] == 1 for g in gifts) < len(gifts)  # a few open at level 1
    assert catalog.GIFTS_BY_ID == {g["id"]: g for g in gifts}
    for table in (catalog.SKINS, catalog.MUSIC):
        assert len({u["id"] for u in table}) == len(table)
        assert any(u["min_level"] == 1 for u in table)
    assert catalog.SKINS_BY_ID["classic"]["min_level"] == 1
    assert catalog.MUSIC_BY_ID["none"]["min_level"] == 1
    assert len(set(catalog.HEAD_PORTRAITS)) == len(catalog.HEAD_PORTRAITS) >= 1


def test_every_gift_animation_exists_in_the_browser_client() -> None:
    script = (Path(__file__).resolve().parents[2] / "static" / "js" / "giftanim.js").read_text()
    missing = [g["animation"] for g in catalog.GIFTS
               if not re.search(rf"\b{re.escape(g['animation'])}\s*\(", script)]
    assert not missing, f"no animation scene in static/js/giftanim.js for {missing}"


def test_on_this_day_is_the_same_month_and_day_in_an_earlier_year() -> None:
    from hub.clock import on_this_day

    day = 86_400_000
    now = 1_731_621_600_000  # 2024-11-14 22:00 UTC
    assert on_this_day(now - 366 * day, now)  # 2023-11-14 (2024 is a leap year)
    assert not on_this_day(now - 365 * day, now)  # 2023-11-15
    assert not on_this_day(now - 3_600_000, now)  # today is no earlier year
