"""Payouts through the embedded chain's wallet on a real store (both databases): the whole life
of a payout, and a crash at every step never paying twice nor forgetting a payment."""

from __future__ import annotations

import pytest

from backend.bitcoin.address import decode_address
from backend.bitcoin.network import REGTEST
from backend.chain.embedded import EmbeddedChain
from backend.ledger.journal import POOL_FPPS, EntryKind, posting
from backend.ledger.payout_runner import PayoutRunner
from backend.ledger.payouts import PayoutDestination, PayoutSetting, PayoutState
from backend.ledger.wallet import EmbeddedWallet

from .chain_blocks import Clock, mine

ADDRESS = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"
EXTERNAL = PayoutDestination.EXTERNAL_ADDRESS


class Killed(Exception):
    """The process 'died' at a payout step (fault injection without a real SIGKILL)."""


def die(step: str) -> None:
    raise Killed(step)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def chain(tmp_path, clock):
    with EmbeddedChain(tmp_path / "chain", clock=clock) as chain:
        yield chain


@pytest.fixture
def store(database, clock):
    store = database.open()
    store.post(
        posting(
            "fpps/alice/1",
            "1",
            1,
            [
                (POOL_FPPS, -2_000_000, EntryKind.FPPS_REWARD),
                ("alice", 2_000_000, EntryKind.FPPS_REWARD),
            ],
        )
    )
    store.set_payout_setting(PayoutSetting("alice", EXTERNAL, ADDRESS, 1_000_000))
    yield store
    store.close()


def runner(store, chain, clock, kill_at=None) -> PayoutRunner:
    wallet = EmbeddedWallet(chain, REGTEST)
    return PayoutRunner(store, wallet, clock=clock, kill_at=kill_at, kill=die)


def paid_to_address(chain) -> list[tuple[bytes, int]]:
    """Every wallet transaction the chain holds that pays ADDRESS: (txid, amount)."""
    script = decode_address(ADDRESS, REGTEST)
    found = []
    for entry in chain.pending_transactions():
        found += [(entry.txid, o.value) for o in entry.tx.outputs if o.script_pubkey == script]
    return found


def ever_paid(chain) -> int:
    """Payments to ADDRESS on the active chain plus those still pending."""
    script = decode_address(ADDRESS, REGTEST)
    mined = sum(
        1
        for height in range(1, chain.height + 1)
        for tx in chain.block(chain.block_hash(height)).transactions
        for out in tx.outputs
        if out.script_pubkey == script
    )
    return mined + len(paid_to_address(chain))


def journal_balanced(store):
    assert sum(store.ledger_balances().values()) == 0


async def test_a_payout_is_reserved_sent_and_confirmed(store, chain, clock):
    run = runner(store, chain, clock)
    (payout,) = await run.cycle()
    assert payout.amount == 2_000_000
    (sent,) = store.payouts("alice", 10, 0)
    assert sent.state is PayoutState.SENT and sent.txid
    view = store.balance("alice")
    assert (view.available, view.pending_payout, view.total_paid) == (0, 2_000_000, 0)
    assert [amount for _, amount in paid_to_address(chain)] == [2_000_000]
    assert await run.cycle() == []  # in flight: nothing new, nothing sent again
    block = mine(chain, clock)
    assert sent.txid in [tx.txid()[::-1].hex() for tx in block.transactions]
    await run.cycle()
    done = store.payout(sent.id)
    assert done.state is PayoutState.CONFIRMED
    view = store.balance("alice")
    assert (view.available, view.pending_payout, view.total_paid) == (0, 0, 2_000_000)
    assert view.total_earned == 2_000_000
    journal_balanced(store)


@pytest.mark.parametrize("step", ["reserved", "sent", "recorded"])
async def test_a_crash_at_any_step_pays_exactly_once(store, chain, clock, step):
    with pytest.raises(Killed):
        await runner(store, chain, clock, kill_at=step).cycle()
    # The restarted process reconciles before anything else.
    restarted = runner(store, chain, clock)
    await restarted.reconcile()
    (payout,) = store.payouts("alice", 10, 0)
    assert payout.state is PayoutState.SENT
    assert len(paid_to_address(chain)) == 1
    assert await restarted.cycle() == []
    mine(chain, clock)
    await restarted.cycle()
    assert store.payout(payout.id).state is PayoutState.CONFIRMED
    assert paid_to_address(chain) == [] and ever_paid(chain) == 1
    assert store.balance("alice").total_paid == 2_000_000
    journal_balanced(store)


async def test_nothing_is_due_below_the_threshold_or_for_main_balance(store, chain, clock):
    store.set_payout_setting(PayoutSetting("alice", EXTERNAL, ADDRESS, 3_000_000))
    assert await runner(store, chain, clock).cycle() == []
    store.set_payout_setting(PayoutSetting("alice"))
    assert await runner(store, chain, clock).cycle() == []
    assert paid_to_address(chain) == []


async def test_a_reservation_never_overdraws(store, chain, clock):
    from backend.ledger.journal import InsufficientFunds
    from backend.ledger.payouts import Payout

    with pytest.raises(InsufficientFunds):
        store.reserve_payout(Payout("payout/alice/9", "alice", ADDRESS, 2_000_001, 9))
    assert store.payouts("alice", 10, 0) == []
    assert store.balance("alice").available == 2_000_000
