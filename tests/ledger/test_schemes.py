"""FPPS and PPLNS on hand-worked numbers, recorded through the recorder into a real store (both
databases), closed and tracked by the ledger's jobs, and checked to the satoshi in the journal."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from backend.chain.source import ChainInfo
from backend.ledger.blocks import BlockStatus, FoundBlock
from backend.ledger.closing import DailyCloser
from backend.ledger.events import ShareEvent
from backend.ledger.journal import POOL_BLOCKS, POOL_FEES, POOL_FPPS, immature
from backend.ledger.recorder import ShareRecorder
from backend.ledger.recovery import RecoveryFile
from backend.ledger.rewards import FppsTerms, RewardStatus
from backend.ledger.settings import LedgerSettings
from backend.ledger.tracker import BlockTracker

DAY = 1_733_011_200  # 2024-12-01 00:00 UTC
SETTINGS = LedgerSettings(batch_interval=0.05, block_confirmations=3, orphan_depth=2, pplns_n=2)


def share(account, difficulty, at, worker="rig"):
    return ShareEvent(account, worker, difficulty, difficulty, True, None, None, False, at, 0)


@pytest.fixture
def store(database):
    store = database.open()
    yield store
    store.close()


@pytest.fixture
async def recorder_factory(store, tmp_path):
    made = []

    async def make(**options) -> ShareRecorder:
        recorder = ShareRecorder(
            store, RecoveryFile(tmp_path / "r.jsonl"), node=0, settings=SETTINGS, **options
        )
        await recorder.start()
        made.append(recorder)
        return recorder

    yield make
    for recorder in made:
        await recorder.stop()


def journal_is_balanced(store) -> None:
    balances = store.ledger_balances()
    assert sum(balances.values()) == 0
    for account, amount in balances.items():
        if account not in (POOL_FPPS, POOL_BLOCKS):
            assert amount >= 0, account


async def test_fpps_hand_worked_day(store, recorder_factory):
    """Subsidy 6.25 BTC, average fees 0.25 BTC, fee 2.5 %.

    Until 06:00 D = 1,000,000: alice's shares of 2000, 2000, 2000 (bucket 00:00) and 500
    (bucket 00:05) are worth 650,000,000 * 6,500 / 1,000,000 = 4,225,000 sat gross,
    0.975 * 4,225,000 = 4,119,375 net and 105,625 fee. Then D = 2,000,000: bob's share of 1000
    is worth 650,000,000 * 1000 / 2,000,000 = 325,000 gross, 316,875 net, 8,125 fee."""
    recorder = await recorder_factory()
    first = FppsTerms(625_000_000, 25_000_000, Fraction(1_000_000))
    second = FppsTerms(625_000_000, 25_000_000, Fraction(2_000_000))
    recorder.set_terms(first)
    for at in (DAY + 10, DAY + 20, DAY + 30):
        recorder.record(share("alice", 2000.0, at))
    recorder.record(share("alice", 500.0, DAY + 300))
    recorder.set_terms(second)
    recorder.record(share("bob", 1000.0, DAY + 6 * 3600))
    await recorder.flush()

    closer = DailyCloser(store, close_delay=900)
    assert closer.close_due(DAY + 86_400 + 899) == []  # not before the delay
    rewards = {r.account: r for r in closer.close_due(DAY + 86_400 + 900)}
    alice, bob = rewards["alice"], rewards["bob"]
    assert (alice.total_reward, alice.reward, alice.fee) == (4_225_000, 4_119_375, 105_625)
    assert (bob.total_reward, bob.reward, bob.fee) == (325_000, 316_875, 8_125)
    assert alice.status is RewardStatus.SUCCESSFUL and alice.date == DAY
    # hashRate = 6,500 * 2^32 / 86,400; fppsRate = 0.04225 BTC / (hashRate / 1e9).
    hash_rate = Fraction(6500 * 2**32, 86_400)
    assert alice.hash_rate == int(hash_rate)
    rate = Fraction(4_225_000, 10**8) / (hash_rate / 10**9)
    assert alice.fpps_rate == Decimal(rate.numerator * 10**18 // rate.denominator) / 10**18
    assert store.daily_rewards("alice", None, None, 10, 0) == [alice]
    # The journal: the miners are credited, the fees collected, pool:fpps paid it all.
    assert store.balance("alice").available == 4_119_375
    assert store.balance("bob").available == 316_875
    assert store.ledger_balance(POOL_FEES) == 113_750
    assert store.ledger_balance(POOL_FPPS) == -4_550_000
    journal_is_balanced(store)
    assert closer.close_due(DAY + 2 * 86_400) == []  # closing again changes nothing


class ScriptedChain:
    """The chain's answers for the tracker, set by the test: active hash per height and tip."""

    def __init__(self) -> None:
        self.active: dict[int, bytes] = {}
        self.tip = 0

    async def block_hash_at(self, height: int) -> bytes | None:
        return self.active.get(height) if height <= self.tip else None

    async def chain_info(self) -> ChainInfo:
        return ChainInfo("regtest", self.tip, "", 0x207FFFFF, 1.0, 0)


BLOCK = FoundBlock(
    height=10,
    hash=bytes.fromhex("ab" * 32),
    account="alice",
    worker="rig",
    value=5_000_012_345,
    found_at=DAY + 40,
    network_difficulty=1000.0,
)


async def pplns_round(store, recorder_factory) -> ShareRecorder:
    """N = 2, D = 1000: the window is 2000. Oldest to newest: alice 1500 | bob 600, carol 400 |
    alice 300 (the block's share). Back from the block: alice 300, bob 600, carol 400, then
    700 of alice's 1500 (pro rata): weights alice 1000, bob 600, carol 400."""
    recorder = await recorder_factory(pplns=True)
    recorder.record(share("alice", 1500.0, DAY + 1))
    await recorder.flush()
    recorder.record(share("bob", 600.0, DAY + 2))
    recorder.record(share("carol", 400.0, DAY + 3))
    await recorder.flush()
    recorder.record(share("alice", 300.0, DAY + 4))
    recorder.block_found(BLOCK)
    recorder.record(share("bob", 5000.0, DAY + 5))  # after the block: outside its window
    await recorder.flush()
    return recorder


# Fee: floor(5,000,012,345 * 0.025) = 125,000,308. Distributable 4,875,012,037, shared
# 1000 : 600 : 400 of 2000 -> 2,437,506,018.5, 1,462,503,611.1, 975,002,407.4: floors sum to
# one short, and the largest remainder (alice's .5) gets it.
CREDITS = {"alice": 2_437_506_019, "bob": 1_462_503_611, "carol": 975_002_407}
FEE = 125_000_308


async def test_pplns_hand_worked_block_credits_then_matures(store, recorder_factory):
    await pplns_round(store, recorder_factory)
    chain = ScriptedChain()
    chain.active[10], chain.tip = BLOCK.hash, 10
    tracker = BlockTracker(store, chain, settings=SETTINGS, pplns=True, clock=lambda: DAY + 50)
    assert await tracker.check() == []  # credited, still pending (1 confirmation)
    for account, amount in CREDITS.items():
        assert store.balance(account).immature == amount
        assert store.balance(account).available == 0
    assert store.ledger_balance(immature(POOL_FEES)) == FEE
    assert sum(CREDITS.values()) + FEE == BLOCK.value
    assert store.blocks(None, 1, 0)[0].confirmations == 1

    chain.tip = 12  # three confirmations
    (confirmed,) = await tracker.check()
    assert confirmed.status is BlockStatus.CONFIRMED and confirmed.confirmations == 3
    for account, amount in CREDITS.items():
        view = store.balance(account)
        assert (view.available, view.immature, view.total_earned) == (amount, 0, amount)
    assert store.ledger_balance(POOL_FEES) == FEE
    assert store.ledger_balance(POOL_BLOCKS) == -BLOCK.value
    journal_is_balanced(store)
    assert await tracker.check() == []  # final: nothing moves again


async def test_pplns_orphaned_block_credits_are_reversed(store, recorder_factory):
    await pplns_round(store, recorder_factory)
    chain = ScriptedChain()
    chain.active[10], chain.tip = BLOCK.hash, 10
    tracker = BlockTracker(store, chain, settings=SETTINGS, pplns=True, clock=lambda: DAY + 50)
    await tracker.check()
    assert store.balance("alice").immature == CREDITS["alice"]
    # A reorganisation: another block holds height 10, and the chain builds on it.
    chain.active[10], chain.tip = bytes(32), 11
    (orphaned,) = await tracker.check()
    assert orphaned.status is BlockStatus.ORPHANED and orphaned.confirmations == 0
    for account in CREDITS:
        view = store.balance(account)
        assert (view.available, view.immature, view.total_earned) == (0, 0, 0)
    assert store.ledger_balances().get(POOL_BLOCKS, 0) == 0
    journal_is_balanced(store)
    kinds = [e.kind.value for e in store.journal_entries("alice", 10, 0)]
    assert sorted(kinds) == ["pplns_reward", "reversal"]
