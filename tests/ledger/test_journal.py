"""The balance journal: postings balance, keys are idempotent, accounts never overdraw, and no
satoshi is ever created or destroyed."""

from collections import defaultdict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.ledger.journal import (
    POOL_BLOCKS,
    POOL_FEES,
    POOL_FPPS,
    SOURCE_ACCOUNTS,
    EntryKind,
    InsufficientFunds,
    Journal,
    JournalEntry,
    KeyConflict,
    PostingError,
    check_posting,
    fpps_key,
    immature,
    posting,
    reverse,
)

K = EntryKind.FPPS_REWARD


def transfer(key, source, target, amount, time=0):
    return posting(key, "ref", time, [(source, -amount, K), (target, amount, K)])


def test_fpps_credit_and_balance_is_the_sum_of_entries():
    journal = Journal()
    assert journal.post(transfer(fpps_key("alice", 0), POOL_FPPS, "alice", 1000))
    assert journal.post(transfer(fpps_key("alice", 86_400), POOL_FPPS, "alice", 500))
    assert (
        journal.balance("alice")
        == 1500
        == sum(e.amount for e in journal.entries if e.account == "alice")
    )
    assert journal.balance(POOL_FPPS) == -1500
    assert journal.balance("nobody") == 0


@pytest.mark.parametrize(
    "entries",
    [
        (),
        posting("k", "r", 0, [("alice", 5, K), (POOL_FPPS, -4, K)]),  # sums to 1
        posting("k", "r", 0, [("alice", 5, K), ("alice", -5, K)]),  # account twice
        (JournalEntry("k", "a", 5, K, "r", 0), JournalEntry("k2", "b", -5, K, "r", 0)),
        (JournalEntry("k", "a", 5, K, "r", 0), JournalEntry("k", "b", -5, K, "r", 1)),
    ],
)
def test_malformed_postings_are_refused(entries):
    with pytest.raises(PostingError):
        check_posting(entries)
    journal = Journal()
    with pytest.raises(PostingError):
        journal.post(entries)
    assert journal.entries == ()


@pytest.mark.parametrize("amount", [0, True, 1.0])
def test_entry_amount_is_a_non_zero_int(amount):
    with pytest.raises(ValueError):
        JournalEntry("k", "alice", amount, K, "r", 0)


def test_posting_builder_drops_zero_legs():
    assert posting("k", "r", 0, [("a", 0, K), ("b", 0, K)]) == ()
    assert len(posting("k", "r", 0, [("a", 3, K), ("b", -3, K), ("c", 0, K)])) == 2


def test_an_overdraft_is_refused_whole():
    """alice holds 100. A posting that takes 60 from her and 200 from pool:fees (holding 0) is
    refused, and alice still holds 100: nothing of it applied."""
    journal = Journal()
    journal.post(transfer("credit", POOL_FPPS, "alice", 100))
    bad = posting("bad", "r", 0, [("alice", -60, K), (POOL_FEES, -200, K), ("bob", 260, K)])
    with pytest.raises(InsufficientFunds) as raised:
        journal.post(bad)
    assert (raised.value.account, raised.value.balance, raised.value.change) == (POOL_FEES, 0, -200)
    assert journal.balance("alice") == 100 and journal.balance("bob") == 0
    assert journal.posted("bad") is None


def test_only_the_sources_may_go_negative():
    assert {POOL_FPPS, POOL_BLOCKS} == SOURCE_ACCOUNTS
    journal = Journal()
    journal.post(transfer("a", POOL_BLOCKS, immature("alice"), 10))
    with pytest.raises(InsufficientFunds):
        journal.post(transfer("b", immature("alice"), "alice", 11))


def test_replay_is_a_no_op_and_a_changed_replay_is_a_conflict():
    journal = Journal()
    assert journal.post(transfer("k", POOL_FPPS, "alice", 100, time=5))
    assert not journal.post(transfer("k", POOL_FPPS, "alice", 100, time=9))  # later, same content
    with pytest.raises(KeyConflict):
        journal.post(transfer("k", POOL_FPPS, "alice", 101))
    assert journal.balance("alice") == 100 and len(journal.entries) == 2


def test_reverse_negates_under_its_own_key():
    original = transfer("k", POOL_BLOCKS, immature("alice"), 70)
    undo = reverse(original, 99)
    assert [(e.key, e.account, e.amount, e.kind, e.time) for e in undo] == [
        ("reversal/k", POOL_BLOCKS, 70, EntryKind.REVERSAL, 99),
        ("reversal/k", immature("alice"), -70, EntryKind.REVERSAL, 99),
    ]


def test_journal_rebuilt_from_its_entries_agrees():
    journal = Journal()
    journal.post(transfer("a", POOL_FPPS, "alice", 100))
    journal.post(transfer("b", "alice", "bob", 40))
    again = Journal(journal.entries)
    assert again.balances() == journal.balances()


ACCOUNTS = ["alice", "bob", POOL_FEES, immature("alice"), POOL_FPPS, POOL_BLOCKS]

operations = st.lists(
    st.tuples(
        st.integers(0, 15),  # key: small range, so replays and conflicts happen
        st.lists(
            st.tuples(st.sampled_from(ACCOUNTS), st.integers(-1000, 1000)),
            min_size=1,
            max_size=4,
        ),
    ),
    max_size=40,
)


@given(operations)
def test_journal_never_creates_or_destroys_satoshis(ops):
    """Any sequence of attempted postings — balanced or not, overdrawing or not, replayed or
    conflicting — leaves every balance equal to the sum of its entries, the sum of all balances at
    zero, no account but the sources below zero, and a replay of everything applied changes
    nothing."""
    journal = Journal()
    applied = []
    for key, legs in ops:
        # Make the legs balance when they can: the last leg takes the opposite of the rest.
        merged: dict[str, int] = defaultdict(int)
        for account, amount in legs:
            merged[account] += amount
        if len(merged) > 1:
            last = next(reversed(merged))
            merged[last] = -sum(v for a, v in merged.items() if a != last)
        entries = posting(f"k{key}", "r", 0, [(a, v, K) for a, v in merged.items()])
        try:
            if journal.post(entries):
                applied.append(entries)
        except (PostingError, InsufficientFunds):
            pass
        balances = journal.balances()
        assert sum(balances.values()) == 0
        for account, balance in balances.items():
            assert balance == sum(e.amount for e in journal.entries if e.account == account)
            assert balance >= 0 or account in SOURCE_ACCOUNTS
    before = journal.balances()
    assert not any(journal.post(entries) for entries in applied)
    assert journal.balances() == before
    assert Journal(journal.entries).balances() == before
