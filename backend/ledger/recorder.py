"""The share recorder: shares leave the stratum hot path here and reach the store in batches.

``record`` costs a dictionary update: the share is summed into the open ``BatchBuilder``. The
writer task seals the builder every ``batch_interval`` seconds (sooner at ``batch_max_shares``, at
a found block, or when the FPPS terms change) into a bounded queue and writes the queue's head
with ``Store.record_batch`` on a worker thread, one batch at a time.

- **Slow database:** the queue fills; past ``max_pending_batches`` the recorder raises
  back-pressure (``on_pressure(True)``: the listener stops reading miners' sockets) and drops it
  once the queue is half empty. Memory stays bounded: a sealed batch holds sums, not shares.
- **Database down:** a batch is tried ``1 + len(retry_delays)`` times, then appended to the
  recovery file (fsync'd, checksummed); for ``breaker_seconds`` later batches go straight there.
  Once a write succeeds again the file is replayed and removed. It is also replayed at start.
- **Never twice:** batch ids are unique and the store applies an id once, so a retried write
  that had in fact committed, or a file replayed twice, counts once.
- **Crash window:** a share is safe once its batch has committed or been fsync'd to the file.
  A kill -9 loses what was still in memory: the open batch (at most ``batch_interval`` seconds of
  shares) and the batch being written; while the database is slow, also the queued batches
  (at most ``2 * max_pending_batches`` of them, with miners already throttled; beyond that a
  sealed batch goes straight to the recovery file).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from backend.ledger.batch import BatchBuilder, ShareBatch
from backend.ledger.blocks import FoundBlock
from backend.ledger.buckets import BASE_BUCKET, hashrate
from backend.ledger.events import RejectClass, ShareEvent
from backend.ledger.feed import EventFeed
from backend.ledger.recovery import RecoveryFile
from backend.ledger.rewards import FppsTerms
from backend.ledger.settings import LedgerSettings
from backend.ledger.workers import WorkerUpdate

log = logging.getLogger("minerpool.recorder")


@dataclass
class RecorderStats:
    """Counters for logs, benchmarks and tests."""

    shares: int = 0
    """Share events recorded."""
    written: int = 0
    """Batches committed to the store."""
    written_shares: int = 0
    """Shares in those batches."""
    spilled: int = 0
    """Batches appended to the recovery file."""
    replayed: int = 0
    """Batches replayed from the recovery file."""
    failures: int = 0
    """Failed write attempts."""


class _Worker:
    """This process's open connections of one worker: peer → when it was authorized."""

    __slots__ = ("agent", "difficulty", "opened")

    def __init__(self) -> None:
        self.opened: dict[str, int] = {}
        self.agent: str | None = None
        self.difficulty: float | None = None


class _Sealed:
    """A builder taken off the hot path, with the id and time its batch will carry. Summing it
    into a ``ShareBatch`` (roll-ups, accruals) runs on the writer's thread, not the event loop."""

    __slots__ = ("_batch", "builder", "id", "now", "reset")

    def __init__(self, builder: BatchBuilder, batch_id: str, now: float, reset: bool) -> None:
        self.builder = builder
        self.id = batch_id
        self.now = now
        self.reset = reset
        self._batch: ShareBatch | None = None

    def batch(self) -> ShareBatch:
        """The batch (built once)."""
        if self._batch is None:
            self._batch = self.builder.seal(self.id, self.now, reset_node=self.reset)
        return self._batch


class ShareRecorder:
    """Batches share events, blocks and worker changes into the store (module docstring)."""

    def __init__(
        self,
        store,
        recovery: RecoveryFile,
        *,
        node: int,
        settings: LedgerSettings | None = None,
        pplns: bool = False,
        clock: Callable[[], float] = time.time,
        feed: EventFeed | None = None,
        on_pressure: Callable[[bool], None] | None = None,
    ) -> None:
        self._store = store
        self._recovery = recovery
        self._node = node
        self._settings = settings or LedgerSettings()
        self._pplns = pplns
        self._clock = clock
        self._feed = feed
        self._on_pressure = on_pressure
        self._run = secrets.token_hex(8)
        self._counter = 0
        self._terms: FppsTerms | None = None
        self._builder = BatchBuilder(node, None, pplns=pplns)
        self._queue: deque[_Sealed] = deque()
        self._workers: dict[tuple[str, str], _Worker] = {}
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task | None = None
        self._breaker_until = 0.0
        self._in_file = False
        self._pressure = False
        self.stats = RecorderStats()
        """Running counters."""

    # -- the hot path ---------------------------------------------------------------------------

    def record(self, event: ShareEvent) -> None:
        """Sum one share into the open batch. Never blocks."""
        builder = self._builder
        builder.add(event)
        self.stats.shares += 1
        if builder.shares >= self._settings.batch_max_shares:
            self._seal()

    def record_share(
        self,
        account: str,
        worker: str,
        difficulty: float,
        share_difficulty: float,
        reject: RejectClass | None,
        at: int,
    ) -> None:
        """``record`` from a share's parts, without building a ``ShareEvent`` (the listener's
        path: it saves a third of the per-share cost)."""
        builder = self._builder
        builder.add_share(account, worker, difficulty, share_difficulty, reject, at)
        self.stats.shares += 1
        if builder.shares >= self._settings.batch_max_shares:
            self._seal()

    def block_found(self, block: FoundBlock) -> None:
        """A block candidate: it ends the open batch, which is written at once (the block is the
        most valuable thing recorded, and the PPLNS window starts exactly at its share)."""
        self._builder.add_block(block)
        self._seal()

    def set_terms(self, terms: FppsTerms | None) -> None:
        """The FPPS terms shares are paid by from now on (None: no FPPS accrual)."""
        if terms == self._terms:
            return
        if not self._builder.empty:
            self._seal()
        self._terms = terms
        self._builder.terms = terms

    # -- worker connections (the stratum WorkerWatcher port) ------------------------------------

    def worker_connected(
        self, account: str, worker: str, peer: str, user_agent: str, now: float
    ) -> None:
        """The connection from ``peer`` authorized ``account.worker``."""
        state = self._workers.setdefault((account, worker), _Worker())
        state.opened[peer] = int(now)
        state.agent = user_agent or state.agent
        self._changed(account, worker, state, now)

    def worker_difficulty(self, account: str, worker: str, difficulty: float, now: float) -> None:
        """One of the worker's connections got a new share difficulty."""
        state = self._workers.get((account, worker))
        if state is not None and state.difficulty != difficulty:
            state.difficulty = difficulty
            self._changed(account, worker, state, now)

    def worker_disconnected(self, account: str, worker: str, peer: str, now: float) -> None:
        """The connection from ``peer`` that authorized ``account.worker`` closed."""
        state = self._workers.get((account, worker))
        if state is None or state.opened.pop(peer, None) is None:
            return
        self._changed(account, worker, state, now)
        if not state.opened:
            del self._workers[(account, worker)]

    def _changed(self, account: str, worker: str, state: _Worker, now: float) -> None:
        update = WorkerUpdate(
            account,
            worker,
            self._node,
            len(state.opened),
            min(state.opened.values(), default=None),
            state.agent,
            state.difficulty,
            time.time_ns(),
        )
        self._builder.set_worker(update)
        if self._feed is not None:
            self._feed.publish(
                account,
                "worker",
                {
                    "worker": worker,
                    "connections": update.connections,
                    "time": int(now),
                    "user_agent": state.agent,
                    "difficulty": state.difficulty,
                },
            )

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Replay the recovery file left by an earlier run, then start the writer. The first
        batch resets this node's connection counts (the connections of a dead process are
        gone)."""
        await self._replay()
        self._seal(reset=True)
        self._task = asyncio.create_task(self._writer(), name="share-recorder")

    async def flush(self) -> None:
        """Seal the open batch and wait until everything recorded so far is written (to the
        store or the recovery file)."""
        if not self._builder.empty:
            self._seal()
        while self._queue:
            self._idle.clear()
            self._wake.set()
            await self._idle.wait()

    async def stop(self) -> None:
        """Write everything recorded, then stop the writer."""
        if self._task is None:
            return
        await self.flush()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    @property
    def pending(self) -> int:
        """Sealed batches waiting to be written."""
        return len(self._queue)

    # -- the writer -----------------------------------------------------------------------------

    def _next_id(self) -> str:
        self._counter += 1
        return f"{self._node}:{self._run}:{self._counter}"

    def _seal(self, *, reset: bool = False) -> None:
        sealed = _Sealed(self._builder, self._next_id(), self._clock(), reset)
        self._builder = BatchBuilder(self._node, self._terms, pplns=self._pplns)
        limit = self._settings.max_pending_batches
        if len(self._queue) >= 2 * limit:
            # The database is far behind and miners have been paused for a while: keep memory
            # bounded without losing the batch.
            self._recovery.append(sealed.batch())
            self.stats.spilled += 1
            self._in_file = True
            return
        self._queue.append(sealed)
        if len(self._queue) >= limit:
            self._set_pressure(True)
        self._wake.set()

    @staticmethod
    def _aged(builder: BatchBuilder, interval: float) -> bool:
        return time.monotonic() - builder.opened >= interval * 0.999

    def _set_pressure(self, on: bool) -> None:
        if on != self._pressure:
            self._pressure = on
            log.warning("database behind: %s stratum reads", "pausing" if on else "resuming")
            if self._on_pressure is not None:
                self._on_pressure(on)

    async def _writer(self) -> None:
        interval = self._settings.batch_interval
        while True:
            if not self._queue:
                self._idle.set()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(interval):
                        await self._wake.wait()
                self._wake.clear()
                builder = self._builder
                if not self._queue and not builder.empty and self._aged(builder, interval):
                    self._seal()
                continue
            try:
                batch = await asyncio.to_thread(self._queue[0].batch)
                await self._write(batch)
            except Exception:
                # Neither the database nor the recovery file took it (a full disk, say): keep it
                # queued, with back-pressure holding the miners, and try again.
                log.exception("batch %s could not be stored anywhere; retrying", self._queue[0].id)
                await asyncio.sleep(self._settings.breaker_seconds / 10)
                continue
            self._queue.popleft()
            if self._pressure and len(self._queue) <= self._settings.max_pending_batches // 2:
                self._set_pressure(False)

    async def _write(self, batch: ShareBatch) -> None:
        if self._clock() < self._breaker_until:
            await self._spill(batch)
            return
        for delay in (*self._settings.retry_delays, None):
            try:
                await asyncio.to_thread(self._store.record_batch, batch)
            except Exception as exc:
                self.stats.failures += 1
                if delay is None:
                    log.error(
                        "batch %s cannot be written (%r): to the recovery file", batch.id, exc
                    )
                    await self._spill(batch)
                    self._breaker_until = self._clock() + self._settings.breaker_seconds
                    return
                log.warning("batch %s not written (%r); retrying in %.1fs", batch.id, exc, delay)
                await asyncio.sleep(delay)
                continue
            self.stats.written += 1
            self.stats.written_shares += batch.shares
            self._published(batch)
            if self._in_file:
                await self._replay()
            return

    async def _spill(self, batch: ShareBatch) -> None:
        await asyncio.to_thread(self._recovery.append, batch)
        self.stats.spilled += 1
        self._in_file = True

    async def _replay(self) -> None:
        replayed = 0
        while True:
            batches = await asyncio.to_thread(self._recovery.take)
            if not batches and not self._recovery.waiting:
                break
            for batch in batches:
                try:
                    await asyncio.to_thread(self._store.record_batch, batch)
                except Exception as exc:
                    log.warning("recovery file replay stopped (%r); it stays for later", exc)
                    self._in_file = True
                    return
                self.stats.replayed += 1
                replayed += 1
            await asyncio.to_thread(self._recovery.done)
        self._in_file = False
        if replayed:
            log.info("replayed %d batches from %s", replayed, self._recovery.path)

    def _published(self, batch: ShareBatch) -> None:
        feed = self._feed
        if feed is None:
            return
        seconds = max(self._settings.batch_interval, 1e-3)
        for row in batch.buckets:
            if row.worker is None and row.seconds == BASE_BUCKET:
                feed.publish(
                    row.account,
                    "hashrate",
                    {
                        "time": batch.created_at,
                        "accepted": row.accepted,
                        "stale": row.stale,
                        "invalid": row.invalid,
                        "difficulty": float(row.accepted_difficulty),
                        "hashrate": hashrate(row.accepted_difficulty, seconds),
                    },
                )
        for block in batch.blocks:
            feed.publish(
                block.account,
                "block",
                {
                    "height": block.height,
                    "hash": block.hash_hex,
                    "status": block.status.value,
                    "value": block.value,
                    "worker": block.worker,
                },
            )
