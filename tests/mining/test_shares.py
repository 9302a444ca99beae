"""Share parsing and validation: reference vectors, every reject reason, grace, duplicates."""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.bitcoin.header import BlockHeader
from backend.bitcoin.transaction import parse_block
from backend.mining.jobs import VERSION_ROLLING_MASK, Job, JobBuilder, JobTable
from backend.mining.shares import (
    MAX_TRACKED_JOBS,
    MinerWork,
    RejectReason,
    ShareResult,
    Submission,
    _share_result,
    _submission,
    parse_submission,
    validate_share,
)

from .vectors import (
    A_EXTRANONCE1,
    A_HASH,
    A_HEIGHT,
    A_NOTIFY,
    A_SHARE_DIFFICULTY,
    A_SUBMIT,
    B_COMMITMENT,
    B_EXTRANONCE1,
    B_HASH,
    B_HEIGHT,
    B_NOTIFY,
    B_SHARE_DIFFICULTY,
    B_SUBMIT,
    E2E_BLOCK,
    E2E_EXTRANONCE1,
    E2E_HASH,
    E2E_HEADER,
    E2E_PAYOUT,
    E2E_SHARE_DIFFICULTY,
    E2E_TAG,
    E2E_TIME,
    e2e_template,
    job_from_notify,
)

A_COMMITMENT = bytes.fromhex(
    "6a24aa21a9ed63b06a7946b190a3fda1d76165b25c9b883bcc6621b040773050ee2a1bb18f18"
)
A_NTIME = 0x647025B5
B_NTIME = 0x64B3F3EC


def _submit(params: list[object], size: int = 4) -> Submission:
    sub = parse_submission(params, size)
    assert isinstance(sub, Submission), sub
    return sub


def _table(*jobs: Job) -> JobTable:
    table = JobTable()
    for job in jobs:
        table.add(job)
    return table


def _work(extranonce1: bytes, difficulty: float, *job_ids: str, mask: int = 0) -> MinerWork:
    work = MinerWork(extranonce1=extranonce1, extranonce2_size=4, version_mask=mask)
    work.difficulty = difficulty
    for job_id in job_ids:
        work.note_job(job_id)
    return work


def _e2e() -> tuple[JobBuilder, Job, JobTable]:
    builder = JobBuilder(E2E_PAYOUT, E2E_TAG, extranonce1_size=4, extranonce2_size=4)
    job = builder.build(e2e_template(), clean=True, now=E2E_TIME)
    return builder, job, _table(job)


def _e2e_submit(job: Job, nonce: str = "00000000", ntime: str = "6553f100") -> Submission:
    return _submit(["w", job.job_id, "00000000", ntime, nonce])


# --- RejectReason -----------------------------------------------------------------------------


def test_reject_reasons_carry_stratum_code_message_and_name() -> None:
    table = {r: (r.value, r.code, r.message) for r in RejectReason}
    assert table == {
        RejectReason.JOB_NOT_FOUND: ("job_not_found", 21, "Job not found"),
        RejectReason.STALE: ("stale", 21, "Stale"),
        RejectReason.DUPLICATE: ("duplicate", 22, "Duplicate share"),
        RejectReason.LOW_DIFFICULTY: ("low_difficulty", 23, "Low difficulty share"),
        RejectReason.UNAUTHORIZED: ("unauthorized", 24, "Unauthorized worker"),
        RejectReason.NOT_SUBSCRIBED: ("not_subscribed", 25, "Not subscribed"),
        RejectReason.MALFORMED: ("malformed", 20, "Malformed submit"),
        RejectReason.BAD_EXTRANONCE2: ("bad_extranonce2", 20, "Invalid extranonce2 length"),
        RejectReason.NTIME_OUT_OF_RANGE: ("ntime_out_of_range", 20, "Ntime out of range"),
        RejectReason.BAD_VERSION_BITS: ("bad_version_bits", 20, "Invalid version mask"),
    }
    assert RejectReason("duplicate") is RejectReason.DUPLICATE


# --- parse_submission -------------------------------------------------------------------------


def test_parse_five_and_six_params() -> None:
    sub = _submit(["w.1", "a", "0000ABcd", "647025b5", "0a029ed1"])
    assert sub == Submission("w.1", "a", bytes.fromhex("0000abcd"), A_NTIME, 0x0A029ED1, None)
    assert _submit([*A_SUBMIT, "1fffe000"]).version_bits == 0x1FFFE000


def test_parse_accepts_tuple_params() -> None:
    assert _submit(tuple(A_SUBMIT)) == _submit(A_SUBMIT)  # type: ignore[arg-type]


def test_short_nonce_and_ntime_are_left_padded() -> None:
    # NerdMiner drops leading zeros from the nonce (reference §2.8).
    sub = _submit(["w", "a", "00000000", "5b5", "a049c"])
    assert (sub.ntime, sub.nonce) == (0x5B5, 0xA049C)
    assert _submit([*A_SUBMIT, "2000"]).version_bits == 0x2000


def test_hex_case_and_padding_variants_decode_identically() -> None:
    canonical = _submit(["w", "a", "deadbeef", "647025b5", "0c0ad31e"])
    variant = _submit(["w", "a", "DEADbeef", "647025B5", "C0AD31E"])
    assert variant == canonical


@pytest.mark.parametrize(
    "params",
    [
        ["w", "a", "00000000", "647025b5"],  # 4 params
        [*A_SUBMIT, "00000000", "extra"],  # 7 params
        ["w", "a", "00000000", "647025b5", 0x0A029ED1],  # nonce as a number
        ["w", "a", "00000000", None, "0a029ed1"],
        ["w", 1, "00000000", "647025b5", "0a029ed1"],
        [b"w", "a", "00000000", "647025b5", "0a029ed1"],
        [*A_SUBMIT, None],  # version bits null
        [*A_SUBMIT, 0x2000],
        "w,a,00000000,647025b5,0a029ed1",
        {"worker": "w"},
        None,
        [],
    ],
)
def test_wrong_shape_is_malformed(params: object) -> None:
    assert parse_submission(params, 4) is RejectReason.MALFORMED


@pytest.mark.parametrize(
    ("field", "text"),
    [
        (2, "0000 000"),
        (2, " 0000000"),
        (2, "0x000000"),
        (2, "zz000000"),
        (2, "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667"),  # Arabic-Indic digits
        (2, "\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10"),  # full-width zeros
        (2, ""),
        (3, "647025b5\n"),
        (3, " 647025b5"),
        (3, "0x647025b"),
        (3, "+647025b"),
        (3, "647_025b"),
        (3, "1647025b5"),  # 9 digits
        (3, ""),
        (4, "0a029ed1 "),
        (4, "-1"),
        (4, "\u0661\u0662"),
        (4, "00000000a"),
        (5, "0x2000"),
        (5, ""),
        (5, "000002000"),
    ],
)
def test_bad_hex_is_malformed(field: int, text: str) -> None:
    params: list[object] = [*A_SUBMIT, "00002000"]
    params[field] = text
    assert parse_submission(params, 4) is RejectReason.MALFORMED


@pytest.mark.parametrize("extranonce2", ["000000", "0000000000", "000", "00000000000000000"])
def test_wrong_extranonce2_length_is_its_own_reason(extranonce2: str) -> None:
    params = ["w", "a", extranonce2, "647025b5", "0a029ed1"]
    assert parse_submission(params, 4) is RejectReason.BAD_EXTRANONCE2


@given(st.lists(st.one_of(st.text(max_size=12), st.integers(), st.none()), max_size=8))
def test_parse_never_raises_and_only_accepts_strict_hex(params: list[object]) -> None:
    result = parse_submission(params, 4)
    if isinstance(result, Submission):
        assert len(params) in (5, 6)
        assert all(isinstance(p, str) for p in params)
        assert len(result.extranonce2) == 4
        assert 0 <= result.nonce <= 0xFFFFFFFF and 0 <= result.ntime <= 0xFFFFFFFF


# --- reference vectors through validate_share -------------------------------------------------


def test_reference_8_6_share_is_a_block_with_the_exact_submitblock_hex() -> None:
    _, job, table = _e2e()
    work = _work(E2E_EXTRANONCE1, 1e-9, job.job_id)
    result = validate_share(work, _e2e_submit(job), table, now=E2E_TIME)
    assert result.accepted
    assert result.hash_hex == E2E_HASH
    assert result.share_difficulty == pytest.approx(E2E_SHARE_DIFFICULTY, rel=1e-12)
    assert result.is_block
    assert result.block is not None
    assert result.block.hex() == E2E_BLOCK
    assert BlockHeader.parse(bytes.fromhex(E2E_HEADER)).hash() == result.header_hash
    block = parse_block(result.block)
    assert block.serialize() == result.block
    assert result.job is job
    assert result.difficulty == result.credited == 1e-9


def test_block_is_found_even_when_the_share_is_below_share_difficulty() -> None:
    # Regtest: 1.6e-9 meets the network target but not difficulty 1 (reference §2.4).
    _, job, table = _e2e()
    work = _work(E2E_EXTRANONCE1, 1.0, job.job_id)
    result = validate_share(work, _e2e_submit(job), table, now=E2E_TIME)
    assert result.reason is RejectReason.LOW_DIFFICULTY
    assert result.is_block
    assert result.block is not None and result.block.hex() == E2E_BLOCK
    assert result.credited == 0.0
    again = validate_share(work, _e2e_submit(job), table, now=E2E_TIME)
    assert again.reason is RejectReason.LOW_DIFFICULTY
    assert not again.is_block and again.block is None  # never handed out twice


def test_stale_block_candidate_is_still_assembled() -> None:
    builder, job, table = _e2e()
    table.add(builder.build(e2e_template(prev_hash=bytes(32), height=2), clean=True, now=1))
    work = _work(E2E_EXTRANONCE1, 1e-9, job.job_id)
    result = validate_share(work, _e2e_submit(job), table, now=E2E_TIME)
    assert result.reason is RejectReason.STALE
    assert result.is_block
    assert result.block is not None and result.block.hex() == E2E_BLOCK


def test_reference_8_3_a_thirteen_branch_share() -> None:
    job = job_from_notify(A_NOTIFY, height=A_HEIGHT, witness_commitment=A_COMMITMENT)
    table = _table(job)
    work = _work(A_EXTRANONCE1, 512, "a")
    result = validate_share(work, _submit(A_SUBMIT), table, now=A_NTIME)
    assert result.accepted, result.reason
    assert result.hash_hex == A_HASH
    assert result.share_difficulty == pytest.approx(A_SHARE_DIFFICULTY, rel=1e-12)
    assert int(result.share_difficulty) == 683
    assert not result.is_block and result.block is None
    assert result.credited == 512


def test_reference_8_3_a_is_low_difficulty_at_1024() -> None:
    job = job_from_notify(A_NOTIFY, height=A_HEIGHT, witness_commitment=A_COMMITMENT)
    result = validate_share(
        _work(A_EXTRANONCE1, 1024, "a"), _submit(A_SUBMIT), _table(job), A_NTIME
    )
    assert result.reason is RejectReason.LOW_DIFFICULTY
    assert result.hash_hex == A_HASH


def test_reference_8_3_a_notify_params_round_trip() -> None:
    job = job_from_notify(A_NOTIFY, height=A_HEIGHT, witness_commitment=A_COMMITMENT)
    assert job.notify_params() == A_NOTIFY


def _bitaxe() -> tuple[Job, JobTable]:
    job = job_from_notify(B_NOTIFY, height=B_HEIGHT, witness_commitment=B_COMMITMENT)
    return job, _table(job)


def test_reference_8_4_version_rolled_share_accepted_at_512() -> None:
    _, table = _bitaxe()
    work = _work(B_EXTRANONCE1, 512, "1", mask=VERSION_ROLLING_MASK)
    result = validate_share(work, _submit(B_SUBMIT), table, now=B_NTIME)
    assert result.accepted, result.reason
    assert result.hash_hex == B_HASH
    assert result.share_difficulty == pytest.approx(B_SHARE_DIFFICULTY, rel=1e-12)
    assert not result.is_block


def test_reference_8_4_without_the_rolled_bits_is_low_difficulty() -> None:
    _, table = _bitaxe()
    work = _work(B_EXTRANONCE1, 512, "1", mask=VERSION_ROLLING_MASK)
    result = validate_share(work, _submit(B_SUBMIT[:5]), table, now=B_NTIME)
    assert result.reason is RejectReason.LOW_DIFFICULTY
    assert result.share_difficulty == pytest.approx(5.2e-10, rel=0.05)


def test_reference_8_4_with_a_narrower_negotiated_mask() -> None:
    # The miner asked for 0x00006000 only: 0x2000 is inside the negotiated mask.
    _, table = _bitaxe()
    work = _work(B_EXTRANONCE1, 512, "1", mask=VERSION_ROLLING_MASK & 0x00006000)
    assert validate_share(work, _submit(B_SUBMIT), table, now=B_NTIME).accepted


@pytest.mark.parametrize("bits", ["80000000", "00001000", "20000000", "1fffe001"])
def test_bits_outside_the_mask_are_refused(bits: str) -> None:
    _, table = _bitaxe()
    work = _work(B_EXTRANONCE1, 512, "1", mask=VERSION_ROLLING_MASK)
    result = validate_share(work, _submit([*B_SUBMIT[:5], bits]), table, now=B_NTIME)
    assert result.reason is RejectReason.BAD_VERSION_BITS
    assert result.header_hash == b"" and not result.is_block


def test_version_bits_without_negotiation_are_refused_unless_zero() -> None:
    _, table = _bitaxe()
    work = _work(B_EXTRANONCE1, 1e-10, "1")
    rolled = validate_share(work, _submit(B_SUBMIT), table, now=B_NTIME)
    assert rolled.reason is RejectReason.BAD_VERSION_BITS
    zero = validate_share(work, _submit([*B_SUBMIT[:5], "00000000"]), table, now=B_NTIME)
    assert zero.accepted


# --- job lookup and staleness -----------------------------------------------------------------


def test_unknown_job_is_job_not_found() -> None:
    _, job, table = _e2e()
    work = _work(E2E_EXTRANONCE1, 1e-9, job.job_id, "ff")
    sub = _submit(["w", "ff", "00000000", "6553f100", "00000000"])
    result = validate_share(work, sub, table, now=E2E_TIME)
    assert result == ShareResult.rejected(RejectReason.JOB_NOT_FOUND)


def test_job_never_sent_to_this_connection_is_job_not_found() -> None:
    _, job, table = _e2e()
    work = _work(E2E_EXTRANONCE1, 1e-9)
    assert validate_share(work, _e2e_submit(job), table, E2E_TIME).reason is (
        RejectReason.JOB_NOT_FOUND
    )


def test_pruned_job_is_job_not_found_and_stale_job_is_stale() -> None:
    builder, job, table = _e2e()
    work = _work(E2E_EXTRANONCE1, 1e-9, job.job_id)
    newer = builder.build(e2e_template(prev_hash=bytes(32), height=2), clean=True, now=E2E_TIME)
    table.add(newer)
    assert validate_share(work, _e2e_submit(job), table, E2E_TIME).reason is RejectReason.STALE
    table.prune(now=E2E_TIME + 601)
    assert validate_share(work, _e2e_submit(job), table, E2E_TIME).reason is (
        RejectReason.JOB_NOT_FOUND
    )


# --- ntime window -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "now_offset", "reason"),
    [
        (-1, 0, RejectReason.NTIME_OUT_OF_RANGE),  # before the job's ntime
        (0, 0, None),
        (7000, 0, None),  # the roll limit, inclusive
        (7001, 0, RejectReason.NTIME_OUT_OF_RANGE),
        (3000, -4200, None),  # now + 7200 exactly
        (3001, -4200, RejectReason.NTIME_OUT_OF_RANGE),  # beyond the node's future limit
    ],
)
def test_ntime_window(offset: int, now_offset: int, reason: RejectReason | None) -> None:
    _, job, table = _e2e()
    work = _work(E2E_EXTRANONCE1, 1e-10, job.job_id)
    sub = _e2e_submit(job, ntime=f"{E2E_TIME + offset:08x}")
    assert validate_share(work, sub, table, now=E2E_TIME + now_offset).reason is reason


def test_ntime_below_mintime_is_out_of_range() -> None:
    # A source whose curtime lags mintime: the job's own ntime is then not enough.
    template = e2e_template(mintime=E2E_TIME + 10)
    job = Job("j", template, b"\x02" * 5, b"\x00" * 4, (), 0x20000000, E2E_TIME, True, 0.0)
    work = _work(E2E_EXTRANONCE1, 1e-10, "j")
    table = _table(job)
    low = Submission("w", "j", bytes(4), E2E_TIME + 9, 0, None)
    assert validate_share(work, low, table, E2E_TIME).reason is RejectReason.NTIME_OUT_OF_RANGE
    ok = Submission("w", "j", bytes(4), E2E_TIME + 10, 0, None)
    assert validate_share(work, ok, table, E2E_TIME).accepted


# --- field checks on hand-built submissions ----------------------------------------------------


def test_extranonce2_of_the_wrong_length_is_refused_before_hashing() -> None:
    _, job, table = _e2e()
    work = _work(E2E_EXTRANONCE1, 1e-10, job.job_id)
    sub = Submission("w", job.job_id, bytes(5), E2E_TIME, 0, None)
    result = validate_share(work, sub, table, E2E_TIME)
    assert result.reason is RejectReason.BAD_EXTRANONCE2
    assert not result.is_block


def test_out_of_range_nonce_in_a_hand_built_submission_is_malformed() -> None:
    _, job, table = _e2e()
    work = _work(E2E_EXTRANONCE1, 1e-10, job.job_id)
    sub = Submission("w", job.job_id, bytes(4), E2E_TIME, 1 << 32, None)
    assert validate_share(work, sub, table, E2E_TIME).reason is RejectReason.MALFORMED


# --- duplicates -------------------------------------------------------------------------------


def test_case_variant_of_an_accepted_share_is_a_duplicate() -> None:
    job = job_from_notify(A_NOTIFY, height=A_HEIGHT, witness_commitment=A_COMMITMENT)
    table = _table(job)
    work = _work(A_EXTRANONCE1, 1e-10, "a")
    first = validate_share(
        work, _submit(["w", "a", "00000000", "647025b5", "c0ad31ee"]), table, A_NTIME
    )
    assert first.accepted
    for spelling in (
        ["w", "a", "00000000", "647025B5", "C0AD31EE"],
        ["x", "a", "00000000", "647025b5", "c0AD31eE"],
    ):
        again = validate_share(work, _submit(spelling), table, A_NTIME)
        assert again.reason is RejectReason.DUPLICATE
        assert again.header_hash == first.header_hash


def test_duplicate_block_candidate_is_not_a_block_again() -> None:
    _, job, table = _e2e()
    work = _work(E2E_EXTRANONCE1, 1e-9, job.job_id)
    first = validate_share(work, _e2e_submit(job), table, E2E_TIME)
    assert first.accepted and first.is_block
    again = validate_share(work, _e2e_submit(job), table, E2E_TIME)
    assert again.reason is RejectReason.DUPLICATE
    assert not again.is_block and again.block is None


def test_replay_under_a_reissued_job_is_a_duplicate() -> None:
    # After a difficulty change the same template goes out under a new id (reference §2.6),
    # and a template refresh 30 s later repeats the coinbase: a share whose rolled ntime
    # matches must not be credited under both ids.
    builder, job, table = _e2e()
    refresh = builder.build(e2e_template(curtime=E2E_TIME + 30), clean=False, now=E2E_TIME + 30)
    table.add(refresh)
    work = _work(E2E_EXTRANONCE1, 1e-10, job.job_id, refresh.job_id)
    rolled = f"{E2E_TIME + 30:08x}"
    assert validate_share(work, _e2e_submit(job, ntime=rolled), table, E2E_TIME + 30).accepted
    replay = validate_share(work, _e2e_submit(refresh, ntime=rolled), table, E2E_TIME + 30)
    assert replay.reason is RejectReason.DUPLICATE
    assert not replay.is_block


def test_low_difficulty_share_is_not_remembered() -> None:
    job = job_from_notify(A_NOTIFY, height=A_HEIGHT, witness_commitment=A_COMMITMENT)
    table = _table(job)
    work = _work(A_EXTRANONCE1, 1024, "a")
    assert validate_share(work, _submit(A_SUBMIT), table, A_NTIME).reason is (
        RejectReason.LOW_DIFFICULTY
    )
    work.difficulty = 512
    work.note_job("a")
    assert validate_share(work, _submit(A_SUBMIT), table, A_NTIME).accepted


# --- difficulty grace -------------------------------------------------------------------------


def test_share_on_a_job_issued_before_a_rise_is_judged_at_the_old_difficulty() -> None:
    job = job_from_notify(A_NOTIFY, height=A_HEIGHT, witness_commitment=A_COMMITMENT)
    table = _table(job)
    work = _work(A_EXTRANONCE1, 512, "a")
    work.difficulty = 1024  # vardiff raised it; job "a" went out at 512
    result = validate_share(work, _submit(A_SUBMIT), table, A_NTIME)
    assert result.accepted
    assert result.credited == 512


def test_after_a_drop_the_lower_current_difficulty_is_credited() -> None:
    job = job_from_notify(A_NOTIFY, height=A_HEIGHT, witness_commitment=A_COMMITMENT)
    table = _table(job)
    work = _work(A_EXTRANONCE1, 1024, "a")
    work.difficulty = 512
    result = validate_share(work, _submit(A_SUBMIT), table, A_NTIME)
    assert result.accepted
    assert result.credited == 512  # never more than the lower of the two


def test_a_job_issued_after_the_rise_gets_no_grace() -> None:
    old = job_from_notify(A_NOTIFY, height=A_HEIGHT, witness_commitment=A_COMMITMENT)
    new = job_from_notify(["b", *A_NOTIFY[1:]], height=A_HEIGHT, witness_commitment=A_COMMITMENT)
    table = _table(old, new)
    work = _work(A_EXTRANONCE1, 512, "a")
    work.difficulty = 1024
    work.note_job("b")
    sub_b = _submit(["w", "b", *A_SUBMIT[2:]])
    assert validate_share(work, sub_b, table, A_NTIME).reason is RejectReason.LOW_DIFFICULTY
    assert validate_share(work, _submit(A_SUBMIT), table, A_NTIME).credited == 512


def test_note_job_keeps_a_bounded_map() -> None:
    work = MinerWork(extranonce1=b"\x00" * 4, extranonce2_size=4)
    for i in range(MAX_TRACKED_JOBS + 10):
        work.note_job(f"{i:x}")
    assert len(work.job_difficulty) == MAX_TRACKED_JOBS
    assert "0" not in work.job_difficulty
    assert f"{MAX_TRACKED_JOBS + 9:x}" in work.job_difficulty


def test_rejected_result_shape() -> None:
    result = ShareResult.rejected(RejectReason.STALE)
    assert not result.accepted
    assert result.credited == 0.0
    assert result.header_hash == b"" and result.block is None and result.job is None
    assert not result.is_block


def test_fast_builders_make_the_same_frozen_objects() -> None:
    sub_values = ("w.1", "a", b"\x00\x01", 5, 6, 0x2000)
    assert [f.name for f in dataclasses.fields(Submission)] == list(Submission.__slots__)
    assert _submission(*sub_values) == Submission(*sub_values)
    job = _e2e()[1]
    result_values = (RejectReason.STALE, 2.0, 3.5, b"\xaa" * 32, True, b"block", job)
    assert [f.name for f in dataclasses.fields(ShareResult)] == list(ShareResult.__slots__)
    built = _share_result(*result_values)
    assert built == ShareResult(*result_values)
    assert [getattr(built, f.name) for f in dataclasses.fields(ShareResult)] == list(result_values)
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.difficulty = 9.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        _submission(*sub_values).nonce = 1  # type: ignore[misc]


_REFERENCE_HEX = re.compile(r"[0-9a-fA-F]+", re.ASCII)
_REFERENCE_U32 = re.compile(r"[0-9a-fA-F]{1,8}", re.ASCII)


def _reference_parse(params: object, size: int) -> Submission | RejectReason:
    # The rules of parse_submission written out plainly, one check after another.
    if not isinstance(params, list | tuple) or len(params) not in (5, 6):
        return RejectReason.MALFORMED
    if not all(type(p) is str for p in params):
        return RejectReason.MALFORMED
    worker, job_id, extranonce2, ntime, nonce = params[:5]
    if not _REFERENCE_HEX.fullmatch(extranonce2):
        return RejectReason.MALFORMED
    if len(extranonce2) != 2 * size:
        return RejectReason.BAD_EXTRANONCE2
    if not _REFERENCE_U32.fullmatch(ntime) or not _REFERENCE_U32.fullmatch(nonce):
        return RejectReason.MALFORMED
    version = params[5] if len(params) == 6 else None
    if version is not None and not _REFERENCE_U32.fullmatch(version):
        return RejectReason.MALFORMED
    return Submission(
        worker,
        job_id,
        bytes.fromhex(extranonce2),
        int(ntime, 16),
        int(nonce, 16),
        None if version is None else int(version, 16),
    )


@pytest.mark.parametrize("size", [-1, 0, 1])
@pytest.mark.parametrize("extranonce2", ["", "ab", "a{-2}", "0"])
def test_parse_at_degenerate_sizes_matches_the_reference(size: int, extranonce2: str) -> None:
    params = ["w", "j", extranonce2, "1", "2"]
    assert parse_submission(params, size) == _reference_parse(params, size)


_HEXISH = st.text(
    st.sampled_from("0123456789abcdefABCDEF") | st.sampled_from(" \n\t+-_xXgz\u0660\uff10"),
    max_size=18,
)
_FIELD = st.one_of(
    _HEXISH, _HEXISH, _HEXISH, st.integers(), st.none(), st.binary(max_size=4), st.just(True)
)


@settings(max_examples=1000)
@given(
    fields=st.lists(_FIELD, max_size=8),
    as_tuple=st.booleans(),
    size=st.integers(min_value=-1, max_value=8),
)
def test_parse_matches_the_plain_reference(fields: list[object], as_tuple: bool, size: int) -> None:
    params = tuple(fields) if as_tuple else fields
    assert parse_submission(params, size) == _reference_parse(params, size)


@settings(max_examples=300)
@given(
    extranonce2=st.binary(min_size=1, max_size=8),
    size=st.integers(min_value=1, max_value=8),
    ntime=st.integers(min_value=0, max_value=0xFFFFFFFF),
    nonce=st.integers(min_value=0, max_value=0xFFFFFFFF),
    version=st.one_of(st.none(), st.integers(min_value=0, max_value=0xFFFFFFFF)),
)
def test_well_formed_submits_parse_like_the_reference(
    extranonce2: bytes, size: int, ntime: int, nonce: int, version: int | None
) -> None:
    params: list[object] = ["w", "j", extranonce2.hex(), f"{ntime:x}", f"{nonce:08X}"]
    if version is not None:
        params.append(f"{version:08x}")
    expected = _reference_parse(params, size)
    assert parse_submission(params, size) == expected
    assert isinstance(expected, Submission) == (len(extranonce2) == size)


# --- properties -------------------------------------------------------------------------------


def _spell(text: str, upper: list[bool], strip: bool) -> str:
    cased = (
        "".join(c.upper() if u else c for c, u in zip(text, upper, strict=False))
        + text[len(upper) :]
    )
    return (cased.lstrip("0") or "0") if strip else cased


submissions = st.fixed_dictionaries(
    {
        "extranonce2": st.binary(min_size=4, max_size=4),
        "ntime": st.integers(min_value=0, max_value=7000),
        "nonce": st.integers(min_value=0, max_value=0xFFFFFFFF),
        "bits": st.integers(min_value=0, max_value=0xFFFF).map(lambda b: b << 13),
    }
)


@settings(max_examples=200, deadline=None)
@given(
    first=submissions,
    second=st.one_of(submissions, st.none()),
    upper=st.lists(st.booleans(), max_size=8),
    strip=st.booleans(),
    reissue=st.booleans(),
)
def test_same_header_hash_twice_is_always_a_duplicate(
    first: dict[str, int | bytes],
    second: dict[str, int | bytes] | None,
    upper: list[bool],
    strip: bool,
    reissue: bool,
) -> None:
    """Whatever the spelling or job id, a second accepted header is a duplicate, never a block."""
    builder, job, table = _e2e()
    other = builder.build(e2e_template(), clean=False, now=E2E_TIME) if reissue else job
    if reissue:
        table.add(other)
    work = _work(E2E_EXTRANONCE1, 1e-10, job.job_id, other.job_id, mask=VERSION_ROLLING_MASK)

    def params(fields: dict[str, int | bytes], job_id: str, spelled: bool) -> list[object]:
        texts = [
            fields["extranonce2"].hex(),  # type: ignore[union-attr]
            f"{E2E_TIME + fields['ntime']:08x}",  # type: ignore[operator]
            f"{fields['nonce']:08x}",
            f"{fields['bits']:08x}",
        ]
        if spelled:
            texts = [texts[0].upper() if upper and upper[0] else texts[0]] + [
                _spell(t, upper, strip) for t in texts[1:]
            ]
        return ["w", job_id, *texts]

    def meets_network(result: ShareResult) -> bool:
        return int.from_bytes(result.header_hash, "little") <= job.network_target

    one = validate_share(work, _submit(params(first, job.job_id, False)), table, E2E_TIME)
    assert one.accepted
    assert one.is_block == meets_network(one)
    two_fields = first if second is None else second
    two = validate_share(work, _submit(params(two_fields, other.job_id, True)), table, E2E_TIME)
    if two.header_hash == one.header_hash:
        assert two.reason is RejectReason.DUPLICATE
        assert not two.is_block and two.block is None
    else:
        assert two.accepted
        assert two.is_block == meets_network(two)
