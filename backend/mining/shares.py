"""mining.submit: strict parsing, and share validation in one fixed order (reference §2)."""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache

from backend.bitcoin.hashes import sha256d
from backend.bitcoin.merkle import fold_branch
from backend.bitcoin.target import DIFF1, difficulty_to_target
from backend.mining.blocks import assemble_block
from backend.mining.coinbase import coinbase_with_witness
from backend.mining.jobs import Job, JobTable

NTIME_ROLL_LIMIT = 7000
"""Seconds a share's ntime may run ahead of its job's ntime (ckpool; reference §2.7)."""

MAX_FUTURE_BLOCK_TIME = 7200
"""Seconds a block's time may run ahead of the node's clock (consensus; security §1.3)."""

MAX_TRACKED_JOBS = 64
"""Jobs whose issue-time difficulty ``MinerWork.note_job`` remembers per connection; four times
the JobTable's 16, so a job still in the table is never forgotten here first."""


class RejectReason(Enum):
    """Why a share was refused. ``.value`` is the name used in logs, metrics and the API;
    ``.code`` and ``.message`` are the Stratum error (reference §2.9)."""

    code: int
    message: str

    JOB_NOT_FOUND = ("job_not_found", 21, "Job not found")
    STALE = ("stale", 21, "Stale")
    DUPLICATE = ("duplicate", 22, "Duplicate share")
    LOW_DIFFICULTY = ("low_difficulty", 23, "Low difficulty share")
    UNAUTHORIZED = ("unauthorized", 24, "Unauthorized worker")
    NOT_SUBSCRIBED = ("not_subscribed", 25, "Not subscribed")
    MALFORMED = ("malformed", 20, "Malformed submit")
    BAD_EXTRANONCE2 = ("bad_extranonce2", 20, "Invalid extranonce2 length")
    NTIME_OUT_OF_RANGE = ("ntime_out_of_range", 20, "Ntime out of range")
    BAD_VERSION_BITS = ("bad_version_bits", 20, "Invalid version mask")

    def __new__(cls, value: str, code: int, message: str) -> RejectReason:
        member = object.__new__(cls)
        member._value_ = value
        member.code = code
        member.message = message
        return member


@dataclass(frozen=True, slots=True)
class Submission:
    """A parsed mining.submit. Hex fields are decoded, so spelling variants are gone."""

    worker: str
    job_id: str
    extranonce2: bytes
    ntime: int
    nonce: int
    version_bits: int | None


# [0-9a-fA-F] is ASCII by construction; re.ASCII also keeps \d-style surprises out. fullmatch
# (not $) so a trailing newline does not pass, and the regex runs before bytes.fromhex/int,
# which both tolerate whitespace (reference §2.2 step 1).
_HEX = re.compile(r"[0-9a-fA-F]+", re.ASCII)
_U32_HEX = re.compile(r"[0-9a-fA-F]{1,8}", re.ASCII).fullmatch


@lru_cache(maxsize=8)
def _extranonce2_hex(size: int) -> Callable[[str], re.Match[str] | None]:
    # Exactly 2 * size hex digits in one fullmatch; connections share one or two sizes. Below
    # size 1 (no real connection has one) nothing matches, as in the rule (at least one digit);
    # "{-2}" would not even be a quantifier but literal text.
    digits = 2 * size if size >= 1 else 0
    return re.compile(rf"[0-9a-fA-F]{{{digits}}}" if digits else "(?!)", re.ASCII).fullmatch


def parse_submission(params: object, extranonce2_size: int) -> Submission | RejectReason:
    """Parse mining.submit params strictly (reference §1.3, §2.2, §2.8).

    5 or 6 strings: worker, job id, extranonce2 (hex, exactly ``2 * extranonce2_size``
    digits), ntime and nonce (1-8 hex digits, left-padded), and version bits (1-8 hex digits).
    Anything else is MALFORMED; hex of the wrong extranonce2 length is BAD_EXTRANONCE2.
    """
    if type(params) is not list and not isinstance(params, list | tuple):
        return RejectReason.MALFORMED
    count = len(params)
    if count == 5:
        worker, job_id, extranonce2, ntime, nonce = params
        version_text = ""
    elif count == 6:
        worker, job_id, extranonce2, ntime, nonce, version_text = params
        if type(version_text) is not str:
            return RejectReason.MALFORMED
    else:
        return RejectReason.MALFORMED
    if (
        type(worker) is not str
        or type(job_id) is not str
        or type(extranonce2) is not str
        or type(ntime) is not str
        or type(nonce) is not str
    ):
        return RejectReason.MALFORMED
    if _extranonce2_hex(extranonce2_size)(extranonce2) is None:
        if _HEX.fullmatch(extranonce2) is None:
            return RejectReason.MALFORMED
        return RejectReason.BAD_EXTRANONCE2
    if _U32_HEX(ntime) is None or _U32_HEX(nonce) is None:
        return RejectReason.MALFORMED
    version_bits = None
    if count == 6:
        if _U32_HEX(version_text) is None:
            return RejectReason.MALFORMED
        version_bits = int(version_text, 16)
    return _submission(
        worker, job_id, bytes.fromhex(extranonce2), int(ntime, 16), int(nonce, 16), version_bits
    )


@dataclass(slots=True)
class MinerWork:
    """Per-connection state the validator needs.

    ``version_mask`` is the negotiated BIP 310 mask (0 = not negotiated). ``difficulty`` is the
    current difficulty; ``job_difficulty`` maps each job id sent to this connection to the
    difficulty in force when it was sent (reference §2.6). A job missing from it was never sent
    here and is answered "job not found".
    """

    extranonce1: bytes
    extranonce2_size: int
    version_mask: int = 0
    difficulty: float = 1.0
    job_difficulty: dict[str, float] = field(default_factory=dict)

    def note_job(self, job_id: str) -> None:
        """Record that ``job_id`` is being sent now, at the current difficulty.

        Keeps the newest ``MAX_TRACKED_JOBS`` entries so a long session does not grow the map.
        """
        self.job_difficulty.pop(job_id, None)
        self.job_difficulty[job_id] = self.difficulty
        while len(self.job_difficulty) > MAX_TRACKED_JOBS:
            del self.job_difficulty[next(iter(self.job_difficulty))]


@dataclass(frozen=True, slots=True)
class ShareResult:
    """The verdict on one share.

    ``difficulty`` is what the share was judged at, min(difficulty at issue, current); it is
    credited only when ``accepted`` (see ``credited``). ``share_difficulty`` is the hash's own.
    ``is_block`` is True at most once per header, with ``block`` the serialized block for
    submitblock, whatever the verdict (stale and low-difficulty block candidates included).
    Fields that need a hash are zero/empty when validation stopped before hashing.
    """

    reason: RejectReason | None
    difficulty: float
    share_difficulty: float
    header_hash: bytes
    is_block: bool
    block: bytes | None
    job: Job | None

    @property
    def accepted(self) -> bool:
        """True when the share is valid and credited."""
        return self.reason is None

    @property
    def credited(self) -> float:
        """The difficulty to credit: ``difficulty`` when accepted, else 0."""
        return self.difficulty if self.reason is None else 0.0

    @property
    def hash_hex(self) -> str:
        """The header hash in display order (empty when none was computed)."""
        return self.header_hash[::-1].hex()

    @classmethod
    def rejected(cls, reason: RejectReason, job: Job | None = None) -> ShareResult:
        """A rejection decided before any hashing."""
        return cls(reason, 0.0, 0.0, b"", False, None, job)


# The generated __init__ of a frozen dataclass stores each field through object.__setattr__,
# which costs more than the rest of building a Submission or an accepted ShareResult. These
# build the same objects (neither class has __post_init__ or defaults to apply) by writing the
# slots directly, for the two that are made once per share. Field order is checked by a test.
_new = object.__new__
_SUBMISSION_SLOTS = tuple(getattr(Submission, name).__set__ for name in Submission.__slots__)
_RESULT_SLOTS = tuple(getattr(ShareResult, name).__set__ for name in ShareResult.__slots__)


def _submission(
    worker: str,
    job_id: str,
    extranonce2: bytes,
    ntime: int,
    nonce: int,
    version_bits: int | None,
    _slots: tuple[Callable[[object, object], None], ...] = _SUBMISSION_SLOTS,
) -> Submission:
    sub = _new(Submission)
    set_worker, set_job_id, set_extranonce2, set_ntime, set_nonce, set_version_bits = _slots
    set_worker(sub, worker)
    set_job_id(sub, job_id)
    set_extranonce2(sub, extranonce2)
    set_ntime(sub, ntime)
    set_nonce(sub, nonce)
    set_version_bits(sub, version_bits)
    return sub


def _share_result(
    reason: RejectReason | None,
    difficulty: float,
    share_difficulty: float,
    header_hash: bytes,
    is_block: bool,
    block: bytes | None,
    job: Job | None,
    _slots: tuple[Callable[[object, object], None], ...] = _RESULT_SLOTS,
) -> ShareResult:
    result = _new(ShareResult)
    set_reason, set_difficulty, set_share, set_hash, set_is_block, set_block, set_job = _slots
    set_reason(result, reason)
    set_difficulty(result, difficulty)
    set_share(result, share_difficulty)
    set_hash(result, header_hash)
    set_is_block(result, is_block)
    set_block(result, block)
    set_job(result, job)
    return result


_HEADER = struct.Struct("<I32s32sIII")


@lru_cache(maxsize=1024)
def _share_target(difficulty: float) -> int:
    # difficulty_to_target is exact (Fraction) and slow; connections share few distinct values.
    return difficulty_to_target(difficulty)


def validate_share(
    work: MinerWork,
    sub: Submission,
    jobs: JobTable,
    now: float,
    *,
    ntime_roll_limit: int = NTIME_ROLL_LIMIT,
    max_future_time: int = MAX_FUTURE_BLOCK_TIME,
) -> ShareResult:
    """Judge one share (reference §2.2, in the contract's order).

    job lookup → version bits within the negotiated mask → rebuild coinbase, merkle root,
    header, hash → block check (independent of everything after it) → stale → ntime window
    ``max(job.ntime, mintime) <= ntime <= min(job.ntime + 7000, now + 7200)`` → duplicate (header
    hash) → share target (integer compare) → remember → accepted.

    A miner that negotiated version rolling but sends five params is judged with no rolled
    bits. ValueError when ``work`` holds a difficulty that is not a positive finite number (a
    caller bug: ``Vardiff`` and ``clamp_difficulty`` never produce one).
    """
    job = jobs.get(sub.job_id)
    issued = work.job_difficulty.get(sub.job_id)
    if job is None or issued is None:
        return ShareResult.rejected(RejectReason.JOB_NOT_FOUND)
    mask = work.version_mask
    bits = sub.version_bits or 0
    # With no negotiation the mask is 0, so any non-zero bits land here (security §1.8).
    if bits & ~mask:
        return ShareResult.rejected(RejectReason.BAD_VERSION_BITS, job)
    if len(sub.extranonce2) != work.extranonce2_size:
        return ShareResult.rejected(RejectReason.BAD_EXTRANONCE2, job)

    template = job.template
    coinbase = b"".join((job.coinb1, work.extranonce1, sub.extranonce2, job.coinb2))
    root = fold_branch(sha256d(coinbase), job.branch)
    try:
        header = _HEADER.pack(
            (job.version & ~mask) | bits,
            template.prev_hash,
            root,
            sub.ntime,
            template.bits,
            sub.nonce,
        )
    except struct.error:
        # Only a hand-built Submission can get here; parse_submission bounds both to 32 bits.
        return ShareResult.rejected(RejectReason.MALFORMED, job)
    header_hash = sha256d(header)
    value = int.from_bytes(header_hash, "little")
    share_difficulty = DIFF1 / value if value else math.inf
    difficulty = min(issued, work.difficulty)

    is_block = value <= job.network_target and jobs.claim_block(job.job_id, header_hash)
    block = None
    if is_block:
        if job.segwit:
            coinbase = coinbase_with_witness(
                job.coinb1, work.extranonce1 + sub.extranonce2, job.coinb2
            )
        block = assemble_block(job, header, coinbase)

    ntime = sub.ntime
    reason: RejectReason | None = None
    if jobs.is_stale(job):
        reason = RejectReason.STALE
    elif (
        ntime < job.ntime
        or ntime < template.mintime
        or ntime > job.ntime + ntime_roll_limit
        or ntime > now + max_future_time
    ):
        reason = RejectReason.NTIME_OUT_OF_RANGE
    elif jobs.seen(job.job_id, header_hash):
        reason = RejectReason.DUPLICATE
        # claim_block already refused a repeat block candidate; be explicit all the same.
        is_block, block = False, None
    elif value > _share_target(difficulty):
        reason = RejectReason.LOW_DIFFICULTY
    else:
        jobs.remember(job.job_id, header_hash)
    return _share_result(reason, difficulty, share_difficulty, header_hash, is_block, block, job)
