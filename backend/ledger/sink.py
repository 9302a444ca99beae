"""Where the stratum listener's reports enter the ledger.

``RecordingSink`` is the pool's ``ShareSink`` and ``WorkerWatcher`` when shares are recorded: each
verdict goes first to the sink it wraps (the tally that logs and counts, and submits block
candidates), then to the recorder (its parts, exactly what ``events.share_event`` would hold,
without building the object on the hot path); a block candidate also becomes a
``FoundBlock``. Connection reports go to the recorder as worker state.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from fractions import Fraction
from typing import TYPE_CHECKING

from backend.bitcoin.target import DIFF1
from backend.ledger.blocks import FoundBlock
from backend.ledger.events import reject_class
from backend.ledger.recorder import ShareRecorder

if TYPE_CHECKING:
    from backend.mining.shares import ShareResult
    from backend.stratum.ports import Identity, ShareSink


class RecordingSink:
    """ShareSink + WorkerWatcher that records into a ``ShareRecorder`` (module docstring)."""

    __slots__ = ("_clock", "_inner", "_node", "_recorder")

    def __init__(
        self,
        inner: ShareSink,
        recorder: ShareRecorder,
        *,
        node: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._inner = inner
        self._recorder = recorder
        self._node = node
        self._clock = clock

    def share(self, identity: Identity, result: ShareResult, peer: str) -> None:
        """Count, submit (when a block) and record one judged share."""
        self._inner.share(identity, result, peer)
        now = self._clock()
        reason = result.reason
        self._recorder.record_share(
            identity.account,
            identity.worker,
            result.difficulty,
            result.share_difficulty,
            None if reason is None else reject_class(reason.value),
            int(now),
        )
        job = result.job
        if result.is_block and job is not None:
            template = job.template
            self._recorder.block_found(
                FoundBlock(
                    height=template.height,
                    hash=result.header_hash,
                    account=identity.account,
                    worker=identity.worker,
                    value=template.coinbase_value,
                    found_at=int(now),
                    network_difficulty=float(Fraction(DIFF1, template.target)),
                )
            )

    def worker_connected(self, identity: Identity, peer: str, user_agent: str) -> None:
        """A connection from ``peer`` authorized ``identity``."""
        self._recorder.worker_connected(
            identity.account, identity.worker, peer, user_agent, self._clock()
        )

    def worker_difficulty(self, identity: Identity, peer: str, difficulty: float) -> None:
        """That connection's share difficulty changed."""
        self._recorder.worker_difficulty(
            identity.account, identity.worker, difficulty, self._clock()
        )

    def worker_disconnected(self, identity: Identity, peer: str) -> None:
        """That connection closed."""
        self._recorder.worker_disconnected(identity.account, identity.worker, peer, self._clock())
