"""Worker status — online, low or offline — from the worker's buckets, its connection and now.

The v4 API counts workers by these three states (§6.8) but leaves the thresholds open (gap 9);
these are ours, named in ``StatusThresholds``:

- **offline**: not connected, or no accepted share for ``max(offline_after, offline_intervals *
  expected share interval)`` seconds — 5 minutes, or 10 share intervals for a slow worker
  (reference §5.3: at one share per 10 s, 5 minutes of silence has probability e^-30).
- **low**: online, but the 5-minute hashrate is below ``low_fraction`` (50 %) of the worker's own
  1-hour hashrate, or below the account's optional floor in H/s.
- **online**: otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from backend.ledger.buckets import (
    BASE_BUCKET,
    HASHES_PER_DIFFICULTY,
    HOUR_BUCKET,
    ShareBucket,
    window_hashrate,
)

OFFLINE_AFTER = 300
"""Seconds without an accepted share after which a worker is offline, at the least: 5 minutes
(reference §5.3 recommendation; public-pool's 5-minute heartbeat)."""

OFFLINE_INTERVALS = 10
"""Expected share intervals without a share after which a worker is offline (reference §5.3:
``max(5 min, 10 * expected share interval)``)."""

LOW_FRACTION = 0.5
"""A worker whose 5-minute rate falls below this fraction of its 1-hour rate is low. With ~30
shares in 5 minutes the rate's error is ~18 % (reference §5.1), so halving is a real drop."""

DEFAULT_SHARE_INTERVAL = 10.0
"""Expected seconds between shares when the caller knows no better: vardiff's target
(``VardiffSettings.target_interval``, reference §4.4)."""


class WorkerStatus(StrEnum):
    """The three states of the v4 ``workers`` counts (§6.8) and the watcher API."""

    ONLINE = "online"
    LOW = "low"
    OFFLINE = "offline"


@dataclass(frozen=True, slots=True)
class StatusThresholds:
    """The numbers that decide a worker's status (module docstring)."""

    offline_after: int = OFFLINE_AFTER
    """Minimum silence, in seconds, that makes a worker offline."""
    offline_intervals: int = OFFLINE_INTERVALS
    """Silence, in expected share intervals, that makes a worker offline."""
    low_fraction: float = LOW_FRACTION
    """5-minute rate below this fraction of the 1-hour rate → low."""
    low_floor: float | None = None
    """Per-account floor in H/s: a 5-minute rate below it → low. None: no floor."""


def expected_share_interval(difficulty: float, hashrate: float) -> float:
    """Seconds one share of ``difficulty`` takes on average at ``hashrate`` H/s."""
    if hashrate <= 0:
        raise ValueError("hashrate must be positive")
    return difficulty * HASHES_PER_DIFFICULTY / hashrate


def silence_limit(expected_interval: float, thresholds: StatusThresholds) -> float:
    """Seconds without an accepted share after which a worker is offline."""
    return max(thresholds.offline_after, thresholds.offline_intervals * expected_interval)


def worker_status(
    rows: Iterable[ShareBucket],
    *,
    connected: bool,
    now: int,
    expected_interval: float = DEFAULT_SHARE_INTERVAL,
    first_seen: int | None = None,
    thresholds: StatusThresholds = StatusThresholds(),
) -> WorkerStatus:
    """The status of one worker at ``now``.

    ``rows`` are the worker's 5-minute buckets covering at least the last hour (older rows are
    ignored, rows of another size are a ValueError); ``connected`` is whether any of its
    connections is open; ``first_seen`` is passed on to ``window_hashrate`` so a worker that
    joined minutes ago is compared fairly.
    """
    base: Sequence[ShareBucket] = list(rows)
    if not connected:
        return WorkerStatus.OFFLINE
    last = max((row.last_share for row in base if row.last_share is not None), default=None)
    if last is None or now - last >= silence_limit(expected_interval, thresholds):
        return WorkerStatus.OFFLINE
    rate_5m = window_hashrate(base, now, BASE_BUCKET, first_seen=first_seen)
    rate_1h = window_hashrate(base, now, HOUR_BUCKET, first_seen=first_seen)
    if rate_5m < thresholds.low_fraction * rate_1h:
        return WorkerStatus.LOW
    if thresholds.low_floor is not None and rate_5m < thresholds.low_floor:
        return WorkerStatus.LOW
    return WorkerStatus.ONLINE
