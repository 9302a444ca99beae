"""Hashrate series: which buckets a request covers, and each bucket's rate and reject rate.

The reference leaves time windows open (gap 11); our rules:

- buckets are UTC-aligned and start-inclusive (`backend.ledger.buckets`); a point's `timestamp`
  is its bucket's start; `from` and `to` are inclusive and select every bucket that contains a
  second of `[from, to]`;
- `to` defaults to now; without `from` the last `DEFAULT_POINTS` buckets up to `to` are returned
  (the reverted March-2026 revision's rule, the only one published);
- a `to` up to `FUTURE_TOLERANCE` seconds ahead of the server clock is clock skew and is read as
  now; further ahead, `from` after `to`, or a span longer than `MAX_SPAN` for the interval is the
  documented 422 `Incorrect timestamp`;
- missing buckets are zero points, so a series has no holes; the current, partly elapsed bucket
  is averaged over its elapsed time (at least a minute), not its full length.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from backend.ledger.buckets import MIN_RATE_SECONDS, ShareBucket, bucket_start, hashrate

INTERVALS = {"5m": 300, "1h": 3600, "24h": 86400}
"""Interval tokens (whitebit-v4 §6.5, §6.10) in seconds."""

MAX_SPAN = {"5m": 3 * 86400, "1h": 7 * 86400, "24h": 30 * 86400}
"""Longest `to - from` per interval (March-2026 revision: 3 days, 7 days, 30 days)."""

DEFAULT_POINTS = 14
"""Points returned when `from` is omitted."""

FUTURE_TOLERANCE = 300
"""Seconds a `to` (or `from`) may lie ahead of the server clock and still be read as now."""


class BadWindow(ValueError):
    """The requested window is the 422 `Incorrect timestamp`."""


@dataclass(frozen=True, slots=True)
class Window:
    """Buckets of `seconds` starting at `since` up to (excluding) `until`."""

    since: int
    until: int
    seconds: int

    @property
    def starts(self) -> range:
        """Every bucket start in the window."""
        return range(self.since, self.until, self.seconds)


def window(from_: int | None, to: int | None, interval: str, now: int) -> Window:
    """The buckets a request covers (module docstring); BadWindow for the 422 cases."""
    seconds = INTERVALS[interval]
    if to is None or now < to <= now + FUTURE_TOLERANCE:
        to = now
    if to > now or (from_ is not None and from_ > now + FUTURE_TOLERANCE):
        raise BadWindow("timestamp in the future")
    last = bucket_start(to, seconds)
    if from_ is None:
        first = last - (DEFAULT_POINTS - 1) * seconds
    else:
        if from_ > to:
            raise BadWindow("from is after to")
        if to - from_ > MAX_SPAN[interval]:
            raise BadWindow("window too long for the interval")
        first = bucket_start(from_, seconds)
    return Window(max(first, 0), last + seconds, seconds)


@dataclass(frozen=True, slots=True)
class Point:
    """One bucket of a series."""

    start: int
    """Bucket start, Unix seconds."""
    hashrate: float
    """H/s averaged over the bucket (or its elapsed part)."""
    reject_rate: float
    """(stale + invalid) / all shares in the bucket; 0 without shares."""
    accepted: int
    """Accepted shares."""


def bucket_rate(row: ShareBucket, now: int) -> float:
    """The bucket's average H/s; a bucket still running is averaged over what has elapsed."""
    elapsed = row.seconds
    if row.start + row.seconds > now:
        elapsed = min(row.seconds, max(now - row.start, MIN_RATE_SECONDS))
    return hashrate(row.accepted_difficulty, elapsed)


def points(rows: Iterable[ShareBucket], span: Window, now: int) -> list[Point]:
    """One point per bucket of `span`, zero where there is no row."""
    by_start = {row.start: row for row in rows if row.seconds == span.seconds}
    out = []
    for start in span.starts:
        row = by_start.get(start)
        if row is None or not row.shares:
            out.append(Point(start, 0.0, 0.0, 0))
            continue
        out.append(
            Point(
                start,
                bucket_rate(row, now),
                (row.stale + row.invalid) / row.shares,
                row.accepted,
            )
        )
    return out
