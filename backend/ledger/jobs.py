"""The ledger's background jobs: block tracking, the daily close and payouts.

Exactly one process per database runs them — ``--role api`` in a multi-node setup, the single
process with ``--role all``. The store's jobs lock enforces it: a second process that tries waits
as a standby and takes over when the holder exits or dies (the lock is released with its
connection or file handle).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from backend.ledger.closing import DailyCloser
from backend.ledger.payout_runner import PayoutRunner
from backend.ledger.tracker import BlockTracker

log = logging.getLogger("minerpool.ledger")

STANDBY_POLL = 5.0
"""Seconds between attempts to take the jobs lock while another process holds it."""


class LedgerJobs:
    """Runs the tracker, the closer and the payout runner on their intervals."""

    def __init__(
        self,
        store,
        tracker: BlockTracker,
        closer: DailyCloser,
        payouts: PayoutRunner | None,
        *,
        intervals: tuple[float, float, float],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self.tracker = tracker
        """Found blocks → confirmed / orphaned."""
        self.closer = closer
        """FPPS days → daily rewards."""
        self.payouts = payouts
        """Payouts; None when the chain has no wallet this process can use."""
        self._intervals = intervals
        self._clock = clock
        self._tasks: list[asyncio.Task] = []
        self.active = False
        """True once this process holds the jobs lock."""

    async def start(self) -> None:
        """Take the jobs lock (or wait for it in the background) and start the loops."""
        self._tasks = [asyncio.create_task(self._run(), name="ledger-jobs")]

    async def stop(self) -> None:
        """Stop the loops (the lock goes with the store when it closes)."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _run(self) -> None:
        warned = False
        while not await asyncio.to_thread(self._store.acquire_jobs_lock):
            if not warned:
                log.warning("another process runs the ledger jobs on this database: standing by")
                warned = True
            await asyncio.sleep(STANDBY_POLL)
        self.active = True
        log.info("running the ledger jobs: block tracking, daily close, payouts")
        if self.payouts is not None:
            await _guarded("payout reconcile", self.payouts.reconcile)
        track, close, pay = self._intervals
        loops = [
            self._every(track, "block tracker", self.tracker.check),
            self._every(close, "daily close", self._close),
        ]
        if self.payouts is not None:
            loops.append(self._every(pay, "payouts", self.payouts.cycle))
        await asyncio.gather(*loops)

    async def _close(self) -> None:
        await asyncio.to_thread(self.closer.close_due, int(self._clock()))

    @staticmethod
    async def _every(seconds: float, name: str, job: Callable[[], Awaitable[object]]) -> None:
        while True:
            await _guarded(name, job)
            await asyncio.sleep(seconds)


async def _guarded(name: str, job: Callable[[], Awaitable[object]]) -> None:
    # A failing pass is logged and retried next interval; the other jobs keep running.
    try:
        await job()
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("%s failed; retrying on the next pass", name)
