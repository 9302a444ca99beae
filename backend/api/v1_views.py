"""The read API's responses for one account (watcher-api-v1 #3-#10), shared by the token and
owner routes and the anonymous ones. Each builder takes an account the caller may read.

Amounts are BTC strings with 8 decimals, hashrates JSON numbers in H/s. Our definitions where
the contract names a figure without defining it (README "API decisions"):

- `unpaid` = available + immature + pending payout: earned and not yet paid out;
- `todayEstimated`: today's accepted difficulty at today's FPPS terms (net of the fee);
- `yesterday`, `last7d`, `last30d`: the closed daily rewards (net) of those UTC days;
- `lastPayoutAt`: when the newest payout was sent (reserved, while not yet sent).
"""

from __future__ import annotations

import asyncio
from fractions import Fraction

from backend.api import readmodel
from backend.api.amounts import btc, ratio
from backend.api.context import ApiContext
from backend.api.errors import invalid_v1
from backend.api.schemas import (
    BlockRow,
    Blocks,
    DailyReward,
    DailyRewards,
    MinerHashrate,
    MinerHashratePoint,
    PayoutTarget,
    RewardsStats,
    Transaction,
    Transactions,
    WorkerHashratePointV1,
    WorkerHashrateV1,
    Workers,
)
from backend.api.series import BadWindow, Window, window
from backend.ledger.blocks import BlockStatus
from backend.ledger.buckets import DAY_BUCKET, HOUR_BUCKET
from backend.ledger.journal import IMMATURE_PREFIX, EntryKind
from backend.ledger.rewards import (
    MAINNET_HALVING_INTERVAL,
    REGTEST_HALVING_INTERVAL,
    FppsTerms,
    pool_fee,
    subsidy,
)

REWARD_KINDS = {EntryKind.FPPS_REWARD, EntryKind.PPLNS_REWARD, EntryKind.PPLNS_MATURED}
PAYOUT_KINDS = {
    EntryKind.PAYOUT_RESERVED,
    EntryKind.PAYOUT_RELEASED,
    EntryKind.PAYOUT_CONFIRMED,
}


def span(from_: int | None, to: int | None, interval: str, now: int) -> Window:
    """The series window, or the v1 400 naming the bad bound."""
    try:
        return window(from_, to, interval, now)
    except BadWindow as exc:
        field = "from" if from_ is not None else "to"
        raise invalid_v1({field: [f"Incorrect timestamp: {exc}"]}) from None


async def terms(ctx: ApiContext) -> FppsTerms:
    """The FPPS terms in force: the pool's own when it mines in this process, else derived from
    the chain (subsidy of the next height, no fees)."""
    current = ctx.facts.fpps_terms()
    if current is not None:
        return current
    info = await ctx.facts.chain()
    halving = (
        REGTEST_HALVING_INTERVAL if ctx.network.name == "regtest" else MAINNET_HALVING_INTERVAL
    )
    return FppsTerms(
        subsidy=subsidy(info.height + 1, halving),
        average_fees=0,
        network_difficulty=Fraction(info.difficulty),
        pool_fee=pool_fee(ctx.facts.pool_fee_pct),
    )


async def rewards_stats(ctx: ApiContext, account: str) -> RewardsStats:
    """Watcher-api-v1 #4."""
    now = ctx.now()
    today = now - now % DAY_BUCKET
    store = ctx.store

    def read():
        return (
            store.balance(account),
            store.payout_setting(account),
            store.daily_rewards(account, today - 30 * DAY_BUCKET, today, 31, 0),
            store.payouts(account, 1, 0),
            store.share_buckets(account, None, today, now + 1, HOUR_BUCKET),
        )

    balance, setting, days, payouts, hours = await asyncio.to_thread(read)
    in_force = await terms(ctx)
    estimate = int(in_force.net_value(sum(row.accepted_difficulty for row in hours)))

    def since(days_back: int) -> int:
        return sum(r.reward for r in days if r.date >= today - days_back * DAY_BUCKET)

    last = payouts[0] if payouts else None
    return RewardsStats(
        total_paid=btc(balance.total_paid),
        total_earned=btc(balance.total_earned),
        unpaid=btc(balance.available + balance.immature + balance.pending_payout),
        today_estimated=btc(estimate),
        yesterday=btc(since(1)),
        last7d=btc(since(7)),
        last30d=btc(since(30)),
        payout_threshold=btc(setting.threshold),
        payout_destination=PayoutTarget(type=setting.destination.value, address=setting.address),
        last_payout_at=None if last is None else (last.sent_at or last.reserved_at),
        reward_scheme=ctx.facts.reward_scheme,
        pool_fee_pct=ctx.facts.pool_fee_pct,
    )


async def daily_rewards(
    ctx: ApiContext, account: str, limit: int, offset: int, from_: int | None, to: int | None
) -> DailyRewards:
    """Watcher-api-v1 #5: closed daily rewards, newest first; `from`/`to` bound the day."""
    if from_ is not None and to is not None and from_ > to:
        raise invalid_v1({"from": ["Incorrect timestamp: from is after to"]})
    until = None if to is None else to + 1
    rows = await asyncio.to_thread(ctx.store.daily_rewards, account, from_, until, limit, offset)
    return DailyRewards(
        rewards=[
            DailyReward(
                date=r.date,
                total_reward=btc(r.total_reward),
                reward=btc(r.reward),
                fee=btc(r.fee),
                fpps_rate=format(r.fpps_rate, "f"),
                hashrate=float(r.hash_rate),
                status=r.status.value,
            )
            for r in rows
        ],
        limit=limit,
        offset=offset,
    )


async def miner_hashrate(
    ctx: ApiContext, account: str, interval: str, from_: int | None, to: int | None
) -> MinerHashrate:
    """Watcher-api-v1 #6: the account's series with the workers active in each bucket."""
    covered = span(from_, to, interval, ctx.now())
    points = await readmodel.series(ctx, account, None, covered, shared=from_ is None)
    active = await readmodel.worker_activity(ctx, account, covered)
    return MinerHashrate(
        interval=interval,
        points=[
            MinerHashratePoint(
                timestamp=p.start,
                hashrate=p.hashrate,
                reject_rate=ratio(p.reject_rate),
                active_workers=active.get(p.start, 0),
            )
            for p in points
        ],
    )


async def workers(ctx: ApiContext, account: str, status: str) -> Workers:
    """Watcher-api-v1 #7: the worker table, filtered by status; totals count every worker."""
    table = await readmodel.workers(ctx, account)
    if status == "all":
        return table
    return Workers(workers=[w for w in table.workers if w.status == status], totals=table.totals)


async def worker_hashrate(
    ctx: ApiContext,
    account: str,
    worker: str,
    interval: str,
    from_: int | None,
    to: int | None,
) -> WorkerHashrateV1:
    """Watcher-api-v1 #8: one worker's series (empty for a worker the account never had)."""
    covered = span(from_, to, interval, ctx.now())
    known = {w.name for w in (await readmodel.workers(ctx, account)).workers}
    if worker not in known:
        return WorkerHashrateV1(points=[])
    points = await readmodel.series(ctx, account, worker, covered, shared=from_ is None)
    return WorkerHashrateV1(
        points=[
            WorkerHashratePointV1(
                timestamp=p.start, hashrate=p.hashrate, reject_rate=ratio(p.reject_rate)
            )
            for p in points
        ]
    )


async def transactions(ctx: ApiContext, account: str, limit: int, offset: int) -> Transactions:
    """Watcher-api-v1 #9: the account's journal, newest first, with payouts' txid and address."""

    def read():
        entries = ctx.store.journal_entries(account, limit, offset)
        payouts = {
            e.reference: ctx.store.payout(e.reference) for e in entries if e.kind in PAYOUT_KINDS
        }
        return entries, payouts

    entries, payouts = await asyncio.to_thread(read)
    rows = []
    for entry in entries:
        immature = entry.account.startswith(IMMATURE_PREFIX)
        payout = payouts.get(entry.reference) if entry.kind in PAYOUT_KINDS else None
        if payout is not None:
            kind, status = "TX_TYPE_SCHEDULED_USER_MINING_REWARDS_WITHDRAWAL", payout.state.value
        elif entry.kind is EntryKind.POOL_FEE:
            kind, status = "TX_TYPE_POOL_FEE", "completed"
        else:
            kind, status = "TX_TYPE_MINING_REWARD", "immature" if immature else "completed"
        rows.append(
            Transaction(
                id=entry.key + ("/immature" if immature else ""),
                type=kind,
                value=btc(entry.amount),
                created_at=entry.time,
                status=status,
                txid=payout.txid if payout else None,
                address=payout.address if payout else None,
            )
        )
    return Transactions(transactions=rows, limit=limit, offset=offset)


async def blocks(ctx: ApiContext, account: str, limit: int, offset: int) -> Blocks:
    """Watcher-api-v1 #10: blocks the account found, newest first."""
    found = await asyncio.to_thread(ctx.store.blocks, account, limit, offset)
    tip = (await ctx.facts.chain()).height if found else 0
    rows = []
    for block in found:
        confirmations = 0
        if block.status is not BlockStatus.ORPHANED:
            confirmations = max(block.confirmations, tip - block.height + 1, 0)
        rows.append(
            BlockRow(
                height=block.height,
                hash=block.hash_hex,
                found_at=block.found_at,
                status=block.status.value,
                confirmations=confirmations,
                value=btc(block.value),
                worker=block.worker,
            )
        )
    return Blocks(blocks=rows, limit=limit, offset=offset)
