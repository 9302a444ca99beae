"""Recorder batches in the store: once-only application, buckets at every size, workers, blocks
and the PPLNS log — on both databases."""

from fractions import Fraction

from backend.ledger.batch import BatchBuilder
from backend.ledger.blocks import BlockStatus, FoundBlock
from backend.ledger.buckets import (
    BASE_BUCKET,
    DAY_BUCKET,
    HOUR_BUCKET,
    account_totals,
    aggregate,
    roll_up,
)
from backend.ledger.events import ShareEvent
from backend.ledger.rewards import FppsTerms
from backend.ledger.workers import WorkerUpdate

T0 = 1_733_011_200  # 2024-12-01 00:00:00 UTC


def share(time, difficulty=0.5, *, account="alice", worker="rig1", reject=None, best=None):
    if reject is None:
        return ShareEvent(
            account, worker, difficulty, best or difficulty, True, None, None, False, time, 0
        )
    kind = "stale" if reject == "stale" else "invalid"
    return ShareEvent(account, worker, difficulty, 0.0, False, kind, reject, False, time, 0)


def batch_of(
    events,
    batch_id="0:run:1",
    node=0,
    now=T0 + 7200,
    terms=None,
    pplns=False,
    workers=(),
    blocks=(),
    reset=False,
):
    builder = BatchBuilder(node, terms, pplns=pplns)
    for event in events:
        builder.add(event)
    for update in workers:
        builder.set_worker(update)
    for block in blocks:
        builder.add_block(block)
    return builder.seal(batch_id, now, reset_node=reset)


def test_a_batch_applies_once(store):
    batch = batch_of([share(T0 + 1), share(T0 + 2)])
    assert store.record_batch(batch)
    assert not store.record_batch(batch)
    (row,) = store.share_buckets("alice", "rig1", T0, T0 + 300, BASE_BUCKET)
    assert row.accepted == 2 and row.accepted_difficulty == 1


def test_buckets_at_every_size_match_the_domain(store):
    events = [
        share(T0 + 37 * i, [0.5, 0.25, 2.0][i % 3], worker=f"rig{i % 2}", best=float(i))
        for i in range(200)
    ]
    events += [share(T0 + 50, reject="stale"), share(T0 + 4000, 0.5, reject="low_difficulty")]
    # Two batches, split arbitrarily, as the recorder would write them.
    assert store.record_batch(batch_of(events[::2], "0:run:1"))
    assert store.record_batch(batch_of(events[1::2], "0:run:2"))

    base = aggregate(events)
    expected = {300: base, 3600: roll_up(base.values(), HOUR_BUCKET)}
    expected[86400] = roll_up(base.values(), DAY_BUCKET)
    for seconds, rows in expected.items():
        for worker in ("rig0", "rig1"):
            stored = store.share_buckets("alice", worker, T0, T0 + DAY_BUCKET, seconds)
            want = sorted((r for r in rows.values() if r.worker == worker), key=lambda r: r.start)
            assert stored == want
        totals = sorted(account_totals(rows.values()).values(), key=lambda r: r.start)
        assert store.share_buckets("alice", None, T0, T0 + DAY_BUCKET, seconds) == totals
    (day,) = store.share_buckets("alice", None, T0, T0 + DAY_BUCKET, DAY_BUCKET)
    assert (day.accepted, day.stale, day.invalid) == (200, 1, 1)
    assert day.best_share == 199.0


def test_bucket_range_is_start_inclusive_end_exclusive(store):
    store.record_batch(batch_of([share(T0), share(T0 + 300), share(T0 + 600)]))
    rows = store.share_buckets("alice", "rig1", T0 + 300, T0 + 600, BASE_BUCKET)
    assert [r.start for r in rows] == [T0 + 300]


def test_pool_buckets_sum_every_account(store):
    store.record_batch(batch_of([share(T0, 1.0), share(T0 + 1, 2.0, account="bob")]))
    (row,) = store.pool_buckets(T0, T0 + 300, BASE_BUCKET)
    assert row.account == "" and row.worker is None
    assert (row.accepted, row.accepted_difficulty) == (2, Fraction(3))


def test_two_nodes_add_into_the_same_rows(store):
    store.record_batch(batch_of([share(T0 + 1)], "1:a:1", node=1))
    store.record_batch(batch_of([share(T0 + 2), share(T0 + 3)], "2:b:1", node=2))
    (row,) = store.share_buckets("alice", None, T0, T0 + 300, BASE_BUCKET)
    assert row.accepted == 3 and (row.first_share, row.last_share) == (T0 + 1, T0 + 3)


def update(node, connections, seq, *, worker="rig1", agent="cpuminer/2.5", difficulty=0.5):
    return WorkerUpdate(
        "alice",
        worker,
        node,
        connections,
        T0 + seq if connections else None,
        agent,
        difficulty,
        seq,
    )


def test_workers_fold_every_node_and_ignore_stale_updates(store):
    store.record_batch(
        batch_of([share(T0 + 10, best=7.0)], "1:a:1", node=1, workers=[update(1, 1, 5)])
    )
    store.record_batch(batch_of([], "2:b:1", node=2, workers=[update(2, 2, 3, difficulty=4.0)]))
    (worker,) = store.workers("alice")
    assert worker.connected and worker.connected_at == T0 + 3
    assert worker.last_share_at == T0 + 10 and worker.best_share == 7.0
    assert worker.first_seen == T0 + 3

    store.record_batch(batch_of([], "1:a:2", node=1, workers=[update(1, 0, 9)]))
    store.record_batch(batch_of([], "2:b:2", node=2, workers=[update(2, 0, 8)]))
    # A batch from before replayed late must not reconnect the worker.
    store.record_batch(batch_of([], "1:a:0", node=1, workers=[update(1, 1, 4)]))
    (worker,) = store.workers("alice")
    assert not worker.connected and worker.connected_at is None
    assert worker.user_agent == "cpuminer/2.5" and worker.difficulty in (0.5, 4.0)


def test_a_restarted_node_forgets_its_connections(store):
    store.record_batch(batch_of([], "1:a:1", node=1, workers=[update(1, 3, 5)]))
    # The process died; its successor's first batch resets the node.
    store.record_batch(batch_of([], "1:c:0", node=1, now=T0 + 10**6, reset=True))
    (worker,) = store.workers("alice")
    assert not worker.connected


def found(height, *, account="alice", status=BlockStatus.PENDING):
    return FoundBlock(
        height,
        bytes([height]) * 32,
        account,
        "rig1",
        5_000_000_000,
        T0 + height,
        status,
        network_difficulty=2.0,
    )


def test_blocks_newest_first_once_each(store):
    store.record_batch(batch_of([], "0:a:1", blocks=[found(1), found(2, account="bob")]))
    store.record_batch(batch_of([], "0:a:2", blocks=[found(2, account="bob"), found(3)]))
    assert [b.height for b in store.blocks(None, 10, 0)] == [3, 2, 1]
    assert [b.height for b in store.blocks("alice", 10, 0)] == [3, 1]
    assert [b.height for b in store.blocks(None, 1, 1)] == [2]
    assert store.blocks(None, 10, 0)[0] == found(3)
    assert [b.height for b in store.pending_blocks()] == [1, 2, 3]


def test_block_status_updates(store):
    store.record_batch(batch_of([], blocks=[found(5)]))
    from dataclasses import replace

    store.update_block(replace(found(5), status=BlockStatus.CONFIRMED, confirmations=100))
    assert store.pending_blocks() == []
    assert store.block(found(5).hash_hex).status is BlockStatus.CONFIRMED
    assert store.block(found(5).hash_hex).confirmations == 100


def test_pplns_log_reads_newest_first_from_a_batch(store):
    store.record_batch(batch_of([share(T0, 1.0)], "0:a:1", now=T0 + 1, pplns=True))
    store.record_batch(
        batch_of(
            [share(T0 + 1, 2.0, account="bob"), share(T0 + 2, 0.5)], "0:a:2", now=T0 + 2, pplns=True
        )
    )
    store.record_batch(batch_of([share(T0 + 3, 8.0)], "0:a:3", now=T0 + 3, pplns=True))
    seq = int((T0 + 2) * 1e9)
    assert list(store.pplns_log(seq)) == [("alice", 0.5), ("bob", 2.0), ("alice", 1.0)]


def test_accruals_of_a_closed_day_go_to_the_next_open_day(store):
    terms = FppsTerms(5_000_000_000, 0, Fraction(1000))
    store.record_batch(batch_of([share(T0 + 10, 1.0)], "0:a:1", terms=terms))
    assert store.open_fpps_days(T0 + DAY_BUCKET) == [("alice", T0)]
    reward = store.close_fpps_day("alice", T0, T0 + DAY_BUCKET + 900)
    assert reward.reward == 4_875_000 and reward.fee == 125_000
    # A batch from the closed day arrives late (a recovery-file replay, say).
    store.record_batch(batch_of([share(T0 + 20, 1.0)], "0:a:0", terms=terms))
    assert store.open_fpps_days(T0 + 2 * DAY_BUCKET) == [("alice", T0 + DAY_BUCKET)]
    late = store.close_fpps_day("alice", T0 + DAY_BUCKET, T0 + 2 * DAY_BUCKET + 900)
    assert late.reward == 4_875_000
    assert store.close_fpps_day("alice", T0 + DAY_BUCKET, T0 + 3 * DAY_BUCKET) is None
