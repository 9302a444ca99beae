"""Share buckets: share events summed per (account, worker, time bucket), and what they yield —
hashrate, reject rates, best share.

Buckets are aligned on UTC (Unix time is UTC) and start-inclusive: the 5-minute bucket starting
at ``s`` holds the shares with ``s <= time < s + 300``. The base size is 5 minutes; 1-hour and
24-hour rows are roll-ups of it (``roll_up``), never a second count of the shares.

Difficulty sums are exact ``Fraction`` values (every float is a binary fraction, so the sum of
float difficulties is exact). That makes ``merge`` associative and commutative to the last bit:
batches from several stratum nodes, merged in any order, give identical rows. A store that keeps
the sums as floats rounds only at its own edge.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import NamedTuple

from backend.ledger.events import ShareEvent

BASE_BUCKET = 300
"""Seconds in a base bucket: 5 minutes, the finest hashrate interval of the v4 API (§6.5)."""

HOUR_BUCKET = 3600
"""Seconds in a 1-hour roll-up (v4 ``interval=1h``)."""

DAY_BUCKET = 86400
"""Seconds in a 24-hour roll-up (v4 ``interval=24h``), aligned on UTC midnight."""

HASHES_PER_DIFFICULTY = 2**32
"""Expected hashes per unit of share difficulty (reference §5.1)."""

MIN_RATE_SECONDS = 60
"""Smallest divisor a windowed rate uses. A worker seen for a few seconds would otherwise show an
absurd rate; public-pool reports 0 under 60 s (reference §5.2), we report over 60 s instead."""


class BucketKey(NamedTuple):
    """What a bucket row is unique on. ``worker`` None is the whole account."""

    account: str
    worker: str | None
    start: int
    seconds: int


def bucket_start(time: int, seconds: int) -> int:
    """Start of the ``seconds``-long UTC bucket holding ``time`` (start-inclusive)."""
    if seconds <= 0:
        raise ValueError("bucket size must be positive")
    return time - time % seconds


@dataclass(frozen=True, slots=True)
class ShareBucket:
    """Shares of one worker (or, with ``worker`` None, one account) in one time bucket."""

    account: str
    """The account the shares were credited to."""
    worker: str | None
    """The worker name; None for an account-wide row."""
    start: int
    """Bucket start, Unix seconds, a multiple of ``seconds``."""
    seconds: int
    """Bucket length: ``BASE_BUCKET``, ``HOUR_BUCKET`` or ``DAY_BUCKET``."""
    accepted: int = 0
    """Accepted shares."""
    accepted_difficulty: Fraction = field(default_factory=Fraction)
    """Sum of the credited difficulty of accepted shares: the hashrate numerator."""
    stale: int = 0
    """Stale rejects (``events.STALE_REASONS``)."""
    stale_difficulty: Fraction = field(default_factory=Fraction)
    """Sum of the judged difficulty of stale rejects."""
    invalid: int = 0
    """Every other reject."""
    invalid_difficulty: Fraction = field(default_factory=Fraction)
    """Sum of the judged difficulty of invalid rejects."""
    best_share: float = 0.0
    """Highest hash difficulty among accepted shares (0 when none)."""
    first_share: int | None = None
    """Time of the earliest accepted share, None when none was accepted."""
    last_share: int | None = None
    """Time of the newest accepted share, None when none was accepted."""

    def __post_init__(self) -> None:
        if self.seconds <= 0 or self.start % self.seconds:
            raise ValueError(f"bucket start {self.start} is not aligned on {self.seconds} s")
        if min(self.accepted, self.stale, self.invalid) < 0:
            raise ValueError("share counts cannot be negative")
        if min(self.accepted_difficulty, self.stale_difficulty, self.invalid_difficulty) < 0:
            raise ValueError("difficulty sums cannot be negative")
        if (self.first_share is None) != (self.last_share is None):
            raise ValueError("first_share and last_share are both set or both None")

    @property
    def key(self) -> BucketKey:
        """(account, worker, start, seconds)."""
        return BucketKey(self.account, self.worker, self.start, self.seconds)

    @property
    def shares(self) -> int:
        """All shares counted: accepted, stale and invalid."""
        return self.accepted + self.stale + self.invalid


class _Tally:
    """Mutable running sums for ``aggregate``; frozen into a ShareBucket at the end."""

    __slots__ = (
        "accepted",
        "accepted_difficulty",
        "best",
        "first",
        "invalid",
        "invalid_difficulty",
        "last",
        "stale",
        "stale_difficulty",
    )

    def __init__(self) -> None:
        self.accepted = self.stale = self.invalid = 0
        self.accepted_difficulty = Fraction()
        self.stale_difficulty = Fraction()
        self.invalid_difficulty = Fraction()
        self.best = 0.0
        self.first: int | None = None
        self.last: int | None = None

    def add(self, event: ShareEvent) -> None:
        difficulty = Fraction(event.difficulty)
        if event.accepted:
            self.accepted += 1
            self.accepted_difficulty += difficulty
            self.best = max(self.best, event.share_difficulty)
            self.first = event.time if self.first is None else min(self.first, event.time)
            self.last = event.time if self.last is None else max(self.last, event.time)
        elif event.reject_class == "stale":
            self.stale += 1
            self.stale_difficulty += difficulty
        else:
            self.invalid += 1
            self.invalid_difficulty += difficulty

    def freeze(self, key: BucketKey) -> ShareBucket:
        return ShareBucket(
            *key,
            accepted=self.accepted,
            accepted_difficulty=self.accepted_difficulty,
            stale=self.stale,
            stale_difficulty=self.stale_difficulty,
            invalid=self.invalid,
            invalid_difficulty=self.invalid_difficulty,
            best_share=self.best,
            first_share=self.first,
            last_share=self.last,
        )


def aggregate(
    events: Iterable[ShareEvent], seconds: int = BASE_BUCKET
) -> dict[BucketKey, ShareBucket]:
    """Sum share events into per-(account, worker, bucket) rows of ``seconds`` length."""
    tallies: dict[BucketKey, _Tally] = {}
    for event in events:
        key = BucketKey(event.account, event.worker, bucket_start(event.time, seconds), seconds)
        tally = tallies.get(key)
        if tally is None:
            tally = tallies[key] = _Tally()
        tally.add(event)
    return {key: tally.freeze(key) for key, tally in tallies.items()}


def _earliest(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _latest(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else max(a, b)


def merge(a: ShareBucket, b: ShareBucket) -> ShareBucket:
    """The row for the shares of both ``a`` and ``b`` (same key; ValueError otherwise)."""
    if a.key != b.key:
        raise ValueError(f"cannot merge bucket {a.key} with {b.key}")
    return ShareBucket(
        *a.key,
        accepted=a.accepted + b.accepted,
        accepted_difficulty=a.accepted_difficulty + b.accepted_difficulty,
        stale=a.stale + b.stale,
        stale_difficulty=a.stale_difficulty + b.stale_difficulty,
        invalid=a.invalid + b.invalid,
        invalid_difficulty=a.invalid_difficulty + b.invalid_difficulty,
        best_share=max(a.best_share, b.best_share),
        first_share=_earliest(a.first_share, b.first_share),
        last_share=_latest(a.last_share, b.last_share),
    )


def _rekey(row: ShareBucket, key: BucketKey) -> ShareBucket:
    return ShareBucket(
        *key,
        accepted=row.accepted,
        accepted_difficulty=row.accepted_difficulty,
        stale=row.stale,
        stale_difficulty=row.stale_difficulty,
        invalid=row.invalid,
        invalid_difficulty=row.invalid_difficulty,
        best_share=row.best_share,
        first_share=row.first_share,
        last_share=row.last_share,
    )


def _combine(rows: Iterable[tuple[BucketKey, ShareBucket]]) -> dict[BucketKey, ShareBucket]:
    out: dict[BucketKey, ShareBucket] = {}
    for key, row in rows:
        held = out.get(key)
        out[key] = row if held is None else merge(held, row)
    return out


def merge_aggregates(
    a: Mapping[BucketKey, ShareBucket], b: Mapping[BucketKey, ShareBucket]
) -> dict[BucketKey, ShareBucket]:
    """Two aggregates added together: rows on the same key merged, the rest kept."""
    return _combine([*a.items(), *b.items()])


def roll_up(rows: Iterable[ShareBucket], seconds: int) -> dict[BucketKey, ShareBucket]:
    """Rows regrouped into ``seconds``-long buckets (a multiple of every row's size)."""

    def keyed(row: ShareBucket) -> tuple[BucketKey, ShareBucket]:
        if seconds % row.seconds:
            raise ValueError(f"cannot roll {row.seconds} s buckets up into {seconds} s")
        key = BucketKey(row.account, row.worker, bucket_start(row.start, seconds), seconds)
        return key, _rekey(row, key)

    return _combine(keyed(row) for row in rows)


def account_totals(rows: Iterable[ShareBucket]) -> dict[BucketKey, ShareBucket]:
    """Worker rows summed per account and bucket (``worker`` None)."""

    def keyed(row: ShareBucket) -> tuple[BucketKey, ShareBucket]:
        key = BucketKey(row.account, None, row.start, row.seconds)
        return key, _rekey(row, key)

    return _combine(keyed(row) for row in rows)


def hashrate(difficulty_sum: Fraction | float, seconds: float) -> float:
    """Hashes per second: ``difficulty_sum * 2^32 / seconds`` (reference §5.1)."""
    if seconds <= 0:
        raise ValueError("seconds must be positive")
    return float(Fraction(difficulty_sum) * HASHES_PER_DIFFICULTY / Fraction(seconds))


def window_hashrate(
    rows: Iterable[ShareBucket],
    now: int,
    window: int,
    *,
    seconds: int = BASE_BUCKET,
    first_seen: int | None = None,
    min_seconds: int = MIN_RATE_SECONDS,
) -> float:
    """The rate over the last ``window`` seconds from ``seconds``-long rows of one worker or
    account.

    The window is made of whole buckets: every bucket that overlaps ``(now - window, now]``, the
    current partial one included, so it spans ``now - start`` of its oldest bucket — between
    ``window`` and ``window + seconds``. Rows outside it are ignored; missing rows count as zero.

    Young workers are not under-reported (reference §5.2 recommendation): with ``first_seen``
    (when the worker connected, or its first share ever) the divisor is
    ``min(span, now - first_seen)``, never below ``min_seconds``.
    """
    if window <= 0:
        raise ValueError("window must be positive")
    window_start = bucket_start(now - window, seconds)
    total = Fraction()
    for row in rows:
        if row.seconds != seconds:
            raise ValueError(f"expected {seconds} s rows, got {row.seconds} s")
        if window_start <= row.start <= now:
            total += row.accepted_difficulty
    span = now - window_start
    if first_seen is not None:
        span = min(span, now - first_seen)
    return hashrate(total, max(span, min_seconds))


@dataclass(frozen=True, slots=True)
class RejectRates:
    """Rejected shares as a fraction of all shares counted (0.01 = 1 %, as the v4 ``rejectRate``).
    ``total`` = ``stale`` + ``invalid``."""

    total: float
    """(stale + invalid) / all shares."""
    stale: float
    """stale / all shares."""
    invalid: float
    """invalid / all shares."""


def reject_rates(rows: Iterable[ShareBucket]) -> RejectRates:
    """Reject rates over ``rows``, by share count (0 for all three when there are no shares).

    Counted in shares rather than difficulty: early rejects (unknown job, malformed) carry no
    difficulty, and the v4 field is documented as a share ratio (§6.5).
    """
    accepted = stale = invalid = 0
    for row in rows:
        accepted += row.accepted
        stale += row.stale
        invalid += row.invalid
    shares = accepted + stale + invalid
    if not shares:
        return RejectRates(0.0, 0.0, 0.0)
    return RejectRates((stale + invalid) / shares, stale / shares, invalid / shares)
