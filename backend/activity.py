"""What miners do, counted and logged: the pool's plain-line account of its shares.

The ledger (a later room) turns shares into money; this only keeps the running tallies the log
and the benchmarks read, and hands block candidates to the submitter.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from backend.candidates import BlockSubmitter
from backend.mining.shares import ShareResult
from backend.stratum.ports import Identity
from backend.text import loggable

log = logging.getLogger("minerpool.shares")


@dataclass
class ShareTally:
    """Running counts of accepted and rejected shares and found blocks."""

    clock: Callable[[], float]
    accepted: int = 0
    accepted_difficulty: float = 0.0
    rejected: Counter[str] = field(default_factory=Counter)
    blocks_found: int = 0
    _window_start: float = 0.0
    _window_difficulty: float = 0.0

    def sink(self, submitter: BlockSubmitter) -> TallySink:
        """The ShareSink the Stratum listener reports to."""
        return TallySink(self, submitter)

    def record(self, identity: Identity, result: ShareResult, peer: str) -> None:
        """Count one share; log it at debug level when that level is on."""
        if result.accepted:
            self.accepted += 1
            self.accepted_difficulty += result.difficulty
            self._window_difficulty += result.difficulty
        else:
            assert result.reason is not None
            self.rejected[result.reason.value] += 1
        # Escaping names costs more than the counting: only pay for it when the line is written.
        if log.isEnabledFor(logging.DEBUG):
            outcome = "accepted" if result.accepted else f"rejected ({result.reason.value})"
            log.debug(
                "%s %s.%s diff %g (share %.4g) from %s",
                outcome,
                loggable(identity.account),
                loggable(identity.worker),
                result.difficulty,
                result.share_difficulty,
                peer,
            )

    async def report_every(self, seconds: float, miners: Callable[[], int]) -> None:
        """Log a one-line summary every `seconds` while anything is connected."""
        self._window_start = self.clock()
        while True:
            await asyncio.sleep(seconds)
            now = self.clock()
            elapsed = max(now - self._window_start, 1e-9)
            hashrate = self._window_difficulty * 2**32 / elapsed
            if miners() or self._window_difficulty:
                rejected = ", ".join(f"{k} {v}" for k, v in sorted(self.rejected.items()))
                log.info(
                    "%d connections, %d shares accepted, rejected: %s, ~%s over %.0fs",
                    miners(),
                    self.accepted,
                    rejected or "none",
                    format_hashrate(hashrate),
                    elapsed,
                )
            self._window_start, self._window_difficulty = now, 0.0


class TallySink:
    """Adapter from the Stratum ShareSink port to the tally and the block submitter."""

    __slots__ = ("_submitter", "_tally")

    def __init__(self, tally: ShareTally, submitter: BlockSubmitter) -> None:
        self._tally = tally
        self._submitter = submitter

    def share(self, identity: Identity, result: ShareResult, peer: str) -> None:
        """Record a share; a block candidate goes to the submitter before anything else."""
        if result.is_block:
            self._tally.blocks_found += 1
            self._submitter.submit(result, identity)
        self._tally.record(identity, result, peer)


def format_hashrate(hashes_per_second: float) -> str:
    """Hashrate with an SI unit, for log lines (`12.3 MH/s`)."""
    value = hashes_per_second
    for unit in ("H/s", "kH/s", "MH/s", "GH/s", "TH/s", "PH/s"):
        if value < 1000:
            return f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} EH/s"
