"""Reading the ledger for the API: store queries run in worker threads, and the heavy views
(a 1,000-worker table) computed once per `view_ttl` however many callers ask.

Buckets change once per recorder batch (about once a second), so a view a second or two old is
as fresh as the data; without the cache a busy watcher dashboard would recompute thousands of
worker rows per request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

from backend.api.amounts import ratio
from backend.api.context import ApiContext
from backend.api.schemas import MinerStats, ShareCounts, WorkerRow, Workers
from backend.api.series import Point, Window, points
from backend.api.worker_views import (
    Activity,
    counts,
    day_counts,
    day_since,
    rates,
    recent_since,
    worker_row,
)
from backend.ledger.buckets import BASE_BUCKET, HOUR_BUCKET, bucket_start, reject_rates
from backend.ledger.status import StatusThresholds

T = TypeVar("T")

CACHE_ENTRIES = 2_000
"""Most views held; the cache is emptied when full (views are rebuilt on demand)."""


REBUILD_SHARE = 10
"""A view is rebuilt at most once per this many times its own build time, so a costly view
(thousands of workers) cannot take more than about a tenth of the process."""


class ViewCache:
    """Values by key, rebuilt when older than `ttl` (stale-while-revalidate).

    The first caller of a key builds it while later ones wait for that build; once a value
    exists, a stale one is still answered at once while one background rebuild runs, so no
    request ever waits behind a rebuild of a heavy view.
    """

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._values: dict[Hashable, tuple[float, float, Any]] = {}
        self._building: dict[Hashable, asyncio.Future] = {}

    async def get(self, key: Hashable, build: Callable[[], Awaitable[T]]) -> T:
        """The cached value of `key`, or the one `build()` makes now."""
        held = self._values.get(key)
        if held is not None:
            made, fresh_for, value = held
            if self._clock() - made >= fresh_for and key not in self._building:
                self._start(key, build).add_done_callback(_consume)
            return value
        pending = self._building.get(key)
        if pending is None:
            pending = self._start(key, build)
        return await asyncio.shield(pending)

    def _start(self, key: Hashable, build: Callable[[], Awaitable[T]]) -> asyncio.Future:
        future = asyncio.ensure_future(self._build(key, build))
        self._building[key] = future
        return future

    async def _build(self, key: Hashable, build: Callable[[], Awaitable[T]]) -> T:
        started = self._clock()
        try:
            value = await build()
        finally:
            del self._building[key]
        if len(self._values) >= CACHE_ENTRIES:
            self._values.clear()
        now = self._clock()
        self._values[key] = (now, max(self._ttl, REBUILD_SHARE * (now - started)), value)
        return value


def _consume(future: asyncio.Future) -> None:
    # A background rebuild that failed is retried by the next caller; its error is not lost to
    # "exception was never retrieved".
    if not future.cancelled():
        future.exception()


def cache(ctx: ApiContext) -> ViewCache:
    """The context's view cache (made on first use)."""
    found = ctx.views.get("cache")
    if found is None:
        found = ctx.views["cache"] = ViewCache(ctx.limits.view_ttl)
    return found


def thresholds(ctx: ApiContext) -> StatusThresholds:
    """The worker status thresholds in force."""
    return ctx.views.get("thresholds") or StatusThresholds()


def _activity(store: Any, account: str, worker: str | None, now: int) -> Activity:
    return Activity(
        recent=store.share_buckets(account, worker, recent_since(now), now + 1, BASE_BUCKET),
        day=store.share_buckets(account, worker, day_since(now), now + 1, HOUR_BUCKET),
    )


def _build_workers(
    store: Any, account: str, now: int, limits: StatusThresholds
) -> tuple[Workers, int | None]:
    records = store.workers(account)
    recent = store.worker_buckets(account, recent_since(now), now + 1, BASE_BUCKET)
    day = store.worker_buckets(account, day_since(now), now + 1, HOUR_BUCKET)
    rows = [
        worker_row(
            record,
            Activity(recent.get(record.name, []), day.get(record.name, [])),
            now,
            limits,
        )
        for record in records
    ]
    first_seen = min((record.first_seen for record in records), default=None)
    return Workers(workers=rows, totals=counts(rows)), first_seen


async def _workers_and_first_seen(ctx: ApiContext, account: str) -> tuple[Workers, int | None]:
    async def build() -> tuple[Workers, int | None]:
        return await asyncio.to_thread(
            _build_workers, ctx.store, account, ctx.now(), thresholds(ctx)
        )

    return await cache(ctx).get(("workers", account), build)


async def workers(ctx: ApiContext, account: str) -> Workers:
    """Every worker of `account` with its status and figures (cached for `view_ttl`)."""
    return (await _workers_and_first_seen(ctx, account))[0]


def online_names(table: Workers) -> list[str]:
    """Names of the workers that are hashing (online or low), ascending (whitebit-v4 §6.9)."""
    return sorted(row.name for row in table.workers if row.status != "offline")


async def miner_stats(ctx: ApiContext, account: str) -> MinerStats:
    """The account's dashboard figures (watcher-api-v1 #3), cached for `view_ttl`."""

    async def build() -> MinerStats:
        table, first_seen = await _workers_and_first_seen(ctx, account)
        now = ctx.now()
        activity = await asyncio.to_thread(_activity, ctx.store, account, None, now)
        return _miner_stats(table.workers, activity, now, first_seen)

    return await cache(ctx).get(("miner_stats", account), build)


def _miner_stats(
    rows: list[WorkerRow], activity: Activity, now: int, first_seen: int | None
) -> MinerStats:
    # The account's rates use its oldest worker's first sighting, as each worker's use its own,
    # so a young account is not under-reported (and agrees with the sum of its workers).
    rate_5m, rate_1h, rate_24h = rates(activity, now, first_seen)
    accepted, invalid, stale = day_counts(activity, now)
    hour_start = bucket_start(now - HOUR_BUCKET, BASE_BUCKET)
    hour = [row for row in activity.recent if row.start >= hour_start]
    connected = [row.current_difficulty for row in rows if row.connected_at is not None]
    last_shares = [row.last_share_at for row in rows if row.last_share_at is not None]
    return MinerStats(
        hashrate5m=rate_5m,
        hashrate1h=rate_1h,
        hashrate24h=rate_24h,
        workers=counts(rows),
        shares=ShareCounts(accepted24h=accepted, rejected24h=invalid, stale24h=stale),
        reject_rate1h=ratio(reject_rates(hour).total),
        last_share_at=max(last_shares, default=None),
        best_share=max((row.best_share for row in rows), default=0.0),
        current_difficulty=max((d for d in connected if d is not None), default=None),
    )


async def series(
    ctx: ApiContext, account: str, worker: str | None, span: Window, shared: bool = True
) -> list[Point]:
    """The points of `account`'s (or one worker's) series over `span`. With `shared` (the
    default window, which every dashboard asks for) the answer is cached for `view_ttl`; an
    explicit window is read fresh, so odd windows cannot fill the cache."""

    async def build() -> list[Point]:
        rows = await asyncio.to_thread(
            ctx.store.share_buckets, account, worker, span.since, span.until, span.seconds
        )
        return points(rows, span, ctx.now())

    if not shared:
        return await build()
    return await cache(ctx).get(("series", account, worker, span), build)


async def worker_activity(ctx: ApiContext, account: str, span: Window) -> dict[int, int]:
    """Per bucket start of `span`: how many workers had accepted shares in it."""
    return await asyncio.to_thread(
        ctx.store.active_worker_counts, account, span.since, span.until, span.seconds
    )
