"""The share event: one judged share, reduced to what accounting needs.

The stratum session hands every verdict to the pool's ``ShareSink``; the sink turns it into a
``ShareEvent`` with ``share_event`` and queues it for the recorder. An event is small, immutable
and carries no bytes, so the queue, the batch writer and the append-only recovery file all hold
the same thing (``as_dict`` / ``from_dict`` give its JSON form).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from backend.bitcoin.target import DIFF1

if TYPE_CHECKING:
    # Only for annotations: the ledger reads attributes of these values and must not pull the
    # stratum or mining rooms in at import time.
    from backend.mining.shares import ShareResult
    from backend.stratum.ports import Identity

RejectClass = Literal["stale", "invalid"]
"""How a rejected share counts in the reject rate: ``stale`` (honest work that arrived after its
job went out of date) or ``invalid`` (anything else)."""

STALE_REASONS = frozenset({"stale", "job_not_found"})
"""``RejectReason`` values classed as stale. Both are Stratum code 21 (reference §2.9): a share
for a job from a previous prevhash, or for a job already pruned from the table after a block
change (public-pool empties its table on a new block and answers "Job not found", §2.6). Every
other reason (duplicate, low difficulty, malformed, bad version bits, ntime, ...) is invalid."""

MAX_SHARE_DIFFICULTY = float(DIFF1)
"""Ceiling on a recorded share difficulty: that of the hash value 1. A zero hash (difficulty
``inf`` in ``ShareResult``) cannot happen in practice; clamping keeps every stored number finite."""


@dataclass(frozen=True, slots=True)
class ShareEvent:
    """One share as the ledger records it.

    ``difficulty`` is the difficulty the share was judged at (credited when accepted: the minimum
    of the difficulty at issue and the current one); ``share_difficulty`` is the hash's own and
    only feeds "best share". A rejected share has ``reject_class`` and ``reject_reason`` (the
    ``RejectReason`` value, e.g. ``"low_difficulty"``); an accepted one has neither.
    """

    account: str
    """The account credited (an account name, or the payout address of an anonymous miner)."""
    worker: str
    """The worker name after the dot of the stratum username."""
    difficulty: float
    """Difficulty the share was judged at; the credit when accepted (reference §5.1)."""
    share_difficulty: float
    """Difficulty of the share's hash (DIFF1 / hash); 0 when validation stopped before hashing."""
    accepted: bool
    """True when the share was valid and is credited."""
    reject_class: RejectClass | None
    """None when accepted, else ``"stale"`` or ``"invalid"`` (see ``STALE_REASONS``)."""
    reject_reason: str | None
    """None when accepted, else the ``RejectReason`` value."""
    is_block: bool
    """True when the share's hash met the network target (whatever the verdict)."""
    time: int
    """When the share was judged, Unix seconds (UTC)."""
    node: int
    """The stratum process that judged it (``PoolSettings.instance_id``)."""

    def __post_init__(self) -> None:
        if not self.account or not self.worker:
            raise ValueError("a share event needs an account and a worker")
        for name in ("difficulty", "share_difficulty"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{name} must be a number")
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be finite and not negative, got {value!r}")
        if self.accepted:
            if self.reject_class is not None or self.reject_reason is not None:
                raise ValueError("an accepted share has no reject class or reason")
        elif self.reject_class not in ("stale", "invalid") or not self.reject_reason:
            raise ValueError("a rejected share needs a reject class and a reason")
        for name in ("time", "node"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name} must be an integer")

    def as_dict(self) -> dict[str, Any]:
        """The event as a JSON-ready dict (one line of the recovery file)."""
        return {
            "account": self.account,
            "worker": self.worker,
            "difficulty": self.difficulty,
            "share_difficulty": self.share_difficulty,
            "accepted": self.accepted,
            "reject_class": self.reject_class,
            "reject_reason": self.reject_reason,
            "is_block": self.is_block,
            "time": self.time,
            "node": self.node,
        }

    @classmethod
    def from_dict(cls, data: object) -> ShareEvent:
        """Rebuild an event from ``as_dict`` output; ValueError on anything else (a torn or
        edited recovery-file line must be refused, not half-imported)."""
        if not isinstance(data, dict) or set(data) != _FIELDS:
            raise ValueError("not a share event")
        if type(data["accepted"]) is not bool or type(data["is_block"]) is not bool:
            raise ValueError("accepted and is_block must be booleans")
        for name in ("account", "worker"):
            if type(data[name]) is not str:
                raise ValueError(f"{name} must be a string")
        for name in ("reject_class", "reject_reason"):
            if data[name] is not None and type(data[name]) is not str:
                raise ValueError(f"{name} must be a string or null")
        return cls(**data)


_FIELDS = frozenset(ShareEvent.__dataclass_fields__)


def reject_class(reason_value: str) -> RejectClass:
    """Class a ``RejectReason`` value as ``"stale"`` or ``"invalid"`` (see ``STALE_REASONS``)."""
    return "stale" if reason_value in STALE_REASONS else "invalid"


def share_event(identity: Identity, result: ShareResult, now: float, node: int) -> ShareEvent:
    """The event for one verdict from ``validate_share`` (or ``ShareResult.rejected``).

    ``now`` is floored to whole seconds. A non-finite hash difficulty is clamped to
    ``MAX_SHARE_DIFFICULTY``.
    """
    reason = result.reason
    share_difficulty = result.share_difficulty
    if not math.isfinite(share_difficulty):
        share_difficulty = MAX_SHARE_DIFFICULTY
    return ShareEvent(
        account=identity.account,
        worker=identity.worker,
        difficulty=float(result.difficulty),
        share_difficulty=float(share_difficulty),
        accepted=reason is None,
        reject_class=None if reason is None else reject_class(reason.value),
        reject_reason=None if reason is None else reason.value,
        is_block=bool(result.is_block),
        time=math.floor(now),
        node=node,
    )
