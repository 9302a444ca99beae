"""Buckets: UTC-aligned start-inclusive rows, roll-ups, merges, hashrate and reject rates."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.ledger.buckets import (
    BASE_BUCKET,
    DAY_BUCKET,
    HOUR_BUCKET,
    BucketKey,
    ShareBucket,
    account_totals,
    aggregate,
    bucket_start,
    hashrate,
    merge,
    merge_aggregates,
    reject_rates,
    roll_up,
    window_hashrate,
)
from backend.ledger.events import ShareEvent

T0 = 1_733_011_200  # 2024-12-01 00:00:00 UTC, a multiple of 86 400


def share(time, difficulty=1.0, *, worker="rig1", account="alice", reject=None, best=None):
    if reject is None:
        return ShareEvent(
            account, worker, difficulty, best or difficulty, True, None, None, False, time, 0
        )
    cls = "stale" if reject in ("stale", "job_not_found") else "invalid"
    return ShareEvent(account, worker, difficulty, best or 0.0, False, cls, reject, False, time, 0)


def test_alignment_is_utc_and_start_inclusive():
    assert bucket_start(T0, BASE_BUCKET) == T0
    assert bucket_start(T0 + 299, BASE_BUCKET) == T0
    assert bucket_start(T0 + 300, BASE_BUCKET) == T0 + 300
    assert bucket_start(T0 + 86_399, DAY_BUCKET) == T0
    rows = aggregate([share(T0 + 299), share(T0 + 300)])
    assert set(rows) == {
        BucketKey("alice", "rig1", T0, 300),
        BucketKey("alice", "rig1", T0 + 300, 300),
    }


def test_aggregate_counts_accepted_stale_invalid_apart():
    events = [
        share(T0 + 1, 2.0, best=40.0),
        share(T0 + 7, 0.5, best=3.0),
        share(T0 + 9, 2.0, reject="stale"),
        share(T0 + 10, 0.0, reject="job_not_found"),
        share(T0 + 11, 2.0, reject="low_difficulty", best=99.0),
    ]
    (row,) = aggregate(events).values()
    assert (row.accepted, row.accepted_difficulty) == (2, Fraction(5, 2))
    assert (row.stale, row.stale_difficulty) == (2, Fraction(2))
    assert (row.invalid, row.invalid_difficulty) == (1, Fraction(2))
    assert row.best_share == 40.0  # the rejected share's hash does not count
    assert (row.first_share, row.last_share) == (T0 + 1, T0 + 7)
    assert row.shares == 5


def test_roll_up_and_account_totals():
    events = [share(T0 + 60 * i, worker=f"rig{i % 2}") for i in range(120)]  # two hours
    base = aggregate(events)
    hours = roll_up(base.values(), HOUR_BUCKET)
    assert {(k.worker, k.start) for k in hours} == {
        (w, T0 + h * 3600) for w in ("rig0", "rig1") for h in (0, 1)
    }
    assert all(row.accepted == 30 for row in hours.values())
    days = roll_up(hours.values(), DAY_BUCKET)
    accounts = account_totals(days.values())
    (total,) = accounts.values()
    assert total.key == BucketKey("alice", None, T0, DAY_BUCKET)
    assert (total.accepted, total.accepted_difficulty) == (120, Fraction(120))
    assert (total.first_share, total.last_share) == (T0, T0 + 119 * 60)
    with pytest.raises(ValueError):
        roll_up(hours.values(), 5400)  # 1.5 h is not a multiple of 1 h


def test_hashrate_formula():
    """30 shares of difficulty 1 in 300 s: 30 * 2^32 / 300 = 429 496 729.6 H/s."""
    assert hashrate(Fraction(30), 300) == 429_496_729.6
    with pytest.raises(ValueError):
        hashrate(1, 0)


def test_window_rate_spans_whole_buckets():
    """now = T0 + 900 + 60: the 5-minute window reaches back to the bucket holding now - 300, which
    starts at T0 + 600, so it spans 360 s. Buckets at T0+600 (Σd 30) and T0+900 (Σd 6) count;
    the one at T0+300 does not: 36 * 2^32 / 360."""
    rows = [
        ShareBucket("alice", "rig1", T0 + 300, 300, 30, Fraction(30), first_share=T0 + 300,
                    last_share=T0 + 599),
        ShareBucket("alice", "rig1", T0 + 600, 300, 30, Fraction(30), first_share=T0 + 600,
                    last_share=T0 + 899),
        ShareBucket("alice", "rig1", T0 + 900, 300, 6, Fraction(6), first_share=T0 + 900,
                    last_share=T0 + 959),
    ]  # fmt: skip
    assert window_hashrate(rows, T0 + 960, 300) == 36 * 2**32 / 360


def test_window_rate_does_not_under_report_a_young_worker():
    """A worker at 1 share of difficulty 1 every 10 s that connected 120 s ago has 12 shares.
    Over the full 5-minute span (300..600 s) that would read as 12/300 of its rate per second;
    with first_seen the divisor is 120 s: exactly its true 2^32 / 10 H/s."""
    first_seen = T0 + 100
    events = [share(first_seen + 10 * i) for i in range(1, 13)]
    rows = aggregate(events).values()
    now = first_seen + 120
    assert window_hashrate(rows, now, 300, first_seen=first_seen) == 2**32 / 10
    assert window_hashrate(rows, now, 300) == 12 * 2**32 / 520


def test_window_rate_floor_and_size_check():
    rows = aggregate([share(T0 + 5)]).values()
    assert window_hashrate(rows, T0 + 5, 300, first_seen=T0 + 5) == 2**32 / 60
    with pytest.raises(ValueError):
        window_hashrate(rows, T0 + 5, 3600, seconds=HOUR_BUCKET)


def test_reject_rates_count_stale_apart_from_invalid():
    events = [share(T0 + i) for i in range(7)]
    events += [share(T0 + 10, reject="stale"), share(T0 + 11, reject="job_not_found")]
    events += [share(T0 + 12, reject="duplicate")]
    rates = reject_rates(aggregate(events).values())
    assert (rates.total, rates.stale, rates.invalid) == (0.3, 0.2, 0.1)
    assert reject_rates([]).total == 0.0


def test_merge_refuses_different_keys():
    a = ShareBucket("alice", "rig1", T0, 300)
    with pytest.raises(ValueError):
        merge(a, ShareBucket("alice", "rig2", T0, 300))


def test_misaligned_bucket_is_refused():
    with pytest.raises(ValueError):
        ShareBucket("alice", "rig1", T0 + 1, 300)


# Difficulties as real miners produce them: tiny CPU values to large ASIC values, as floats.
difficulties = st.floats(min_value=1e-10, max_value=1e12, allow_nan=False, allow_infinity=False)


@st.composite
def rows(draw):
    accepted = draw(st.integers(0, 50))
    times = draw(st.lists(st.integers(T0, T0 + 299), min_size=accepted, max_size=accepted))
    return ShareBucket(
        "alice",
        "rig1",
        T0,
        300,
        accepted=accepted,
        accepted_difficulty=sum((Fraction(d) for d in draw(st.lists(difficulties))), Fraction()),
        stale=draw(st.integers(0, 50)),
        stale_difficulty=Fraction(draw(difficulties)),
        invalid=draw(st.integers(0, 50)),
        invalid_difficulty=Fraction(draw(difficulties)),
        best_share=draw(difficulties),
        first_share=min(times, default=None),
        last_share=max(times, default=None),
    )


@given(rows(), rows(), rows())
def test_merge_is_associative_and_commutative(a, b, c):
    assert merge(a, b) == merge(b, a)
    assert merge(merge(a, b), c) == merge(a, merge(b, c))


events_strategy = st.lists(
    st.builds(
        share,
        st.integers(T0, T0 + 7200),
        difficulties,
        worker=st.sampled_from(["rig1", "rig2"]),
        account=st.sampled_from(["alice", "bob"]),
        reject=st.sampled_from([None, None, "stale", "low_difficulty"]),
    ),
    max_size=60,
)


@given(events_strategy, st.data())
def test_batches_from_several_nodes_add_up_to_one_aggregate(events, data):
    """However the shares are split between nodes, merging the nodes' aggregates in any order
    gives exactly the aggregate of all shares."""
    node_of = data.draw(st.lists(st.integers(0, 2), min_size=len(events), max_size=len(events)))
    parts = [aggregate(e for e, n in zip(events, node_of, strict=True) if n == k) for k in range(3)]
    order = data.draw(st.permutations(parts))
    merged: dict = {}
    for part in order:
        merged = merge_aggregates(merged, part)
    assert merged == aggregate(events)
