"""Deterministic sample rows for the synthetic pool: workers, hashrate series, rewards, payouts
and pool numbers. The same inputs always give the same rows, so screenshots are stable."""

from __future__ import annotations

import math
from collections.abc import Iterable

from backend.api.schemas import (
    DailyReward,
    FoundBlockSnake,
    HashratePointSnake,
    Interval,
    LastBlock,
    MinerHashratePoint,
    PoolOverview,
    PoolOverviewData,
    PoolStats,
    Transaction,
    WorkerCounts,
    WorkerHashratePointV1,
    WorkerRow,
)

SERIES_POINTS = 48
"""Points in every generated hashrate series."""

INTERVAL_SECONDS = {"5m": 300, "1h": 3600, "24h": 86400}
"""Bucket length of each series interval."""

SAMPLE_ADDRESS = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"
"""A valid regtest P2WPKH address (BIP 173's vector program) used for sample payouts."""


def wave(seed: int, index: int) -> float:
    """A smooth deterministic wobble in [0.8, 1.2]."""
    return 1.0 + 0.2 * math.sin(seed * 1.7 + index * 0.45) * math.cos(index * 0.13 + seed)


def make_worker(name: str, index: int, now: int, status: str = "online") -> WorkerRow:
    """A plausible worker row; `index` varies the numbers."""
    base = 0.0 if status == "offline" else (95e12 + (index * 7919) % 40 * 1e12)
    if status == "low":
        base *= 0.2
    accepted = 0 if status == "offline" else 4000 + (index * 131) % 900
    rejected = (index * 17) % 40
    stale = (index * 7) % 12
    last = now - (900 + index % 600 if status == "offline" else 3 + index % 50)
    return WorkerRow(
        name=name,
        status=status,  # type: ignore[arg-type]
        hashrate5m=base * wave(index, 1),
        hashrate1h=base * wave(index, 2) if status != "offline" else 40e12,
        hashrate24h=90e12 + (index % 10) * 1e12,
        accepted24h=accepted,
        rejected24h=rejected,
        stale24h=stale,
        reject_rate=(rejected + stale) / max(accepted + rejected + stale, 1),
        last_share_at=last,
        current_difficulty=65536.0 * (1 + index % 4),
        best_share=1.5e9 + index,
        connected_at=None if status == "offline" else now - 86400 + index,
        user_agent="cgminer/4.12.1" if index % 2 else "bmminer/2.0.0",
    )


def generated_workers(count: int, now: int) -> list[WorkerRow]:
    """`count` workers named rig-00000...: every 10th low, every 15th offline."""
    rows = []
    for index in range(count):
        status = "offline" if index % 15 == 14 else "low" if index % 10 == 9 else "online"
        rows.append(make_worker(f"rig-{index:05d}", index, now, status))
    return rows


def counts(workers: Iterable[WorkerRow]) -> WorkerCounts:
    """Workers by status."""
    statuses = [w.status for w in workers]
    return WorkerCounts(
        online=statuses.count("online"),
        low=statuses.count("low"),
        offline=statuses.count("offline"),
    )


def account_series(level: float, workers: int, interval: Interval, now: int, seed: int) -> list:
    """An account's hashrate series around `level` H/s, oldest first."""
    step = INTERVAL_SECONDS[interval]
    end = now // step * step
    return [
        MinerHashratePoint(
            timestamp=end - (SERIES_POINTS - 1 - i) * step,
            hashrate=level * wave(seed + step, i),
            reject_rate=0.004 + 0.002 * (i % 3),
            active_workers=workers,
        )
        for i in range(SERIES_POINTS)
    ]


def worker_series(row: WorkerRow, interval: Interval, now: int) -> list[WorkerHashratePointV1]:
    """A worker's hashrate series around its 24-hour average, oldest first."""
    step = INTERVAL_SECONDS[interval]
    end = now // step * step
    seed = len(row.name) + step
    return [
        WorkerHashratePointV1(
            timestamp=end - (SERIES_POINTS - 1 - i) * step,
            hashrate=row.hashrate24h * wave(seed, i),
            reject_rate=row.reject_rate,
        )
        for i in range(SERIES_POINTS)
    ]


def daily_rewards(now: int, days: int) -> list[DailyReward]:
    """Daily rewards, newest first; today's is still pending."""
    today = now // 86400 * 86400
    rows = []
    for day in range(days):
        gross = 0.000625 * wave(day, 1)
        rows.append(
            DailyReward(
                date=today - day * 86400,
                total_reward=f"{gross:.8f}",
                reward=f"{gross * 0.98:.8f}",
                fee=f"{gross * 0.02:.8f}",
                fpps_rate="0.00000000052",
                hashrate=1.2e15 * wave(day, 2),
                status="pending" if day == 0 else "successful",
            )
        )
    return rows


def payouts(now: int, count: int) -> list[Transaction]:
    """Weekly payouts to an external address, newest first."""
    return [
        Transaction(
            id=f"tx{n:04d}",
            type="TX_TYPE_SCHEDULED_USER_MINING_REWARDS_WITHDRAWAL",
            value=f"{0.0042 + n * 0.0001:.8f}",
            created_at=now - (n + 1) * 7 * 86400,
            status="confirmed" if n else "sent",
            txid=f"{n:02x}" * 32,
            address=SAMPLE_ADDRESS,
        )
        for n in range(count)
    ]


def pool_stats(total: float, active_workers: int, accounts: int, now: int) -> PoolStats:
    """The pool's numbers for a pool mining at `total` H/s."""
    return PoolStats(
        hashrate5m=total,
        hashrate1h=total * 0.98,
        hashrate24h=total * 0.95,
        active_workers=active_workers,
        active_accounts=accounts,
        reward_scheme="FPPS",
        pool_fee_pct="2.0",
        network_difficulty=1.1e14,
        network_hashrate=7.9e20,
        block_height=880_123,
        round_effort_pct=42.5,
        last_block=LastBlock(height=880_101, hash="00" * 4 + "ab" * 28, found_at=now - 5400),
    )


def pool_overview(workers: int, now: int) -> PoolOverview:
    """The public overview: stratum URLs, a week of hashrate, recent blocks."""
    return PoolOverview(
        data=PoolOverviewData(
            connection_links=["stratum+tcp://pool.example:3333", "stratum+tcp://pool.example:3334"],
            location="global",
            assets=["BTC"],
            reward_schemes=["FPPS"],
            workers=workers,
            current_hash_rate="1250000000000000.5",
            last7days_hash_rate=[
                HashratePointSnake(
                    timestamp=now - day * 86400, hashrate=f"{1.2e15 * wave(3, day):.2f}"
                )
                for day in range(7, 0, -1)
            ],
            blocks=[
                FoundBlockSnake(
                    block_found_at=now - 5400 - n * 86400, block_height=880_101 - n * 140
                )
                for n in range(4)
            ],
        )
    )
