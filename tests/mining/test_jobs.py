"""Jobs, the builder (notify params, ids, version mask) and the table (epochs, pruning, filters)."""

import pytest

from backend.bitcoin.hashes import from_display, sha256d
from backend.mining.jobs import VERSION_ROLLING_MASK, Job, JobBuilder, JobTable
from backend.mining.template import BlockTemplate, TemplateTransaction

from .vectors import (
    E2E_COINB1,
    E2E_COINB2,
    E2E_PAYOUT,
    E2E_PREVHASH_NOTIFY,
    E2E_TAG,
    E2E_TIME,
    e2e_template,
)

HASH_A = sha256d(b"a")
HASH_B = sha256d(b"b")


def _builder() -> JobBuilder:
    return JobBuilder(E2E_PAYOUT, E2E_TAG, extranonce1_size=4, extranonce2_size=4)


def _job(
    template: BlockTemplate, job_id: str = "1", created_at: float = 0.0, **changes: object
) -> Job:
    fields: dict[str, object] = {
        "job_id": job_id,
        "template": template,
        "coinb1": bytes.fromhex(E2E_COINB1),
        "coinb2": bytes.fromhex(E2E_COINB2),
        "branch": (),
        "version": template.version,
        "ntime": template.curtime,
        "clean": False,
        "created_at": created_at,
    }
    fields.update(changes)
    return Job(**fields)  # type: ignore[arg-type]


def test_reference_8_6_notify_params() -> None:
    job = _builder().build(e2e_template(), clean=True, now=E2E_TIME)
    assert job.notify_params() == [
        job.job_id,
        E2E_PREVHASH_NOTIFY,
        E2E_COINB1,
        E2E_COINB2,
        [],
        "20000000",
        "207fffff",
        "6553f100",
        True,
    ]
    assert job.created_at == E2E_TIME
    assert job.segwit
    assert job.network_target == 0x7FFFFF << 232


def test_notify_prevhash_word_swap_matches_reference_1_3() -> None:
    prev = from_display("000000000002d01c1fccc21636b607dfd930d31d01c3a62104612a1719011250")
    job = _builder().build(e2e_template(prev_hash=prev), clean=True, now=0)
    assert job.notify_params()[1] == (
        "1901125004612a1701c3a621d930d31d36b607df1fccc2160002d01c00000000"
    )


def test_branch_from_template_txids_matches_reference_8_2() -> None:
    txids = [
        "fff2525b8931402dd09222c50775608f75787bd2b87e56995a7bdd30f79702c4",
        "6359f0868171b1d194cbee1af2f16ea598ae8fad666d9b012c8ed2b79a236ec4",
        "e9a66845e05d5abc0ad04ec80f774a7e585c6e8db975962d069a522137b80c1d",
    ]
    transactions = tuple(
        TemplateTransaction(data=b"", txid=from_display(t), wtxid=from_display(t), fee=0)
        for t in txids
    )
    job = _builder().build(e2e_template(transactions=transactions), clean=False, now=0)
    assert job.notify_params()[4] == [
        "c40297f730dd7b5a99567eb8d27b78758f607507c52292d02d4031895b52f2ff",
        "49aef42d78e3e9999c9e6ec9e1dddd6cb880bf3b076a03be1318ca789089308e",
    ]


def test_job_version_has_the_rolling_mask_cleared() -> None:
    # Regtest's testdummy deployment signals on bit 28, inside the mask (reference §2.8).
    job = _builder().build(e2e_template(version=0x30000000), clean=False, now=0)
    assert job.version == 0x20000000
    assert job.version & VERSION_ROLLING_MASK == 0
    assert job.notify_params()[5] == "20000000"


def test_job_ids_are_hex_from_a_counter_and_never_reused() -> None:
    builder = _builder()
    template = e2e_template()
    ids = [builder.build(template, clean=False, now=i).job_id for i in range(300)]
    assert ids[:3] == ["1", "2", "3"]
    assert ids[255] == "100"
    assert len(set(ids)) == len(ids)


def test_rebuilding_the_same_template_reuses_its_coinbase() -> None:
    builder = _builder()
    template = e2e_template()
    first = builder.build(template, clean=True, now=0)
    second = builder.build(template, clean=False, now=1)
    assert second.coinb1 is first.coinb1
    assert second.work_key == first.work_key
    assert second.job_id != first.job_id


def test_ntime_is_the_template_time() -> None:
    job = _builder().build(e2e_template(curtime=1_700_000_123), clean=False, now=5)
    assert job.ntime == 1_700_000_123


def test_notify_params_is_a_fresh_list() -> None:
    job = _builder().build(e2e_template(), clean=True, now=0)
    params = job.notify_params()
    params[4].append("junk")
    params[0] = "x"
    assert job.notify_params()[0] == job.job_id
    assert job.notify_params()[4] == []


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"job_id": ""}, "empty"),
        ({"branch": (b"short",)}, "branch"),
        ({"version": 1 << 32}, "version"),
        ({"ntime": -1}, "ntime"),
    ],
)
def test_job_rejects_impossible_fields(changes: dict[str, object], match: str) -> None:
    fields: dict[str, object] = {"job_id": "1", **changes}
    with pytest.raises(ValueError, match=match):
        _job(e2e_template(), **fields)  # type: ignore[arg-type]


def test_job_rejects_a_short_prev_hash() -> None:
    with pytest.raises(ValueError, match="prev_hash"):
        _job(e2e_template(prev_hash=b"\x00" * 31), "1")


def test_builder_rejects_bad_sizes() -> None:
    with pytest.raises(ValueError):
        JobBuilder(E2E_PAYOUT, E2E_TAG, extranonce1_size=4, extranonce2_size=0)


# --- JobTable ---------------------------------------------------------------------------------


def test_table_tracks_current_and_get() -> None:
    table = JobTable()
    assert table.current is None
    job = _job(e2e_template(), "1")
    table.add(job)
    assert table.current is job
    assert table.get("1") is job
    assert table.get("2") is None
    assert not table.is_stale(job)
    assert table.tip == job.template.prev_hash


def test_new_prev_hash_starts_an_epoch_and_old_jobs_turn_stale() -> None:
    table = JobTable()
    old = _job(e2e_template(), "1")
    refresh = _job(e2e_template(curtime=E2E_TIME + 30), "2")
    table.add(old)
    table.add(refresh)
    assert table.epoch == 1
    assert not table.is_stale(old)
    new = _job(e2e_template(prev_hash=HASH_A, height=2), "3")
    table.add(new)
    assert table.epoch == 2
    assert table.is_stale(old) and table.is_stale(refresh)
    assert not table.is_stale(new)
    assert table.get("1") is old  # kept to answer "stale" until pruned


def test_tip_returning_to_an_old_hash_keeps_old_jobs_stale() -> None:
    table = JobTable()
    first = _job(e2e_template(), "1")
    table.add(first)
    table.add(_job(e2e_template(prev_hash=HASH_A), "2"))
    table.add(_job(e2e_template(), "3"))
    assert table.epoch == 3
    assert table.is_stale(first)


def test_a_job_unknown_to_the_table_is_stale() -> None:
    assert JobTable().is_stale(_job(e2e_template(), "1"))


def test_adding_a_live_job_id_twice_is_refused() -> None:
    table = JobTable()
    table.add(_job(e2e_template(), "1"))
    with pytest.raises(ValueError, match="already"):
        table.add(_job(e2e_template(), "1"))


def test_count_bound_drops_oldest_first() -> None:
    table = JobTable(max_jobs=3)
    for i in range(5):
        table.add(_job(e2e_template(curtime=E2E_TIME + i), str(i), created_at=i))
    assert len(table) == 3
    assert [table.get(str(i)) is not None for i in range(5)] == [False, False, True, True, True]


def test_prune_drops_old_jobs_but_never_the_current_one() -> None:
    table = JobTable(max_age=600)
    table.add(_job(e2e_template(), "1", created_at=0))
    table.add(_job(e2e_template(curtime=E2E_TIME + 1), "2", created_at=100))
    table.prune(now=650)
    assert table.get("1") is None
    assert table.get("2") is not None
    table.prune(now=10_000)
    assert table.get("2") is not None  # current: miners may still be on it


def test_duplicate_filter_is_per_job_and_dropped_with_the_job() -> None:
    table = JobTable(max_age=600)
    table.add(_job(e2e_template(), "1", created_at=0))
    other_coinbase = bytes.fromhex(E2E_COINB1.replace("5108", "5208"))
    table.add(_job(e2e_template(), "2", created_at=100, coinb1=other_coinbase))
    assert not table.seen("1", HASH_A)
    table.remember("1", HASH_A)
    assert table.seen("1", HASH_A)
    assert not table.seen("1", HASH_B)
    assert not table.seen("2", HASH_A)  # different work: its own filter
    table.prune(now=650)
    assert not table.seen("1", HASH_A)
    table.remember("1", HASH_B)  # the job is gone: nothing to remember it in
    assert not table.seen("1", HASH_B)


def test_jobs_with_identical_work_share_one_filter() -> None:
    # A job re-issued on the same template (e.g. after a difficulty change) yields the same
    # headers, so a share accepted under one id must count as seen under the other.
    table = JobTable(max_age=600)
    builder = _builder()
    template = e2e_template()
    first = builder.build(template, clean=True, now=0)
    second = builder.build(template, clean=False, now=500)
    table.add(first)
    table.add(second)
    table.remember(first.job_id, HASH_A)
    assert table.seen(second.job_id, HASH_A)
    table.prune(now=700)  # first leaves; the filter stays with second
    assert table.get(first.job_id) is None
    assert table.seen(second.job_id, HASH_A)


def test_stale_job_filters_survive_until_the_job_leaves() -> None:
    # Work identical to a stale job can come back when the tip returns (A -> B -> A).
    table = JobTable()
    builder = _builder()
    template = e2e_template()
    first = builder.build(template, clean=True, now=0)
    table.add(first)
    table.remember(first.job_id, HASH_A)
    table.add(builder.build(e2e_template(prev_hash=HASH_B), clean=True, now=1))
    again = builder.build(template, clean=True, now=2)
    table.add(again)
    assert table.is_stale(first)
    assert table.seen(again.job_id, HASH_A)


def test_block_claim_is_granted_once_per_work() -> None:
    table = JobTable()
    builder = _builder()
    template = e2e_template()
    first = builder.build(template, clean=True, now=0)
    second = builder.build(template, clean=False, now=1)
    table.add(first)
    table.add(second)
    assert table.claim_block(first.job_id, HASH_A)
    assert not table.claim_block(first.job_id, HASH_A)
    assert not table.claim_block(second.job_id, HASH_A)
    assert table.claim_block(first.job_id, HASH_B)
    assert not table.claim_block("unknown", HASH_A)


@pytest.mark.parametrize(("max_jobs", "max_age"), [(0, 600.0), (16, 0.0), (16, float("nan"))])
def test_table_rejects_bad_bounds(max_jobs: int, max_age: float) -> None:
    with pytest.raises(ValueError):
        JobTable(max_jobs=max_jobs, max_age=max_age)
