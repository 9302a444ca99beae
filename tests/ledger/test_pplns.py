"""PPLNS: the window, the split of a block, and the journal life of its credits."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.ledger.journal import (
    POOL_BLOCKS,
    POOL_FEES,
    InsufficientFunds,
    Journal,
    immature,
)
from backend.ledger.pplns import (
    PPLNS_N,
    credit_postings,
    maturity_postings,
    orphan_postings,
    pplns_window,
    split_block,
    window_weights,
)

BLOCK = "00" * 4 + "ab" * 28
T = 1_733_011_200

# Newest first: the block's own share (bob, 4) and back in time.
LOG = [("bob", 4.0), ("alice", 8.0), ("carol", 6.0), ("alice", 5.0), ("dave", 3.0)]


def test_window_cuts_a_share_pro_rata():
    """D = 10, N = 2: the window holds 20 units of difficulty.
    Walking back: bob 4 (16 left), alice 8 (8 left), carol 6 (2 left), then alice's older share
    of 5 straddles the edge: only 2 of it is inside. dave is outside.
    Weights: alice 8 + 2 = 10, bob 4, carol 6 — 20 in all.
    (Counting the straddling share fully would give alice 13 of 23 instead of 10 of 20.)"""
    window = pplns_window(10.0, 2)
    assert window == 20
    assert window_weights(LOG, window) == {"bob": 4, "alice": 10, "carol": 6}


def test_window_reads_no_further_than_it_needs():
    consumed = []

    def log():
        for item in LOG:
            consumed.append(item)
            yield item

    window_weights(log(), Fraction(20))
    assert len(consumed) == 4


def test_short_log_counts_every_share():
    assert window_weights(LOG, Fraction(1000)) == {"bob": 4, "alice": 13, "carol": 6, "dave": 3}


def test_default_window_is_five_times_the_difficulty():
    assert PPLNS_N == 5
    assert pplns_window(1000.0) == 5000


def test_split_by_hand():
    """Block value 625 000 007 sat, fee 2.5 %: fee = floor(15 625 000.175) = 15 625 000;
    distributable = 609 375 007.
        alice 10/20 → 304 687 503.5 → floor 304 687 503, remainder .5
        bob    4/20 → 121 875 001.4 → floor 121 875 001, remainder .4
        carol  6/20 → 182 812 502.1 → floor 182 812 502, remainder .1
    Floors sum to 609 375 006; the 1 satoshi left goes to the largest remainder, alice."""
    weights = window_weights(LOG, pplns_window(10.0, 2))
    split = split_block(BLOCK, 625_000_007, weights)
    assert split.fee == 15_625_000
    assert split.distributable == 609_375_007
    assert dict(split.credits) == {
        "alice": 304_687_504,
        "bob": 121_875_001,
        "carol": 182_812_502,
    }
    assert list(split.credits) == ["alice", "bob", "carol"]


def test_remainder_ties_go_to_the_first_name():
    """3 sat over three equal weights after no fee: 1 each. 2 sat: floors 0, remainders 2/3 each;
    both go to the two names that sort first."""
    weights = {"zed": Fraction(1), "amy": Fraction(1), "kim": Fraction(1)}
    assert dict(split_block(BLOCK, 2, weights, Fraction(0)).credits) == {
        "amy": 1, "kim": 1, "zed": 0
    }  # fmt: skip


def test_split_refuses_an_empty_window():
    with pytest.raises(ValueError):
        split_block(BLOCK, 100, {})


def test_orphaned_block_credits_are_reversed():
    """Found: pool:blocks pays 625 000 007 into the immature accounts. Orphaned: every credit is
    reversed; every balance is back to zero and nothing was ever available to pay out."""
    split = split_block(BLOCK, 625_000_007, window_weights(LOG, Fraction(20)))
    journal = Journal()
    for p in credit_postings(split, T):
        assert journal.post(p)
    assert journal.balance(immature("alice")) == 304_687_504
    assert journal.balance(immature(POOL_FEES)) == 15_625_000
    assert journal.balance(POOL_BLOCKS) == -625_000_007
    assert journal.balance("alice") == 0  # not available: a payout cannot draw on it
    for p in orphan_postings(split, T + 600):
        assert journal.post(p)
    assert all(balance == 0 for balance in journal.balances().values())
    # Replaying the orphan handling after a crash is a no-op.
    assert not any(journal.post(p) for p in orphan_postings(split, T + 900))


def test_confirmed_block_credits_become_available_and_are_never_reversed():
    split = split_block(BLOCK, 625_000_007, window_weights(LOG, Fraction(20)))
    journal = Journal()
    for p in credit_postings(split, T) + maturity_postings(split, T + 60_000):
        journal.post(p)
    assert journal.balance("alice") == 304_687_504
    assert journal.balance(POOL_FEES) == 15_625_000
    assert journal.balance(immature("alice")) == 0
    with pytest.raises(InsufficientFunds):
        journal.post(orphan_postings(split, T + 70_000)[0])


weights_strategy = st.dictionaries(
    st.text("abcdefghij", min_size=1, max_size=3),
    st.fractions(min_value=Fraction(1, 10**6), max_value=10**6),
    min_size=1,
    max_size=12,
)


@given(
    st.integers(0, 21_000_000 * 10**8),
    weights_strategy,
    st.fractions(min_value=0, max_value=Fraction(99, 100)),
)
def test_split_sums_exactly_to_the_distributable_value(value, weights, fee):
    split = split_block(BLOCK, value, weights, fee)
    assert split.fee == int(value * fee)
    assert sum(split.credits.values()) == split.distributable == value - split.fee
    total = sum(weights.values())
    for account, credit in split.credits.items():
        exact = split.distributable * weights[account] / total
        assert exact - 1 < credit < exact + 1
    assert split == split_block(BLOCK, value, dict(reversed(list(weights.items()))), fee)
