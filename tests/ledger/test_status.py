"""Worker status: online, low, offline, from buckets, connection and now."""

import pytest

from backend.ledger.buckets import aggregate
from backend.ledger.events import ShareEvent
from backend.ledger.status import (
    StatusThresholds,
    WorkerStatus,
    expected_share_interval,
    silence_limit,
    worker_status,
)

T0 = 1_733_011_200  # a UTC midnight
NOW = T0 + 3600
RATE = 2**32 / 10  # one difficulty-1 share every 10 s


def shares(times, difficulty=1.0):
    events = [ShareEvent("alice", "rig1", difficulty, difficulty, True, None, None, False, t, 0)
              for t in times]  # fmt: skip
    return list(aggregate(events).values())


def steady():
    """One share every 10 s for the hour before NOW."""
    return shares(range(T0, NOW, 10))


def test_steady_connected_worker_is_online():
    assert worker_status(steady(), connected=True, now=NOW) is WorkerStatus.ONLINE


def test_disconnected_worker_is_offline_whatever_its_shares():
    assert worker_status(steady(), connected=False, now=NOW) is WorkerStatus.OFFLINE


def test_connected_worker_that_never_shared_is_offline():
    assert worker_status([], connected=True, now=NOW) is WorkerStatus.OFFLINE


def test_offline_after_five_minutes_without_an_accepted_share():
    """Default expected interval 10 s: the limit is max(300, 10 * 10) = 300 s."""
    rows = shares(range(T0, NOW - 300, 10))  # last share at NOW - 310
    assert worker_status(rows, connected=True, now=NOW - 11) is not WorkerStatus.OFFLINE
    assert worker_status(rows, connected=True, now=NOW - 10) is WorkerStatus.OFFLINE


def test_slow_worker_gets_ten_share_intervals():
    """Expected interval 60 s: the limit is max(300, 10 * 60) = 600 s, so 400 s of silence is not
    offline."""
    assert silence_limit(60, StatusThresholds()) == 600
    rows = shares(range(T0 + 20, NOW - 399, 60))  # last share at NOW - 400
    assert worker_status(rows, connected=True, now=NOW, expected_interval=60) in (
        WorkerStatus.ONLINE,
        WorkerStatus.LOW,
    )
    assert worker_status(rows, connected=True, now=NOW) is WorkerStatus.OFFLINE


def test_low_when_the_five_minute_rate_halves():
    """50 minutes at one share per 10 s (300 shares), then one per 60 s (10 shares). At NOW the
    5-minute window (bucket NOW-300) holds 5 shares over 300 s; the hour holds 310 over 3600 s.
    5/300 = 0.0167 is below half of 310/3600 = 0.0861, so the worker is low."""
    rows = shares([*range(T0, T0 + 3000, 10), *range(T0 + 3000, NOW, 60)])
    assert worker_status(rows, connected=True, now=NOW) is WorkerStatus.LOW
    lenient = StatusThresholds(low_fraction=0.15)
    assert worker_status(rows, connected=True, now=NOW, thresholds=lenient) is WorkerStatus.ONLINE


def test_low_below_the_account_floor():
    floor = StatusThresholds(low_floor=RATE * 1.5)
    assert worker_status(steady(), connected=True, now=NOW, thresholds=floor) is WorkerStatus.LOW


def test_young_worker_is_not_low_against_a_floor():
    """Connected 60 s ago, one share every 10 s: its true rate is RATE. With ``first_seen`` the
    5-minute rate is 6 shares / 60 s = RATE, above a floor of 0.9 * RATE; without it the same
    shares spread over the whole 300-600 s window and read far lower."""
    first_seen = NOW - 60
    rows = shares(range(first_seen + 10, NOW + 1, 10))
    floor = StatusThresholds(low_floor=0.9 * RATE)
    kwargs = {"connected": True, "now": NOW, "thresholds": floor}
    assert worker_status(rows, first_seen=first_seen, **kwargs) is WorkerStatus.ONLINE
    assert worker_status(rows, **kwargs) is WorkerStatus.LOW


def test_expected_share_interval():
    assert expected_share_interval(1.0, RATE) == 10.0
    with pytest.raises(ValueError):
        expected_share_interval(1.0, 0)
