"""Recorder batches: sums per row at every size, exact FPPS accruals (capped at a block a share),
and a JSON form that survives the recovery file unchanged."""

from fractions import Fraction

from backend.ledger.batch import BatchBuilder, ShareBatch
from backend.ledger.blocks import FoundBlock
from backend.ledger.buckets import BASE_BUCKET, DAY_BUCKET, HOUR_BUCKET
from backend.ledger.events import ShareEvent
from backend.ledger.rewards import FEMTO_PER_SAT, FppsTerms
from backend.ledger.workers import WorkerUpdate

T0 = 1_733_011_200


def share(at, difficulty=0.5, account="alice", worker="rig", reject=None):
    if reject is None:
        return ShareEvent(
            account, worker, difficulty, difficulty * 3, True, None, None, False, at, 0
        )
    return ShareEvent(account, worker, difficulty, 0.0, False, reject, reject, False, at, 0)


def test_a_batch_carries_every_row_its_shares_touch():
    builder = BatchBuilder(0, None)
    for at in (T0, T0 + 299, T0 + 300, T0 + 3600):
        builder.add(share(at))
    builder.add(share(T0 + 1, reject="stale"))
    batch = builder.seal("0:r:1", T0 + 4000)
    sizes = {(r.worker, r.seconds): [] for r in batch.buckets}
    for row in batch.buckets:
        sizes[(row.worker, row.seconds)].append((row.start, row.accepted, row.stale))
    assert sizes[("rig", BASE_BUCKET)] == [(T0, 2, 1), (T0 + 300, 1, 0), (T0 + 3600, 1, 0)]
    assert sizes[("rig", HOUR_BUCKET)] == [(T0, 3, 1), (T0 + 3600, 1, 0)]
    assert sizes[(None, DAY_BUCKET)] == [(T0, 4, 1)]
    assert batch.shares == 5 and batch.created_at == T0 + 4000


def test_fpps_accrual_is_exact_and_capped_at_one_block_per_share():
    # D = 2: a share of 0.5 earns a quarter block, a share of 8 (a block by itself) one block.
    terms = FppsTerms(100_000_000, 0, Fraction(2), pool_fee=Fraction(0))
    builder = BatchBuilder(0, terms)
    builder.add(share(T0, 0.5))
    builder.add(share(T0 + 1, 8.0))
    (accrual,) = builder.seal("0:r:1", T0 + 10).accruals
    assert accrual.difficulty == Fraction(5, 2)
    assert accrual.net == (25_000_000 + 100_000_000) * FEMTO_PER_SAT


def test_json_round_trip_is_exact():
    terms = FppsTerms(312_500_000, 1_234_567, Fraction(110_000_000_000_001, 7))
    builder = BatchBuilder(3, terms, pplns=True)
    builder.add(share(T0, 0.1))
    builder.add(share(T0 + 7, 0.2, worker="other"))
    builder.add(share(T0 + 8, 0.3, reject="invalid"))
    builder.set_worker(WorkerUpdate("alice", "rig", 3, 2, T0, "cgminer/4.12", 0.1, 99))
    builder.add_block(
        FoundBlock(
            7,
            bytes(range(32)),
            "alice",
            "rig",
            5_000_000_000,
            T0 + 1,
            network_difficulty=2.5,
            confirmations=0,
        )
    )
    batch = builder.seal("3:abc:9", T0 + 9.5, reset_node=True)
    assert ShareBatch.from_dict(batch.as_dict()) == batch
    assert batch.accruals and batch.pplns and batch.reset_node
