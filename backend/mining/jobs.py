"""Jobs (one mining.notify each), the builder that makes them, and the table of live jobs."""

from __future__ import annotations

from dataclasses import dataclass, field

from backend.bitcoin.merkle import stratum_branch
from backend.mining.coinbase import build_coinbase_parts
from backend.mining.template import BlockTemplate

VERSION_ROLLING_MASK = 0x1FFFE000
"""BIP 320's general-purpose bits 13-28, the mask every reference pool offers (reference §1.3)."""

DEFAULT_MAX_JOBS = 16
"""Jobs a JobTable keeps, stale ones included (reference §2.6: ckpool keeps at least 3)."""

DEFAULT_MAX_AGE = 600.0
"""Seconds a job stays answerable (ckpool keeps workbases 10 minutes, reference §2.6)."""

_U32_MAX = 0xFFFFFFFF


def _word_swapped(prev_hash: bytes) -> str:
    """The notify form of a prevhash: internal order with each 4-byte word reversed (§1.3)."""
    return b"".join(prev_hash[i : i + 4][::-1] for i in range(0, 32, 4)).hex()


@dataclass(frozen=True, slots=True)
class Job:
    """One unit of work as sent in mining.notify.

    ``version`` is the template version with the rolling mask cleared (reference §2.8), so XOR,
    OR and BIP 310 rolling all give the same header. ``ntime`` is the job's base time.
    Whatever validation needs that does not depend on a submission is derived once here.
    """

    job_id: str
    template: BlockTemplate
    coinb1: bytes
    coinb2: bytes
    branch: tuple[bytes, ...]
    version: int
    ntime: int
    clean: bool
    created_at: float
    network_target: int = field(init=False, repr=False, compare=False)
    """The network target from the template's bits: a hash at or below it is a block."""
    segwit: bool = field(init=False, repr=False, compare=False)
    """True when the coinbase carries a witness commitment, so the block needs its witness form."""
    work_key: tuple[object, ...] = field(init=False, repr=False, compare=False)
    """Everything but the submission that goes into the header: equal keys, equal submissions,
    equal header hashes (so jobs with equal keys share one duplicate filter)."""
    _notify: tuple[object, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        branch = tuple(self.branch)
        if not self.job_id:
            raise ValueError("job id is empty")
        if len(self.template.prev_hash) != 32:
            raise ValueError("prev_hash must be 32 bytes")
        if any(len(b) != 32 for b in branch):
            raise ValueError("every merkle branch entry must be 32 bytes")
        for name, value in (("version", self.version), ("ntime", self.ntime)):
            if not 0 <= value <= _U32_MAX:
                raise ValueError(f"{name} must fit in 32 bits")
        template = self.template
        init = object.__setattr__
        init(self, "branch", branch)
        init(self, "network_target", template.target)
        init(
            self,
            "segwit",
            template.witness_commitment is not None
            or any(tx.has_witness for tx in template.transactions),
        )
        init(
            self,
            "work_key",
            (template.prev_hash, template.bits, self.version, self.coinb1, self.coinb2, branch),
        )
        init(
            self,
            "_notify",
            (
                _word_swapped(template.prev_hash),
                self.coinb1.hex(),
                self.coinb2.hex(),
                tuple(b.hex() for b in branch),
                f"{self.version:08x}",
                f"{template.bits:08x}",
                f"{self.ntime:08x}",
            ),
        )

    def notify_params(self) -> list[object]:
        """The 9 mining.notify params (reference §1.3), as a fresh list."""
        prevhash, coinb1, coinb2, branch, version, nbits, ntime = self._notify
        return [
            self.job_id,
            prevhash,
            coinb1,
            coinb2,
            list(branch),
            version,
            nbits,
            ntime,
            self.clean,
        ]


class JobBuilder:
    """Turns templates into jobs for one payout script and one extranonce layout.

    Job ids come from a counter, as lower-case hex, and are never reused by this builder.
    The coinbase and branch of the last template are kept, so re-issuing work on the same
    template (after a difficulty change) costs nothing.
    """

    def __init__(
        self,
        payout_script: bytes,
        pool_tag: bytes,
        extranonce1_size: int = 4,
        extranonce2_size: int = 4,
    ) -> None:
        if extranonce1_size < 0 or extranonce2_size < 1:
            raise ValueError("extranonce1 size must be >= 0 and extranonce2 size >= 1")
        self._payout_script = payout_script
        self._pool_tag = pool_tag
        self._extranonce1_size = extranonce1_size
        self._extranonce2_size = extranonce2_size
        self._next_id = 1
        self._last: tuple[BlockTemplate, bytes, bytes, tuple[bytes, ...]] | None = None

    @property
    def extranonce1_size(self) -> int:
        """Bytes of extranonce1 the coinbase slot holds."""
        return self._extranonce1_size

    @property
    def extranonce2_size(self) -> int:
        """Bytes of extranonce2 miners must send."""
        return self._extranonce2_size

    def build(self, template: BlockTemplate, clean: bool, now: float) -> Job:
        """Make a new job from ``template`` (new id, created at ``now``)."""
        if self._last is not None and self._last[0] is template:
            _, coinb1, coinb2, branch = self._last
        else:
            coinb1, coinb2 = build_coinbase_parts(
                template,
                self._payout_script,
                self._pool_tag,
                self._extranonce1_size + self._extranonce2_size,
            )
            branch = tuple(stratum_branch([tx.txid for tx in template.transactions]))
            self._last = (template, coinb1, coinb2, branch)
        job_id = f"{self._next_id:x}"
        self._next_id += 1
        return Job(
            job_id=job_id,
            template=template,
            coinb1=coinb1,
            coinb2=coinb2,
            branch=branch,
            version=template.version & ~VERSION_ROLLING_MASK & _U32_MAX,
            # curtime is at least mintime from Core; the max guards other sources.
            ntime=max(template.curtime, template.mintime),
            clean=clean,
            created_at=now,
        )


class _WorkFilter:
    """Header hashes already answered for one piece of work, shared by jobs with equal work."""

    __slots__ = ("blocks", "seen")

    def __init__(self) -> None:
        self.seen: set[bytes] = set()
        self.blocks: set[bytes] = set()


class _Entry:
    __slots__ = ("epoch", "filter", "job")

    def __init__(self, job: Job, epoch: int, work_filter: _WorkFilter) -> None:
        self.job = job
        self.epoch = epoch
        self.filter = work_filter


class JobTable:
    """The jobs miners may still submit against, the current tip, and duplicate filters.

    A job whose prev_hash differs from the tip starts a new epoch; earlier jobs then only
    answer "stale". Jobs leave by count (``max_jobs``, oldest first) or age (``prune``); the
    current job is never pruned. Duplicate filters are keyed on the header hash and belong to
    the work, not the job id: jobs with identical work (same template and coinbase re-issued
    under a new id) share one filter, so a share cannot be replayed under the other id. A
    filter lives as long as some job using it is in the table.
    """

    def __init__(self, max_jobs: int = DEFAULT_MAX_JOBS, max_age: float = DEFAULT_MAX_AGE) -> None:
        if max_jobs < 1:
            raise ValueError("max_jobs must be at least 1")
        if not max_age > 0:
            raise ValueError("max_age must be positive")
        self._max_jobs = max_jobs
        self._max_age = max_age
        self._entries: dict[str, _Entry] = {}
        self._epoch = 0
        self._tip: bytes | None = None
        self._current: Job | None = None

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def current(self) -> Job | None:
        """The most recently added job, or None before the first."""
        return self._current

    @property
    def tip(self) -> bytes | None:
        """The prev_hash (internal order) current jobs build on."""
        return self._tip

    @property
    def epoch(self) -> int:
        """Counts tip changes; jobs from an earlier epoch are stale."""
        return self._epoch

    def add(self, job: Job) -> None:
        """Make ``job`` the current job (a new prev_hash starts a new epoch)."""
        if job.job_id in self._entries:
            raise ValueError(f"job id {job.job_id!r} is already in the table")
        if job.template.prev_hash != self._tip:
            self._epoch += 1
            self._tip = job.template.prev_hash
        work_filter = next(
            (e.filter for e in self._entries.values() if e.job.work_key == job.work_key),
            None,
        )
        self._entries[job.job_id] = _Entry(job, self._epoch, work_filter or _WorkFilter())
        self._current = job
        while len(self._entries) > self._max_jobs:
            del self._entries[next(iter(self._entries))]

    def get(self, job_id: str) -> Job | None:
        """The job with this id, stale or not, or None if unknown or pruned."""
        entry = self._entries.get(job_id)
        return entry.job if entry is not None else None

    def is_stale(self, job: Job) -> bool:
        """True when ``job`` is not in the table or was issued before the last tip change."""
        entry = self._entries.get(job.job_id)
        return entry is None or entry.epoch != self._epoch

    def prune(self, now: float) -> None:
        """Drop jobs created more than ``max_age`` seconds before ``now`` (not the current one)."""
        cutoff = now - self._max_age
        for job_id in [
            job_id
            for job_id, entry in self._entries.items()
            if entry.job.created_at < cutoff and entry.job is not self._current
        ]:
            del self._entries[job_id]

    def seen(self, job_id: str, header_hash: bytes) -> bool:
        """True when this header hash was already accepted for this job's work."""
        entry = self._entries.get(job_id)
        return entry is not None and header_hash in entry.filter.seen

    def remember(self, job_id: str, header_hash: bytes) -> None:
        """Record an accepted header hash (no-op when the job has left the table)."""
        entry = self._entries.get(job_id)
        if entry is not None:
            entry.filter.seen.add(header_hash)

    def claim_block(self, job_id: str, header_hash: bytes) -> bool:
        """True the first time this block candidate is claimed for the job's work, else False.

        Keeps one header from being handed out for submission twice whatever the share's verdict
        (a low-difficulty or stale block candidate is never "remembered" as a share).
        """
        entry = self._entries.get(job_id)
        if entry is None or header_hash in entry.filter.blocks:
            return False
        entry.filter.blocks.add(header_hash)
        return True
