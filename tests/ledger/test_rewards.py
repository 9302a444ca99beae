"""Subsidy, FPPS values, accrual per bucket and the daily close, on hand-worked numbers."""

from decimal import Decimal
from fractions import Fraction

import pytest

from backend.ledger.buckets import ShareBucket
from backend.ledger.journal import POOL_FEES, POOL_FPPS, EntryKind, Journal
from backend.ledger.payouts import PayoutDestination
from backend.ledger.rewards import (
    DEFAULT_POOL_FEE,
    FEMTO_PER_SAT,
    REGTEST_HALVING_INTERVAL,
    Carry,
    FppsAccrual,
    FppsTerms,
    RewardStatus,
    accrue,
    close_day,
    fpps_posting,
    pool_fee,
    settle,
    subsidy,
)

DAY = 1_733_011_200  # 2024-12-01 00:00 UTC
MAIN = PayoutDestination.MAIN_BALANCE
EXTERNAL = PayoutDestination.EXTERNAL_ADDRESS


@pytest.mark.parametrize(
    ("height", "interval", "sats"),
    [
        (0, 210_000, 5_000_000_000),
        (209_999, 210_000, 5_000_000_000),
        (210_000, 210_000, 2_500_000_000),
        (840_000, 210_000, 312_500_000),
        (63 * 210_000, 210_000, 0),  # 5e9 >> 63 is already 0
        (64 * 210_000, 210_000, 0),
        (149, REGTEST_HALVING_INTERVAL, 5_000_000_000),
        (150, REGTEST_HALVING_INTERVAL, 2_500_000_000),
        (300, REGTEST_HALVING_INTERVAL, 1_250_000_000),
        (449, REGTEST_HALVING_INTERVAL, 1_250_000_000),
    ],
)
def test_subsidy(height, interval, sats):
    assert subsidy(height, interval) == sats


def test_pool_fee_from_percent():
    assert pool_fee("2.5") == DEFAULT_POOL_FEE == Fraction(1, 40)
    assert pool_fee(Decimal("0.9")) == Fraction(9, 1000)
    assert pool_fee(0) == 0
    with pytest.raises(TypeError):
        pool_fee(2.5)
    with pytest.raises(ValueError):
        pool_fee("100")


# The worked example of the issue: fee 2.5 %, subsidy 50 BTC, average fees 0.1 BTC, D = 1000.
TERMS = FppsTerms(
    subsidy=5_000_000_000, average_fees=10_000_000, network_difficulty=1000.0,
    pool_fee=Fraction(1, 40),
)  # fmt: skip


def test_fpps_share_values_by_hand():
    """(subsidy + fees) / D = 5 010 000 000 / 1000 = 5 010 000 sat per unit of difficulty.

    d = 1:   gross 5 010 000 sat; net = 0.975 * 5 010 000 = 4 884 750 sat
             = 48 847 500 000 000 femto (1 sat = 10^7 femto).
    d = 2.5: gross 12 525 000 sat; net = 0.975 * 12 525 000 = 12 211 875 sat
             = 122 118 750 000 000 femto.
    """
    assert TERMS.gross_value(1.0) == 5_010_000
    assert TERMS.net_value(1.0) == 4_884_750
    assert TERMS.share_value(1.0) == 48_847_500_000_000
    assert TERMS.gross_value(2.5) == 12_525_000
    assert TERMS.share_value(2.5) == 122_118_750_000_000


def test_accrual_of_a_bucket_by_hand():
    """Both shares in one 5-minute bucket: Σd = 3.5.
    gross = 3.5 * 5 010 000 = 17 535 000 sat = 175 350 000 000 000 femto;
    net   = 0.975 * 17 535 000 = 17 096 625 sat = 170 966 250 000 000 femto
          (= 4 884 750 + 12 211 875, the two shares' values);
    fee   = gross - net = 438 375 sat = 4 383 750 000 000 femto."""
    row = ShareBucket("alice", None, DAY, 300, 2, Fraction(7, 2), first_share=DAY, last_share=DAY)
    accrual = accrue(row, TERMS)
    assert accrual == FppsAccrual(
        "alice", DAY, Fraction(7, 2), 175_350_000_000_000, 4_383_750_000_000, 170_966_250_000_000
    )
    with pytest.raises(ValueError):
        accrue(ShareBucket("alice", "rig1", DAY, 300), TERMS)  # worker rows are summed first


def test_daily_close_of_the_worked_example():
    """The day holds only that bucket: reward 17 096 625 sat, fee 438 375 sat, total 17 535 000.
    hashRate = 3.5 * 2^32 / 86 400 = 173 985.94 H/s → 173 985.
    fppsRate = gross BTC / GH/s = 0.17535 / (173 985.94e-9) = 0.0501 * 86 400e9 / 2^32
             = 1007.840037... BTC per GH/s per day, truncated to 18 places."""
    row = ShareBucket("alice", None, DAY, 300, 2, Fraction(7, 2), first_share=DAY, last_share=DAY)
    close = close_day("alice", DAY, [accrue(row, TERMS)], Carry(), MAIN)
    reward = close.reward
    assert (reward.total_reward, reward.reward, reward.fee) == (17_535_000, 17_096_625, 438_375)
    assert reward.total_reward == reward.reward + reward.fee
    assert reward.hash_rate == 173_985
    exact = Fraction(5_010_000, 100_000_000) * 86_400 * 10**9 / 2**32
    assert reward.fpps_rate == Decimal(int(exact * 10**18)) / Decimal(10**18)
    assert str(reward.fpps_rate).startswith("1007.840037")
    assert (reward.date, reward.status, reward.currency) == (DAY, RewardStatus.PENDING, "BTC")
    assert reward.payout_address is None and reward.payout_txid is None
    assert close.carry == Carry(0, 0)


# A price where a difficulty-1 share is worth a third of a satoshi: D = 1.5e10, no fees,
# subsidy 50 BTC → gross 1/3 sat = 3 333 333.3 femto per unit; net 0.975/3 = 0.325 sat
# = 3 250 000 femto.
THIRDS = FppsTerms(subsidy=5_000_000_000, average_fees=0, network_difficulty=1.5e10)


def account_row(start, difficulty):
    return ShareBucket("alice", None, start, 300, 1, Fraction(difficulty), first_share=start,
                       last_share=start)  # fmt: skip


def test_daily_close_carries_the_remainder_to_the_next_day():
    """Day 1, three buckets (femto):
        Σd 1: gross floor(3 333 333.3)  =  3 333 333, net  3 250 000, fee  83 333
        Σd 2: gross floor(6 666 666.7)  =  6 666 666, net  6 500 000, fee 166 666
        Σd 4: gross floor(13 333 333.3) = 13 333 333, net 13 000 000, fee 333 333
      net 22 750 000 → reward 2 sat, carry 2 750 000; fee 583 332 → 0 sat, carry 583 332.
    Day 2, one bucket Σd 3: gross 10 000 000, net 9 750 000, fee 250 000.
      net 9 750 000 + 2 750 000 = 12 500 000 → reward 1 sat, carry 2 500 000;
      fee 250 000 + 583 332 = 833 332 → 0 sat, carry 833 332.
    Over both days the miner's side is exact: 10 units * 3 250 000 = 32 500 000 femto = 3 sat
    paid + 2 500 000 carried. The fee side accrued 833 332 femto of an exact 833 333.3: the
    per-bucket floors (under one femto per bucket), never the close, which moves every femto it
    is given."""
    day1 = [accrue(account_row(DAY + 300 * i, d), THIRDS) for i, d in enumerate((1, 2, 4))]
    assert [(a.gross, a.net, a.fee) for a in day1] == [
        (3_333_333, 3_250_000, 83_333),
        (6_666_666, 6_500_000, 166_666),
        (13_333_333, 13_000_000, 333_333),
    ]
    first = close_day("alice", DAY, day1, Carry(), EXTERNAL, "bcrt1qexample")
    assert (first.reward.reward, first.reward.fee, first.reward.total_reward) == (2, 0, 2)
    assert first.carry == Carry(reward=2_750_000, fee=583_332)
    assert first.reward.payout_address == "bcrt1qexample"

    day2 = [accrue(account_row(DAY + 86_400, 3), THIRDS)]
    second = close_day("alice", DAY + 86_400, day2, first.carry, EXTERNAL, "bcrt1qexample")
    assert (second.reward.reward, second.reward.fee) == (1, 0)
    assert second.carry == Carry(reward=2_500_000, fee=833_332)

    paid = (first.reward.reward + second.reward.reward) * FEMTO_PER_SAT + second.carry.reward
    assert paid == sum(a.net for a in day1 + day2) == 32_500_000


def test_a_mainnet_difficulty_one_share_is_not_rounded_away():
    """Mainnet-like terms: subsidy 3.125 BTC, fees 0.2 BTC, D = 1.1e14. A difficulty-1 share is
    worth 0.975 * 332 500 000 / 1.1e14 = 2.947e-6 sat = 29.47 femto → 29 (it would be 0 pico)."""
    terms = FppsTerms(subsidy=312_500_000, average_fees=20_000_000, network_difficulty=1.1e14)
    assert terms.share_value(1.0) == 29


def test_close_without_shares_keeps_the_carry():
    close = close_day("alice", DAY, [], Carry(1, 2), MAIN)
    assert close.reward is None and close.carry == Carry(1, 2)


def test_close_refuses_accruals_of_another_day_or_account():
    with pytest.raises(ValueError):
        close_day("alice", DAY, [accrue(account_row(DAY + 86_400, 1), THIRDS)], Carry(), MAIN)
    bob = FppsAccrual("bob", DAY, Fraction(1), 1, 0, 1)
    with pytest.raises(ValueError):
        close_day("alice", DAY, [bob], Carry(), MAIN)


def test_fpps_posting_credits_once_and_balances():
    row = ShareBucket("alice", None, DAY, 300, 2, Fraction(7, 2), first_share=DAY, last_share=DAY)
    reward = close_day("alice", DAY, [accrue(row, TERMS)], Carry(), MAIN).reward
    journal = Journal()
    assert journal.post(fpps_posting(reward, DAY + 86_400))
    # Closing the day again after a crash, later: same key, same content, nothing happens.
    assert not journal.post(fpps_posting(reward, DAY + 90_000))
    assert journal.balance("alice") == 17_096_625
    assert journal.balance(POOL_FEES) == 438_375
    assert journal.balance(POOL_FPPS) == -17_535_000
    kinds = {e.account: e.kind for e in journal.entries}
    assert kinds == {
        "alice": EntryKind.FPPS_REWARD,
        POOL_FEES: EntryKind.POOL_FEE,
        POOL_FPPS: EntryKind.FPPS_REWARD,
    }


def test_zero_satoshi_day_has_no_posting():
    reward = close_day("alice", DAY, [accrue(account_row(DAY, 1), THIRDS)], Carry(), MAIN).reward
    assert reward.total_reward == 0
    assert fpps_posting(reward, DAY) == ()


def test_settle_main_balance_and_external():
    row = account_row(DAY, 1000)
    main = close_day("alice", DAY, [accrue(row, THIRDS)], Carry(), MAIN).reward
    assert settle(main).status is RewardStatus.SUCCESSFUL
    with pytest.raises(ValueError):
        settle(main, txid="ab" * 32, time=DAY)
    external = close_day("alice", DAY, [accrue(row, THIRDS)], Carry(), EXTERNAL, "bc1q").reward
    with pytest.raises(ValueError):
        settle(external)
    done = settle(external, txid="ab" * 32, time=DAY + 5)
    assert (done.status, done.payout_txid, done.payout_time) == (
        RewardStatus.SUCCESSFUL, "ab" * 32, DAY + 5
    )  # fmt: skip
    with pytest.raises(ValueError):
        settle(done, txid="ab" * 32, time=DAY + 6)


def test_terms_refuse_nonsense():
    with pytest.raises(ValueError):
        FppsTerms(subsidy=1, average_fees=0, network_difficulty=0)
    with pytest.raises(ValueError):
        FppsTerms(subsidy=1, average_fees=0, network_difficulty=1, pool_fee=Fraction(1))
