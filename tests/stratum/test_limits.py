"""StratumLimits defaults (security reference §3) and the bounded tables that enforce them."""

from __future__ import annotations

import inspect

from backend.stratum import limits as limits_module
from backend.stratum.limits import (
    Backoff,
    BucketTable,
    EventCounter,
    ExpiryTable,
    StratumLimits,
    TokenBucket,
)


def test_defaults_are_the_reference_values() -> None:
    limits = StratumLimits()
    assert limits.max_line_bytes == 4096
    assert limits.first_message_timeout == 60
    assert limits.authorize_timeout == 60
    assert limits.idle_timeout == 600
    assert limits.blocked_write_timeout == 60
    assert limits.max_send_queue == 64 * 1024
    assert (limits.message_rate, limits.message_burst) == (20, 100)
    assert limits.max_unauthenticated_per_ip == 64
    assert (limits.new_connection_rate_per_ip, limits.new_connection_burst_per_ip) == (20, 100)
    assert limits.invalid_share_min_shares == 50
    assert limits.invalid_share_ratio == 0.5
    assert limits.invalid_share_ban == 600
    assert (limits.junk_ban_threshold, limits.junk_window, limits.junk_ban) == (3, 600, 180)
    assert (limits.auth_backoff_initial, limits.auth_backoff_max) == (3, 600)
    assert limits.extranonce2_size == 4
    assert limits.max_connections > 0


def test_every_limit_has_a_docstring() -> None:
    source = inspect.getsource(limits_module)
    for name in StratumLimits.__dataclass_fields__:
        after = source.split(f"    {name}:", 1)[1]
        assert after.split("\n", 2)[1].strip().startswith('"""'), name


def test_token_bucket_spends_the_burst_then_refills_at_the_rate() -> None:
    bucket = TokenBucket(rate=20, burst=100, now=0.0)
    assert all(bucket.take(0.0) for _ in range(100))
    assert not bucket.take(0.0)
    assert bucket.take(0.05)  # one token back after 1/20 s
    assert not bucket.take(0.05)
    assert all(bucket.take(100.0) for _ in range(100))  # refills to the burst, never beyond
    assert not bucket.take(100.0)


def test_bucket_table_is_per_key_and_bounded() -> None:
    table: BucketTable[str] = BucketTable(rate=1, burst=2, capacity=3)
    assert table.take("a", 0) and table.take("a", 0)
    assert not table.take("a", 0)
    assert table.take("b", 0)
    for key in "cdefg":
        table.take(key, 0)
    assert len(table) == 3
    assert table.take("a", 0)  # forgotten, so it starts full again: the lenient direction


def test_expiry_table_expires_and_is_bounded() -> None:
    bans: ExpiryTable[str] = ExpiryTable(capacity=2)
    bans.activate("x", 10)
    assert bans.remaining("x", 4) == 6
    assert bans.remaining("x", 10) == 0
    bans.activate("a", 10)
    bans.activate("b", 10)
    bans.activate("c", 10)
    assert len(bans) == 2
    assert bans.remaining("a", 0) == 0 and bans.remaining("c", 0) == 10


def test_event_counter_fires_at_the_threshold_within_the_window() -> None:
    junk: EventCounter[str] = EventCounter(threshold=3, window=600, capacity=10)
    assert not junk.hit("ip", 0)
    assert not junk.hit("ip", 100)
    assert junk.hit("ip", 200)
    assert not junk.hit("ip", 201)  # reset after firing
    assert not junk.hit("other", 0)
    slow: EventCounter[str] = EventCounter(threshold=3, window=600, capacity=10)
    assert not slow.hit("ip", 0)
    assert not slow.hit("ip", 500)
    assert not slow.hit("ip", 700)  # the first one fell out of the window
    assert slow.hit("ip", 800)


def test_backoff_doubles_from_three_seconds_up_to_the_cap() -> None:
    backoff: Backoff[str] = Backoff(initial=3, maximum=600, capacity=10)
    assert backoff.remaining("u", 0) == 0
    waits = [backoff.fail("u", 0) for _ in range(10)]
    assert waits == [3, 6, 12, 24, 48, 96, 192, 384, 600, 600]
    assert backoff.remaining("u", 100) == 500
    backoff.succeed("u")
    assert backoff.remaining("u", 100) == 0
    assert backoff.fail("u", 100) == 3
