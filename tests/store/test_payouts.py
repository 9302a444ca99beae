"""Payout settings and the payout state machine in the store, with the rewards a payout carries
— on both databases."""

from fractions import Fraction

import pytest

from backend.bitcoin.address import AddressError
from backend.bitcoin.network import MAINNET, REGTEST
from backend.ledger.batch import BatchBuilder
from backend.ledger.destination import checked_setting
from backend.ledger.events import ShareEvent
from backend.ledger.journal import POOL_PAID, POOL_PAYOUTS
from backend.ledger.payouts import (
    Payout,
    PayoutDestination,
    PayoutSetting,
    PayoutState,
)
from backend.ledger.rewards import FppsTerms, RewardStatus

DAY = 1_733_011_200
ADDRESS = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"
EXTERNAL = PayoutDestination.EXTERNAL_ADDRESS


def test_payout_settings_default_to_main_balance_and_round_trip(store):
    assert store.payout_setting("alice") == PayoutSetting("alice")
    setting = checked_setting("alice", "external_address", ADDRESS, REGTEST, 50_000)
    store.set_payout_setting(setting)
    store.set_payout_setting(PayoutSetting("bob"))
    assert store.payout_setting("alice") == setting
    assert store.external_payout_settings() == [setting]
    store.set_payout_setting(PayoutSetting("alice"))
    assert store.external_payout_settings() == []


def test_addresses_are_checked_for_the_pools_network():
    with pytest.raises(AddressError):
        checked_setting("alice", EXTERNAL, ADDRESS, MAINNET)
    with pytest.raises(ValueError, match="address is required"):
        checked_setting("alice", EXTERNAL, None, REGTEST)
    with pytest.raises(ValueError, match="at least 546"):
        checked_setting("alice", EXTERNAL, ADDRESS, REGTEST, 100)


def earn(store, account, day, destination=EXTERNAL):
    """One FPPS day for ``account``: a share worth 4,875,000 sat net, closed."""
    store.set_payout_setting(
        PayoutSetting(account, destination, ADDRESS if destination is EXTERNAL else None, 546)
    )
    builder = BatchBuilder(0, FppsTerms(5_000_000_000, 0, Fraction(1000)))
    builder.add(ShareEvent(account, "rig", 1.0, 1.0, True, None, None, False, day + 5, 0))
    store.record_batch(builder.seal(f"0:{account}:{day}", day + 10))
    return store.close_fpps_day(account, day, day + 86_400 + 900)


def test_the_life_of_a_payout_and_the_rewards_it_carries(store):
    reward = earn(store, "alice", DAY)
    assert reward.status is RewardStatus.PENDING and reward.payout_address == ADDRESS
    payout = Payout("payout/alice/1", "alice", ADDRESS, 4_875_000, DAY + 90_000)
    assert store.reserve_payout(payout)
    assert not store.reserve_payout(payout)  # the same id twice reserves once
    view = store.balance("alice")
    assert (view.available, view.pending_payout) == (0, 4_875_000)
    assert store.open_payouts() == [payout]

    sent = store.record_payout_sent(payout.id, "ab" * 32, DAY + 90_001)
    assert sent.state is PayoutState.SENT
    assert store.record_payout_sent(payout.id, "ab" * 32, DAY + 90_005) == sent
    (pending,) = store.daily_rewards("alice", None, None, 10, 0)
    assert pending.status is RewardStatus.PENDING

    done = store.confirm_payout(payout.id, DAY + 90_600)
    assert done.state is PayoutState.CONFIRMED and done.finished_at == DAY + 90_600
    (paid,) = store.daily_rewards("alice", None, None, 10, 0)
    assert (paid.status, paid.payout_txid, paid.payout_time) == (
        RewardStatus.SUCCESSFUL,
        "ab" * 32,
        DAY + 90_600,
    )
    view = store.balance("alice")
    assert (view.available, view.pending_payout, view.total_paid) == (0, 0, 4_875_000)
    assert store.ledger_balance(POOL_PAID) == 4_875_000
    assert store.ledger_balance(POOL_PAYOUTS) == 0
    assert store.open_payouts() == []
    assert store.payouts("alice", 10, 0) == [done]


def test_a_released_payout_returns_the_balance_and_frees_its_rewards(store):
    earn(store, "alice", DAY)
    payout = Payout("payout/alice/1", "alice", ADDRESS, 4_875_000, DAY + 90_000)
    store.reserve_payout(payout)
    released = store.release_payout(payout.id, DAY + 90_100)
    assert released.state is PayoutState.RELEASED
    assert store.balance("alice").available == 4_875_000
    # The next payout carries the day's reward instead.
    second = Payout("payout/alice/2", "alice", ADDRESS, 4_875_000, DAY + 91_000)
    store.reserve_payout(second)
    store.record_payout_sent(second.id, "cd" * 32, DAY + 91_001)
    store.confirm_payout(second.id, DAY + 91_600)
    (reward,) = store.daily_rewards("alice", None, None, 10, 0)
    assert reward.payout_txid == "cd" * 32
    with pytest.raises(ValueError):
        store.confirm_payout(payout.id, DAY + 92_000)  # released is final


def test_main_balance_rewards_are_successful_at_once_and_filtered_by_day(store):
    for day in (DAY, DAY + 86_400, DAY + 2 * 86_400):
        reward = earn(store, "bob", day, PayoutDestination.MAIN_BALANCE)
        assert reward.status is RewardStatus.SUCCESSFUL and reward.payout_address is None
    days = [r.date for r in store.daily_rewards("bob", DAY + 1, None, 10, 0)]
    assert days == [DAY + 2 * 86_400, DAY + 86_400]
    days = [r.date for r in store.daily_rewards("bob", None, DAY + 86_400, 10, 0)]
    assert days == [DAY]
    assert [r.date for r in store.daily_rewards("bob", None, None, 1, 1)] == [DAY + 86_400]
    assert store.balance("bob").available == 3 * 4_875_000
