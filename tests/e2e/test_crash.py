"""kill -9 a real `minerpool run` while miners submit and while a payout is in flight, restart it,
and check the books: no share counted twice, no more lost than the documented crash window, the
journal balanced to the satoshi, and no payout sent twice nor forgotten. Both databases."""

from __future__ import annotations

import asyncio
import time

import pytest

from backend.bitcoin.address import decode_address, p2wpkh_address
from backend.bitcoin.network import REGTEST
from backend.chain.embedded import EmbeddedChain
from backend.ledger.buckets import DAY_BUCKET
from backend.ledger.payouts import PayoutDestination, PayoutSetting, PayoutState
from backend.miner.client import ReferenceMiner
from backend.miner.events import ShareAccepted

from .harness import eventually
from .processes import Minerpool, free_port, ledger_env, wait_for_port

ACCOUNT = "rigs"
BATCH_INTERVAL = 0.5
CRASH_WINDOW = BATCH_INTERVAL + 1.0
"""What a kill -9 may lose (README "Crash window"): the open batch — at most ``batch_interval``
seconds of shares — plus the one being written (well under a second here)."""


def run_args(database, port: int, *extra: str) -> list[str]:
    args = [
        "run",
        "--data-dir",
        str(database.data_dir),
        "--stratum",
        f"127.0.0.1:{port}",
        "--start-difficulty",
        "1e-6",
        "--min-difficulty",
        "1e-6",
        "--max-difficulty",
        "1e-6",
        "--block-interval",
        "1",
        "--log-level",
        "info",
        *extra,
    ]
    if database.url:
        args += ["--database", database.url]
    return args


@pytest.fixture
def store(database):
    database.data_dir.mkdir(parents=True, exist_ok=True)
    store = database.open()
    store.create_account(ACCOUNT, "local", int(time.time()))
    yield store
    store.close()


def counted(store) -> int:
    return sum(r.accepted for r in store.share_buckets(ACCOUNT, None, 0, 2**40, DAY_BUCKET))


async def test_kill_9_while_miners_submit_loses_at_most_the_window_and_counts_nothing_twice(
    database, store, tmp_path
):
    port = free_port()
    env = {
        **ledger_env(batch_interval=BATCH_INTERVAL),
        "MINERPOOL_LIMITS": '{"invalid_share_ratio": 1.01}',
    }
    pool = Minerpool(run_args(database, port), tmp_path / "pool.log", env)
    await wait_for_port(port, pool)
    accepted_at: list[float] = []

    def note(event) -> None:
        if isinstance(event, ShareAccepted):
            accepted_at.append(time.time())

    rigs = [
        ReferenceMiner(
            f"stratum+tcp://127.0.0.1:{port}",
            f"{ACCOUNT}.{name}",
            hashrate_limit=100_000,
            on_event=note,
        )
        for name in ("one", "two")
    ]
    tasks = [asyncio.create_task(m.run()) for m in rigs]
    try:
        await eventually(lambda: len(accepted_at) >= 150, within=15)
        await asyncio.sleep(0.3)  # the kill lands mid-batch
        killed_at = time.time()
        pool.kill()
    finally:
        for miner in rigs:
            miner.stop()
        await asyncio.gather(*tasks, return_exceptions=True)
    submitted = sum(m.stats.submitted for m in rigs)
    assert len(accepted_at) >= 100, pool.output()[-2000:]

    # Restart: the pool comes back on the same data and writes nothing it did not see.
    restarted = Minerpool(run_args(database, port), tmp_path / "pool2.log", env)
    await wait_for_port(port, restarted)
    restarted.stop()

    total = counted(store)
    safe = sum(1 for t in accepted_at if t < killed_at - CRASH_WINDOW)
    assert total <= submitted, "a share was counted twice"
    assert total >= safe, f"{safe - total} shares older than the crash window were lost"
    assert total <= len(accepted_at) + 2 * len(rigs)  # at most a reply or two never arrived


ADDRESS = p2wpkh_address(bytes(range(20)), REGTEST)


def payments_on_chain(chain: EmbeddedChain) -> list[tuple[str, int]]:
    """(txid, amount) of every transaction on the active chain or pending that pays ADDRESS."""
    script = decode_address(ADDRESS, REGTEST)
    txs = [chain.block(chain.block_hash(h)).transactions for h in range(1, chain.height + 1)]
    txs = [tx for block in txs for tx in block]
    txs += [entry.tx for entry in chain.pending_transactions()]
    return [
        (tx.txid()[::-1].hex(), out.value)
        for tx in txs
        for out in tx.outputs
        if out.script_pubkey == script
    ]


@pytest.mark.parametrize("step", ["reserved", "sent", "recorded"])
async def test_kill_9_during_a_payout_never_pays_twice_nor_forgets(database, store, tmp_path, step):
    store.set_payout_setting(
        PayoutSetting(ACCOUNT, PayoutDestination.EXTERNAL_ADDRESS, ADDRESS, 546)
    )
    port = free_port()
    ledger = {
        "batch_interval": 0.2,
        "tracker_interval": 0.2,
        "payout_interval": 0.3,
        "block_confirmations": 2,
    }
    args = run_args(database, port, "--reward-scheme", "pplns")
    pool = Minerpool(args, tmp_path / "pool.log", ledger_env(**ledger, fault_kill_at_payout=step))
    await wait_for_port(port, pool)
    rig = ReferenceMiner(
        f"stratum+tcp://127.0.0.1:{port}", f"{ACCOUNT}.one", hashrate_limit=60_000, settings=None
    )
    task = asyncio.create_task(rig.run())
    try:
        # PPLNS credits confirm after two blocks; the first payout cycle then kills the pool.
        code = await asyncio.to_thread(pool.wait, 25)
        assert code == -9, pool.output()[-3000:]
        (crashed,) = store.open_payouts()
        # Restarted without the fault: it reconciles first, then the miner confirms the payout.
        restarted = Minerpool(args, tmp_path / "pool2.log", ledger_env(**ledger))
        await wait_for_port(port, restarted)
        await eventually(lambda: store.payout(crashed.id).state is PayoutState.CONFIRMED, within=20)
    finally:
        rig.stop()
        await asyncio.gather(task, return_exceptions=True)
    restarted.stop()

    payouts = store.payouts(ACCOUNT, 1000, 0)
    with EmbeddedChain(database.data_dir / "chain") as chain:
        on_chain = payments_on_chain(chain)
    sent = {
        p.txid: p.amount for p in payouts if p.state in (PayoutState.SENT, PayoutState.CONFIRMED)
    }
    # Every payment on the chain is a recorded payout, each payout is on the chain exactly once.
    assert sorted(on_chain) == sorted(sent.items())
    assert len({txid for txid, _ in on_chain}) == len(on_chain)
    assert all(p.state is not PayoutState.RESERVED for p in payouts)
    view = store.balance(ACCOUNT)
    assert view.total_paid + view.pending_payout == sum(sent.values())
    assert view.total_earned == view.available + view.pending_payout + view.total_paid
    assert sum(store.ledger_balances().values()) == 0
