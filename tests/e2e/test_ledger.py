"""Real miners through a real pool into the ledger, on SQLite and on PostgreSQL: hashrate, worker
status, FPPS days, and a PPLNS block orphaned by a reorganisation with its credits reversed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from backend.bitcoin.target import bits_to_target, difficulty_to_target, target_to_bits
from backend.chain.embedded import EmbeddedChain, EmbeddedSource
from backend.chain.params import ChainParams
from backend.config import load_settings
from backend.ledger.blocks import BlockStatus
from backend.ledger.buckets import BASE_BUCKET, DAY_BUCKET, HASHES_PER_DIFFICULTY
from backend.ledger.journal import EntryKind, immature
from backend.ledger.status import WorkerStatus, worker_status
from backend.pool import Pool

from .harness import eventually, miners

ACCOUNT = "rigs"


def ledger_settings(database, **overrides) -> dict:
    """A pool on loopback with a fast recorder; the invalid-share ban is off because the embedded
    chain's first blocks come so fast that honest shares go stale in bursts."""
    settings = {
        "data_dir": database.data_dir,
        "database": database.url,
        "stratum": "127.0.0.1:0",
        "api": "127.0.0.1:0",
        "metrics": "",
        "log_level": "warning",
        "limits": {"invalid_share_ratio": 1.01},
        "ledger": {"batch_interval": 0.25, "tracker_interval": 0.2, "close_interval": 3600},
    }
    settings.update(overrides)
    return settings


@pytest.fixture
async def make_pool(database) -> AsyncIterator:
    pools: list[Pool] = []

    async def make(source=None, **overrides) -> Pool:
        pool = Pool(load_settings(ledger_settings(database, **overrides)), source=source)
        await pool.start()
        if pool.accounts.lookup(ACCOUNT) is None:
            pool.accounts.create(ACCOUNT, "local")
        pools.append(pool)
        return pool

    yield make
    for pool in pools:
        await pool.stop()


def accepted_difficulty(pool: Pool) -> float:
    rows = pool.store.share_buckets(ACCOUNT, None, 0, 2**40, DAY_BUCKET)
    return float(sum(row.accepted_difficulty for row in rows))


def hard_chain(path, difficulty: float) -> EmbeddedSource:
    """An embedded chain whose easiest block is at ``difficulty`` (its ``pow_limit``), so it
    starts where a warmed-up chain would be instead of at regtest's genesis difficulty."""
    limit = bits_to_target(target_to_bits(difficulty_to_target(difficulty)))
    return EmbeddedSource(EmbeddedChain(path, ChainParams(pow_limit=limit)), owns_chain=True)


async def test_recorded_hashrate_is_within_ten_percent_of_the_miners_true_rate(make_pool, tmp_path):
    """Two miners held to 200 kH/s each (``hashrate_limit``) at a share difficulty of 2e-7
    (859 hashes a share) submit about 470 shares a second. Shares are Poisson: n shares
    estimate the hashes behind them with a relative error of 1/sqrt(n). The window lasts at
    least 10 s and until it holds 4,000 shares: one standard error is then at most 1.6 % and
    10 % is more than six of them, a false failure about once in a billion runs. Ten seconds
    also keeps the shares in flight at either edge (a few milliseconds' worth) far below 1 %.
    The truth is the hashes the miners report computing over the window (``stats.hashes``); the
    estimate is the recorded accepted difficulty times 2^32.

    The chain starts at a network difficulty of 0.01 (``pow_limit``), a block every ~100 s at
    this rate, so stale work (real, but not what is measured here) stays negligible. Each miner
    submits far more than the per-connection message limit (20/s, security §3), so the test
    lifts it as the stratum benchmark does."""
    difficulty = 2e-7
    pool = await make_pool(
        source=hard_chain(tmp_path / "chain", 1e-2),
        start_difficulty=difficulty,
        min_difficulty=difficulty,
        max_difficulty=difficulty,
        limits={"message_rate": 1e6, "message_burst": 1e6},
    )
    users = [f"{ACCOUNT}.one", f"{ACCOUNT}.two"]
    async with miners(pool.stratum_port, users, hashrate_limit=200_000, processes=True) as rigs:
        await eventually(lambda: all(m.stats.accepted >= 20 for m in rigs), within=10)
        await pool.recorder.flush()
        hashes0, recorded0 = sum(m.stats.hashes for m in rigs), accepted_difficulty(pool)
        shares0, opened = pool.tally.accepted, time.monotonic()
        await eventually(
            lambda: time.monotonic() - opened >= 10 and pool.tally.accepted - shares0 >= 4000,
            within=25,
        )
        hashes1 = sum(m.stats.hashes for m in rigs)
        await pool.recorder.flush()
        recorded1 = accepted_difficulty(pool)
    true_hashes = hashes1 - hashes0
    estimated = (recorded1 - recorded0) * HASHES_PER_DIFFICULTY
    assert (recorded1 - recorded0) / difficulty >= 3990  # a share or two still in flight
    assert abs(estimated / true_hashes - 1) < 0.10, (estimated, true_hashes)

    # The same shares as FPPS: once the day is closed, the account has one reward, credited.
    now = int(time.time())
    rewards = pool.ledger.closer.close_due(now + 2 * DAY_BUCKET)
    assert [r.account for r in rewards] == [ACCOUNT]
    assert pool.store.balance(ACCOUNT).available == rewards[0].reward > 0
    assert sum(pool.store.ledger_balances().values()) == 0


async def test_a_silent_worker_goes_offline_after_the_threshold(make_pool):
    pool = await make_pool(
        start_difficulty=1e-5,
        min_difficulty=1e-5,
        max_difficulty=1e-5,
        ledger={"batch_interval": 0.1, "worker_offline_after": 2, "worker_offline_intervals": 1},
    )
    thresholds = pool.status_thresholds

    def status() -> WorkerStatus:
        (record,) = pool.store.workers(ACCOUNT)
        now = int(time.time())
        rows = pool.store.share_buckets(ACCOUNT, "one", now - 3600, now + 1, BASE_BUCKET)
        return worker_status(
            rows,
            connected=record.connected,
            now=now,
            expected_interval=1.0,
            first_seen=record.first_seen,
            thresholds=thresholds,
        )

    async with miners(pool.stratum_port, [f"{ACCOUNT}.one"], hashrate_limit=60_000) as rigs:
        await eventually(lambda: rigs[0].stats.accepted >= 3)
        await pool.recorder.flush()
        assert status() is WorkerStatus.ONLINE
    # The same worker reconnects on a rig too slow to find shares: connected, but silent.
    async with miners(pool.stratum_port, [f"{ACCOUNT}.one"], hashrate_limit=1) as rigs:
        await eventually(lambda: rigs[0].stats.connected)
        await pool.recorder.flush()
        (record,) = pool.store.workers(ACCOUNT)
        assert record.connected and record.user_agent == "minerconsole-miner/0.1.0"
        assert record.difficulty == 1e-5
        await eventually(lambda: status() is WorkerStatus.OFFLINE, within=5)
        silence = int(time.time()) - pool.store.workers(ACCOUNT)[0].last_share_at
        assert silence >= thresholds.offline_after
        assert pool.store.workers(ACCOUNT)[0].connected
    await pool.recorder.flush()
    assert not pool.store.workers(ACCOUNT)[0].connected


async def test_an_orphaned_blocks_pplns_credits_are_reversed(make_pool):
    pool = await make_pool(
        reward_scheme="pplns",
        block_interval=1,
        start_difficulty=1e-6,
        min_difficulty=1e-6,
        max_difficulty=1e-6,
    )
    chain = pool.source.chain

    def credited_pending():
        blocks = pool.store.blocks(ACCOUNT, 50, 0)
        return [
            b
            for b in blocks
            if b.status is BlockStatus.PENDING
            and b.confirmations >= 1
            and pool.store.block_split(b.hash_hex)
        ]

    async with miners(pool.stratum_port, [f"{ACCOUNT}.one"], hashrate_limit=60_000):
        await eventually(lambda: chain.height >= 12 and credited_pending(), within=20)
        victim = max(credited_pending(), key=lambda b: b.height)
        split = pool.store.block_split(victim.hash_hex)
        credit = split["credits"][ACCOUNT]
        assert credit > 0
        # Core's invalidateblock: the tip moves back and miners build a rival branch.
        chain.invalidate_block(victim.hash)
        await eventually(
            lambda: pool.store.block(victim.hash_hex).status is BlockStatus.ORPHANED, within=20
        )
    keys = {e.key for e in pool.store.journal_entries(ACCOUNT, 1000, 0)}
    assert f"reversal/pplns/{victim.hash_hex}/{ACCOUNT}" in keys
    reversal = [
        e
        for e in pool.store.journal_entries(ACCOUNT, 1000, 0)
        if e.key == f"reversal/pplns/{victim.hash_hex}/{ACCOUNT}"
    ]
    assert [(e.account, e.amount, e.kind) for e in reversal] == [
        (immature(ACCOUNT), -credit, EntryKind.REVERSAL)
    ]
    assert sum(pool.store.ledger_balances().values()) == 0
    assert chain.block_hash(victim.height) != victim.hash


async def test_back_pressure_holds_miners_submits_until_the_database_catches_up(make_pool):
    """What the recorder does when its queue is full: the listener stops reading, so shares wait
    in the miners' sockets (not in the pool's memory), and none is lost when reading resumes."""
    pool = await make_pool(start_difficulty=1e-5, min_difficulty=1e-5, max_difficulty=1e-5)
    async with miners(pool.stratum_port, [f"{ACCOUNT}.one"], hashrate_limit=60_000) as rigs:
        await eventually(lambda: rigs[0].stats.accepted >= 3)
        pool.server.pause_reading()
        await asyncio.sleep(0.2)  # submits already read finish
        held = pool.tally.accepted
        await eventually(lambda: rigs[0].stats.submitted >= rigs[0].stats.accepted + 5)
        assert pool.tally.accepted == held  # nothing read while paused
        pool.server.resume_reading()
        await eventually(lambda: rigs[0].stats.accepted == rigs[0].stats.submitted)
    assert rigs[0].stats.rejected == 0
    await pool.recorder.flush()
    assert pool.store.share_buckets(ACCOUNT, None, 0, 2**40, DAY_BUCKET)[0].accepted == (
        pool.tally.accepted
    )
