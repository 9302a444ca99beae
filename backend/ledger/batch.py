"""Recorder batches: the shares of about a second, summed, as one idempotent unit of writing.

The recorder adds every share event to an open ``BatchBuilder``; sealing it gives a
``ShareBatch`` holding only sums — bucket deltas for every row the shares touch (per worker and
per account, at 5 minutes, 1 hour and 24 hours), FPPS accruals per (account, 5-minute bucket),
the PPLNS log entries, worker state updates and found blocks. Its size therefore depends on the
number of active workers, not on the number of shares.

``ShareBatch.id`` is unique for all time (node, a random token per process start, a counter), and
the store applies a batch id at most once, so writing a batch again — a retry after a timeout, a
replay of the recovery file — never counts a share twice. ``as_dict`` / ``from_dict`` give its
JSON form for the recovery file; exact ``Fraction`` sums travel as ``"num/den"`` strings.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from backend.ledger.blocks import BlockStatus, FoundBlock
from backend.ledger.buckets import (
    BASE_BUCKET,
    DAY_BUCKET,
    HOUR_BUCKET,
    ShareBucket,
    account_totals,
    roll_up,
)
from backend.ledger.events import MAX_SHARE_DIFFICULTY, RejectClass, ShareEvent
from backend.ledger.rewards import FppsAccrual, FppsTerms, accrue
from backend.ledger.workers import WorkerUpdate

SIZES = (BASE_BUCKET, HOUR_BUCKET, DAY_BUCKET)
"""Bucket sizes every batch carries deltas for: the 5-minute base and its two roll-ups."""


@dataclass(frozen=True, slots=True)
class PplnsEntry:
    """One account's accepted difficulty in one batch: a line of the PPLNS share log."""

    account: str
    """The account credited."""
    difficulty: float
    """Sum of the credited difficulty of its accepted shares in the batch."""


@dataclass(frozen=True, slots=True)
class ShareBatch:
    """What one recorder batch changes (module docstring)."""

    id: str
    """Unique for all time: ``<node>:<run token>:<counter>``."""
    node: int
    """The stratum process that recorded it."""
    seq: int
    """Nanoseconds since the epoch when sealed: orders batches of one node, and the PPLNS log."""
    created_at: int
    """When sealed, Unix seconds."""
    shares: int = 0
    """Share events summed into it."""
    buckets: tuple[ShareBucket, ...] = ()
    """Deltas to add to the stored bucket rows."""
    accruals: tuple[FppsAccrual, ...] = ()
    """FPPS accruals to add, per (account, 5-minute bucket)."""
    pplns: tuple[PplnsEntry, ...] = ()
    """PPLNS log lines (PPLNS pools only)."""
    workers: tuple[WorkerUpdate, ...] = ()
    """Worker state as this node sees it now."""
    blocks: tuple[FoundBlock, ...] = ()
    """Blocks found by shares of this batch."""
    reset_node: bool = False
    """True for the first batch of a process start: every connection this node recorded before is
    gone (the store sets their counts to zero before applying ``workers``)."""

    def as_dict(self) -> dict[str, Any]:
        """The batch as JSON-ready data (one recovery-file line)."""
        return {
            "id": self.id,
            "node": self.node,
            "seq": self.seq,
            "created_at": self.created_at,
            "shares": self.shares,
            "buckets": [_bucket_dict(b) for b in self.buckets],
            "accruals": [_accrual_dict(a) for a in self.accruals],
            "pplns": [[e.account, e.difficulty] for e in self.pplns],
            "workers": [_worker_dict(w) for w in self.workers],
            "blocks": [_block_dict(b) for b in self.blocks],
            "reset_node": self.reset_node,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ShareBatch:
        """Rebuild a batch from ``as_dict`` output (KeyError/TypeError/ValueError otherwise)."""
        return cls(
            id=str(data["id"]),
            node=int(data["node"]),
            seq=int(data["seq"]),
            created_at=int(data["created_at"]),
            shares=int(data["shares"]),
            buckets=tuple(_bucket_of(b) for b in data["buckets"]),
            accruals=tuple(_accrual_of(a) for a in data["accruals"]),
            pplns=tuple(PplnsEntry(str(a), float(d)) for a, d in data["pplns"]),
            workers=tuple(WorkerUpdate(**w) for w in data["workers"]),
            blocks=tuple(_block_of(b) for b in data["blocks"]),
            reset_node=bool(data["reset_node"]),
        )

    @property
    def empty(self) -> bool:
        """True when applying it would change nothing."""
        return not (self.shares or self.workers or self.blocks or self.reset_node)


class _Tally:
    """Running sums of one (account, worker, 5-minute bucket), cheap to update per share.

    Difficulties are counted per distinct value (a connection's shares share one difficulty), so
    the exact ``Fraction`` sum is built once per value at sealing, not once per share."""

    __slots__ = ("accepted", "best", "first", "invalid", "last", "stale")

    def __init__(self) -> None:
        self.accepted: dict[float, int] = {}
        self.stale: dict[float, int] = {}
        self.invalid: dict[float, int] = {}
        self.best = 0.0
        self.first: int | None = None
        self.last: int | None = None

    def freeze(self, account: str, worker: str, start: int) -> ShareBucket:
        return ShareBucket(
            account,
            worker,
            start,
            BASE_BUCKET,
            accepted=sum(self.accepted.values()),
            accepted_difficulty=_exact_sum(self.accepted),
            stale=sum(self.stale.values()),
            stale_difficulty=_exact_sum(self.stale),
            invalid=sum(self.invalid.values()),
            invalid_difficulty=_exact_sum(self.invalid),
            best_share=self.best,
            first_share=self.first,
            last_share=self.last,
        )


def _exact_sum(counts: dict[float, int]) -> Fraction:
    return sum((Fraction(d) * n for d, n in counts.items()), Fraction())


class BatchBuilder:
    """The open batch: share events, blocks and worker updates waiting to be sealed.

    ``terms`` are the FPPS terms every share added is paid by (None: no FPPS accrual, as under
    PPLNS); the recorder seals the builder before the terms change. ``pplns`` says whether to
    write PPLNS log entries.
    """

    def __init__(self, node: int, terms: FppsTerms | None, *, pplns: bool = False) -> None:
        self.node = node
        self.terms = terms
        self.pplns = pplns
        self.shares = 0
        """Share events added so far."""
        self.opened = time.monotonic()
        """When the first thing was added (monotonic seconds)."""
        self._tallies: dict[tuple[str, str, int], _Tally] = {}
        self._workers: dict[tuple[str, str], WorkerUpdate] = {}
        self._blocks: list[FoundBlock] = []

    @property
    def empty(self) -> bool:
        """Nothing added yet."""
        return not (self.shares or self._workers or self._blocks)

    def add(self, event: ShareEvent) -> None:
        """Sum one share event in."""
        self.add_share(
            event.account,
            event.worker,
            event.difficulty,
            event.share_difficulty,
            event.reject_class,
            event.time,
        )

    def add_share(
        self,
        account: str,
        worker: str,
        difficulty: float,
        share_difficulty: float,
        reject: RejectClass | None,
        at: int,
    ) -> None:
        """Sum one share in from its parts (the hot path: no event object is built). ``reject``
        is None for an accepted share; ``at`` is whole Unix seconds."""
        if not self.shares and self.empty:
            self.opened = time.monotonic()
        self.shares += 1
        key = (account, worker, at - at % BASE_BUCKET)
        tally = self._tallies.get(key)
        if tally is None:
            tally = self._tallies[key] = _Tally()
        if reject is None:
            counts = tally.accepted
            if share_difficulty > tally.best:
                # A zero hash has infinite difficulty; the stored best share stays finite.
                tally.best = min(share_difficulty, MAX_SHARE_DIFFICULTY)
            if tally.first is None or at < tally.first:
                tally.first = at
            if tally.last is None or at > tally.last:
                tally.last = at
        elif reject == "stale":
            counts = tally.stale
        else:
            counts = tally.invalid
        counts[difficulty] = counts.get(difficulty, 0) + 1

    def add_block(self, block: FoundBlock) -> None:
        """A block found by one of the shares added."""
        if self.empty:
            self.opened = time.monotonic()
        self._blocks.append(block)

    def set_worker(self, update: WorkerUpdate) -> None:
        """The newest state of a worker on this node (replaces an earlier one in this batch)."""
        if self.empty:
            self.opened = time.monotonic()
        self._workers[(update.account, update.worker)] = update

    def seal(self, batch_id: str, now: float, *, reset_node: bool = False) -> ShareBatch:
        """The batch of everything added, stamped ``now`` (wall-clock seconds)."""
        base = [t.freeze(*key) for key, t in sorted(self._tallies.items())]
        rows = roll_up_all(base)
        accruals = self._accruals()
        pplns: tuple[PplnsEntry, ...] = ()
        if self.pplns:
            per_account: dict[str, Fraction] = {}
            for row in base:
                if row.accepted:
                    held = per_account.get(row.account, Fraction())
                    per_account[row.account] = held + row.accepted_difficulty
            pplns = tuple(PplnsEntry(a, float(d)) for a, d in sorted(per_account.items()))
        return ShareBatch(
            id=batch_id,
            node=self.node,
            seq=int(now * 1e9),
            created_at=int(now),
            shares=self.shares,
            buckets=tuple(rows),
            accruals=accruals,
            pplns=pplns,
            workers=tuple(self._workers[k] for k in sorted(self._workers)),
            blocks=tuple(self._blocks),
            reset_node=reset_node,
        )

    def _accruals(self) -> tuple[FppsAccrual, ...]:
        # A share's expected value is capped at one block: when its difficulty d exceeds the
        # network's D, every such share is a block (P(block | share) = min(1, d / D)). Only a
        # private chain at CPU difficulty ever gets there.
        terms = self.terms
        if terms is None:
            return ()
        cap = terms.network_difficulty
        paid: dict[tuple[str, int], Fraction] = {}
        for (account, _, start), tally in self._tallies.items():
            for difficulty, count in tally.accepted.items():
                value = min(Fraction(difficulty), cap) * count
                paid[(account, start)] = paid.get((account, start), Fraction()) + value
        return tuple(
            accrue(ShareBucket(account, None, start, BASE_BUCKET, accepted_difficulty=d), terms)
            for (account, start), d in sorted(paid.items())
        )


def roll_up_all(base: Iterable[ShareBucket]) -> list[ShareBucket]:
    """Worker 5-minute rows with their roll-ups and account totals at every size, sorted by key
    (writers touching the same rows then lock them in one order)."""
    base = list(base)
    rows: dict[Any, ShareBucket] = {}
    for seconds in SIZES:
        sized = {row.key: row for row in base} if seconds == BASE_BUCKET else roll_up(base, seconds)
        rows.update(sized)
        rows.update(account_totals(sized.values()))
    return sorted(rows.values(), key=lambda r: (r.account, r.worker or "", r.seconds, r.start))


# --- JSON forms --------------------------------------------------------------------------------


def _fraction(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def _bucket_dict(row: ShareBucket) -> dict[str, Any]:
    return {
        "account": row.account,
        "worker": row.worker,
        "start": row.start,
        "seconds": row.seconds,
        "accepted": row.accepted,
        "accepted_difficulty": _fraction(row.accepted_difficulty),
        "stale": row.stale,
        "stale_difficulty": _fraction(row.stale_difficulty),
        "invalid": row.invalid,
        "invalid_difficulty": _fraction(row.invalid_difficulty),
        "best_share": row.best_share,
        "first_share": row.first_share,
        "last_share": row.last_share,
    }


def _bucket_of(data: dict[str, Any]) -> ShareBucket:
    values = dict(data)
    for name in ("accepted_difficulty", "stale_difficulty", "invalid_difficulty"):
        values[name] = Fraction(values[name])
    return ShareBucket(**values)


def _accrual_dict(accrual: FppsAccrual) -> dict[str, Any]:
    return {
        "account": accrual.account,
        "start": accrual.start,
        "difficulty": _fraction(accrual.difficulty),
        "gross": accrual.gross,
        "fee": accrual.fee,
        "net": accrual.net,
    }


def _accrual_of(data: dict[str, Any]) -> FppsAccrual:
    return FppsAccrual(**{**data, "difficulty": Fraction(data["difficulty"])})


def _worker_dict(update: WorkerUpdate) -> dict[str, Any]:
    return {name: getattr(update, name) for name in WorkerUpdate.__dataclass_fields__}


def _block_dict(block: FoundBlock) -> dict[str, Any]:
    data = {name: getattr(block, name) for name in FoundBlock.__dataclass_fields__}
    data["hash"] = block.hash.hex()
    data["status"] = block.status.value
    return data


def _block_of(data: dict[str, Any]) -> FoundBlock:
    return FoundBlock(
        **{**data, "hash": bytes.fromhex(data["hash"]), "status": BlockStatus(data["status"])}
    )
