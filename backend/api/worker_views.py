"""Workers and accounts as the read API shows them: rates, counts and status from buckets.

Pure: the store's rows and `now` in, schema models out. The rules are the ledger's
(`backend.ledger.status`, `backend.ledger.buckets`); what this adds is which rows feed which
figure:

- `hashrate5m` / `hashrate1h`: the worker's 5-minute rows over the last 5 minutes / hour;
- `hashrate24h` and the 24-hour share counts: its 1-hour rows over the last 24 hours;
- `rejectRate`: (stale + invalid) / all shares over those 24 hours; stale is counted apart
  from invalid (`stale24h` vs `rejected24h`), as watcher-api-v1 asks;
- status: `worker_status` on the 5-minute rows, the connection, and the worker's own expected
  share interval (its difficulty at its 1-hour rate).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from backend.api.amounts import ratio
from backend.api.schemas import WorkerCounts, WorkerRow
from backend.ledger.buckets import (
    BASE_BUCKET,
    DAY_BUCKET,
    HOUR_BUCKET,
    ShareBucket,
    reject_rates,
    window_hashrate,
)
from backend.ledger.status import (
    DEFAULT_SHARE_INTERVAL,
    StatusThresholds,
    WorkerStatus,
    expected_share_interval,
    worker_status,
)
from backend.ledger.workers import WorkerRecord


@dataclass(frozen=True, slots=True)
class Activity:
    """The rows one worker (or one account) is judged on."""

    recent: Sequence[ShareBucket]
    """5-minute rows covering at least the last hour."""
    day: Sequence[ShareBucket]
    """1-hour rows covering at least the last 24 hours."""


def recent_since(now: int) -> int:
    """Start of the oldest 5-minute row an `Activity` needs."""
    return now - now % BASE_BUCKET - HOUR_BUCKET


def day_since(now: int) -> int:
    """Start of the oldest 1-hour row an `Activity` needs."""
    return now - now % HOUR_BUCKET - DAY_BUCKET


def _in_day(rows: Iterable[ShareBucket], now: int) -> list[ShareBucket]:
    first = now - now % HOUR_BUCKET - DAY_BUCKET + HOUR_BUCKET
    return [row for row in rows if first <= row.start <= now]


def rates(activity: Activity, now: int, first_seen: int | None) -> tuple[float, float, float]:
    """(5-minute, 1-hour, 24-hour) hashrates in H/s."""
    return (
        window_hashrate(activity.recent, now, BASE_BUCKET, first_seen=first_seen),
        window_hashrate(activity.recent, now, HOUR_BUCKET, first_seen=first_seen),
        window_hashrate(activity.day, now, DAY_BUCKET, seconds=HOUR_BUCKET, first_seen=first_seen),
    )


def day_counts(activity: Activity, now: int) -> tuple[int, int, int]:
    """(accepted, invalid, stale) shares over the last 24 hours."""
    rows = _in_day(activity.day, now)
    return (
        sum(row.accepted for row in rows),
        sum(row.invalid for row in rows),
        sum(row.stale for row in rows),
    )


def status_of(
    record: WorkerRecord,
    activity: Activity,
    now: int,
    rate_1h: float,
    thresholds: StatusThresholds,
) -> WorkerStatus:
    """online / low / offline (`backend.ledger.status`)."""
    interval = DEFAULT_SHARE_INTERVAL
    if record.difficulty and rate_1h > 0:
        interval = expected_share_interval(record.difficulty, rate_1h)
    return worker_status(
        activity.recent,
        connected=record.connected,
        now=now,
        expected_interval=interval,
        first_seen=record.first_seen,
        thresholds=thresholds,
    )


def worker_row(
    record: WorkerRecord, activity: Activity, now: int, thresholds: StatusThresholds
) -> WorkerRow:
    """The watcher API's row for one worker."""
    rate_5m, rate_1h, rate_24h = rates(activity, now, record.first_seen)
    accepted, invalid, stale = day_counts(activity, now)
    return WorkerRow(
        name=record.name,
        status=status_of(record, activity, now, rate_1h, thresholds).value,
        hashrate5m=rate_5m,
        hashrate1h=rate_1h,
        hashrate24h=rate_24h,
        accepted24h=accepted,
        rejected24h=invalid,
        stale24h=stale,
        reject_rate=ratio(reject_rates(_in_day(activity.day, now)).total),
        last_share_at=record.last_share_at,
        current_difficulty=record.difficulty,
        best_share=record.best_share,
        connected_at=record.connected_at,
        user_agent=record.user_agent,
    )


def counts(rows: Iterable[WorkerRow]) -> WorkerCounts:
    """How many workers are online, low and offline."""
    tally = {"online": 0, "low": 0, "offline": 0}
    for row in rows:
        tally[row.status] += 1
    return WorkerCounts(**tally)
