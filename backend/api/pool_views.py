"""The whole pool's public figures: the v4 pool overview (§6.1) and the v1 pool stats (#1).

Both are public, so both are computed once per `view_ttl` and served from memory.
"""

from __future__ import annotations

import asyncio
from fractions import Fraction

from backend.api.amounts import hashrate_text
from backend.api.context import ApiContext
from backend.api.readmodel import cache
from backend.api.schemas import (
    FoundBlockSnake,
    HashratePointSnake,
    LastBlock,
    PoolOverview,
    PoolOverviewData,
    PoolStats,
)
from backend.api.series import Window, points
from backend.api.worker_views import Activity, day_since, rates, recent_since
from backend.ledger.blocks import BlockStatus
from backend.ledger.buckets import BASE_BUCKET, DAY_BUCKET, HASHES_PER_DIFFICULTY, HOUR_BUCKET

OVERVIEW_DAYS = 7
"""Daily points in `last7days_hash_rate`: the last seven UTC days, today included."""

OVERVIEW_BLOCKS = 100
"""Most blocks listed in the overview: found in the last seven days, orphans left out."""

EFFORT_LOOKBACK = 30 * DAY_BUCKET
"""Furthest back round effort is summed when the pool has not found a block yet."""


def _pool_activity(store, now: int) -> Activity:
    return Activity(
        recent=store.pool_buckets(recent_since(now), now + 1, BASE_BUCKET),
        day=store.pool_buckets(day_since(now), now + 1, HOUR_BUCKET),
    )


async def overview(ctx: ApiContext) -> PoolOverview:
    """GET /api/v4/public/mining-pool, snake_case as the current revision (gap 1)."""

    async def build() -> PoolOverview:
        now = ctx.now()
        today = now - now % DAY_BUCKET
        days = Window(today - (OVERVIEW_DAYS - 1) * DAY_BUCKET, today + DAY_BUCKET, DAY_BUCKET)

        def read():
            return (
                _pool_activity(ctx.store, now),
                ctx.store.pool_buckets(days.since, days.until, DAY_BUCKET),
                ctx.store.blocks(None, OVERVIEW_BLOCKS, 0),
                ctx.store.connected_counts(),
            )

        activity, daily, found, (workers, _) = await asyncio.to_thread(read)
        current = rates(activity, now, None)[0]
        return PoolOverview(
            data=PoolOverviewData(
                connection_links=ctx.facts.stratum_urls(),
                location=ctx.facts.location,
                assets=["BTC"],
                reward_schemes=[ctx.facts.reward_scheme],
                workers=workers,
                current_hash_rate=hashrate_text(current),
                last7days_hash_rate=[
                    HashratePointSnake(timestamp=p.start, hashrate=hashrate_text(p.hashrate))
                    for p in points(daily, days, now)
                ],
                blocks=[
                    FoundBlockSnake(block_found_at=b.found_at, block_height=b.height)
                    for b in found
                    if b.status is not BlockStatus.ORPHANED and b.found_at >= days.since
                ],
            )
        )

    return await cache(ctx).get(("overview",), build)


async def stats(ctx: ApiContext) -> PoolStats:
    """GET /api/v1/pool/btc/stats."""

    async def build() -> PoolStats:
        now = ctx.now()
        info = await ctx.facts.chain()

        def read():
            activity = _pool_activity(ctx.store, now)
            found = ctx.store.blocks(None, 1, 0)
            since = found[0].found_at if found else now - EFFORT_LOOKBACK
            round_rows = ctx.store.pool_buckets(since - since % BASE_BUCKET, now + 1, BASE_BUCKET)
            return activity, found, round_rows, ctx.store.connected_counts()

        activity, found, round_rows, (workers, accounts) = await asyncio.to_thread(read)
        rate_5m, rate_1h, rate_24h = rates(activity, now, None)
        difficulty = Fraction(info.difficulty) if info.difficulty > 0 else Fraction(1)
        since = found[0].found_at if found else None
        effort = _round_work(round_rows, since) / difficulty * 100
        last = found[0] if found else None
        return PoolStats(
            hashrate5m=rate_5m,
            hashrate1h=rate_1h,
            hashrate24h=rate_24h,
            active_workers=workers,
            active_accounts=accounts,
            reward_scheme=ctx.facts.reward_scheme,
            pool_fee_pct=ctx.facts.pool_fee_pct,
            network_difficulty=info.difficulty,
            network_hashrate=info.difficulty * HASHES_PER_DIFFICULTY / ctx.facts.block_interval,
            block_height=info.height,
            round_effort_pct=round(float(effort), 4),
            last_block=None
            if last is None
            else LastBlock(height=last.height, hash=last.hash_hex, found_at=last.found_at),
        )

    return await cache(ctx).get(("stats",), build)


def _round_work(rows, since: int | None) -> Fraction:
    """Accepted difficulty since `since` from 5-minute rows; the row the last block fell in is
    counted for the part of it after the block (shares are assumed evenly spread in it)."""
    total = Fraction()
    for row in rows:
        share = row.accepted_difficulty
        if since is not None and row.start <= since < row.start + row.seconds:
            share = share * Fraction(row.start + row.seconds - since, row.seconds)
        total += share
    return total
