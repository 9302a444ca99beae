"""The reference CPU miner: sessions with reconnection, and the hashing workers that feed them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import BrokenExecutor

from backend.miner.connection import PoolAddress, StratumConnection
from backend.miner.cursor import WorkCursor
from backend.miner.events import Disconnected, MinerEvent, MinerStats
from backend.miner.hashing import HashEngine
from backend.miner.session import Session, SessionEnd, cancel_and_wait
from backend.miner.settings import MinerSettings
from backend.miner.throttle import Throttle

log = logging.getLogger("minerpool.miner")

RATE_SMOOTHING = 0.5
"""Weight of the newest chunk in a worker's measured hash rate (which sizes its next chunk)."""


class ReferenceMiner:
    """A Stratum V1 CPU miner that behaves like cpuminer (stratum reference §7).

    ``await miner.run()`` mines until ``miner.stop()`` is called and returns ``miner.stats``;
    ``stats`` can be read at any time meanwhile. ``url`` is ``stratum+tcp://HOST:PORT``
    (ValueError otherwise). ``threads`` workers hash disjoint chunks, in worker processes when
    there is more than one (or when ``processes=True``). ``hashrate_limit`` caps the total rate in
    hashes per second. ``on_event`` receives every ``MinerEvent``, on the event loop.

    Worker processes are started with ``settings.start_method`` (spawn), so a script that runs a
    multi-process miner needs the usual ``if __name__ == "__main__":`` guard.
    """

    def __init__(
        self,
        url: str,
        user: str,
        password: str = "x",  # noqa: S107 - stratum's conventional placeholder, not a secret
        *,
        threads: int = 1,
        version_rolling: bool = False,
        hashrate_limit: float | None = None,
        on_event: Callable[[MinerEvent], None] | None = None,
        settings: MinerSettings | None = None,
        processes: bool | None = None,
    ) -> None:
        if threads < 1:
            raise ValueError("threads must be at least 1")
        self.address = PoolAddress.parse(url)
        self.user = user
        self.password = password
        self.threads = threads
        self.version_rolling = version_rolling
        self.settings = settings or MinerSettings()
        self.stats = MinerStats()
        """Running totals; see ``MinerStats``."""
        self._on_event = on_event
        self._processes = processes
        self._throttle = Throttle(hashrate_limit)
        self._cursor = WorkCursor(self.settings.nonce_span)
        self._session: Session | None = None
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Ask ``run`` to finish: it closes the connection and the workers, then returns."""
        self._stopping.set()

    def _emit(self, event: MinerEvent) -> None:
        if self._on_event is None:
            return
        try:
            self._on_event(event)
        except Exception:
            log.exception("on_event callback failed on %r", event)

    async def run(self) -> MinerStats:
        """Mine until stopped, reconnecting with back-off whenever the pool goes away."""
        self.stats.started_at = time.monotonic()
        engine = HashEngine(self.threads, self._processes, self.settings.start_method)
        workers = [
            asyncio.create_task(self._hash_loop(engine), name=f"miner-worker-{n}")
            for n in range(self.threads)
        ]
        try:
            await self._connect_loop()
        finally:
            self._cursor.clear()
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            await engine.aclose()
            self.stats.connected = False
        return self.stats

    async def _connect_loop(self) -> None:
        backoff = self.settings.backoff_initial
        while not self._stopping.is_set():
            session = asyncio.ensure_future(self._one_session())
            stopper = asyncio.ensure_future(self._stopping.wait())
            try:
                await asyncio.wait({session, stopper}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                stopper.cancel()
                await cancel_and_wait(session)
            if self._stopping.is_set():
                return
            end = session.result()
            if end.established:
                backoff = self.settings.backoff_initial
            if end.reconnect_wait is not None:
                wait = end.reconnect_wait
            else:
                wait = backoff
                backoff = min(backoff * 2, self.settings.backoff_max)
            log.info("%s; reconnecting in %.3g s", end.reason, wait)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._stopping.wait()

    async def _one_session(self) -> SessionEnd:
        settings = self.settings
        try:
            async with asyncio.timeout(settings.connect_timeout):
                conn = await StratumConnection.open(
                    self.address,
                    max_line=settings.max_line_bytes,
                    idle_timeout=settings.idle_timeout,
                )
        except (OSError, TimeoutError) as exc:
            return SessionEnd(f"cannot connect to {self.address}: {exc!r}", established=False)
        previous = self._session
        session = Session(
            conn,
            self.address,
            user=self.user,
            password=self.password,
            version_rolling=self.version_rolling,
            settings=settings,
            cursor=self._cursor,
            stats=self.stats,
            emit=self._emit,
            resume_id=previous.resume_id if previous is not None else None,
        )
        self._session = session
        reason = "stopped"
        try:
            end = await session.run()
            reason = end.reason
            return end
        except Exception as exc:  # a bug must not kill a miner that demos and tests rely on
            log.exception("session failed")
            reason = f"session failed: {exc!r}"
            return SessionEnd(reason, established=session.established)
        finally:
            self._cursor.clear()
            if self.stats.connected:
                self.stats.connected = False
                self._emit(Disconnected(reason))

    async def _hash_loop(self, engine: HashEngine) -> None:
        settings = self.settings
        cap = self._throttle.chunk_cap(self.threads, settings.chunk_seconds)
        size = settings.initial_chunk if cap is None else min(settings.initial_chunk, cap)
        rate: float | None = None
        while True:
            await self._cursor.wait_for_work()
            try:
                rate = await self._hash_chunk(engine, size, rate)
            except BrokenExecutor:
                log.error("a hashing worker process died; starting new ones")
                await asyncio.sleep(settings.backoff_initial)
                continue
            except Exception:  # keep mining: the demo and the tests depend on this loop
                log.exception("hashing failed")
                await asyncio.sleep(settings.backoff_initial)
                continue
            if rate is not None:
                # Size chunks to last about chunk_seconds at this worker's measured rate.
                size = int(rate * settings.chunk_seconds)
                size = max(1, min(size, settings.max_chunk, cap or settings.max_chunk))

    async def _hash_chunk(self, engine: HashEngine, size: int, rate: float | None) -> float | None:
        """Hash one chunk, submit what it found, and return the updated hash-rate estimate."""
        await self._throttle.take(size)
        chunk = self._cursor.take(size)
        if chunk is None:
            return rate
        began = time.perf_counter()
        result = await engine.scan(chunk.prefix, chunk.start, chunk.count, chunk.work.share_target)
        elapsed = time.perf_counter() - began
        self.stats.hashes += result.hashes
        if elapsed > 0 and result.hashes:
            measured = result.hashes / elapsed
            rate = measured if rate is None else rate + RATE_SMOOTHING * (measured - rate)
        for nonce, digest in result.found:
            session = self._session
            if session is None:
                self.stats.discarded += 1
            else:
                await session.submit(chunk, nonce, digest)
        return rate


async def run_miner(
    url: str,
    user: str,
    password: str = "x",  # noqa: S107 - stratum's conventional placeholder, not a secret
    *,
    threads: int = 1,
    version_rolling: bool = False,
    hashrate_limit: float | None = None,
    stop: asyncio.Event | None = None,
    on_event: Callable[[MinerEvent], None] | None = None,
    settings: MinerSettings | None = None,
    processes: bool | None = None,
) -> MinerStats:
    """Run a ``ReferenceMiner`` until ``stop`` is set (or forever) and return its stats."""
    miner = ReferenceMiner(
        url,
        user,
        password,
        threads=threads,
        version_rolling=version_rolling,
        hashrate_limit=hashrate_limit,
        on_event=on_event,
        settings=settings,
        processes=processes,
    )
    if stop is None:
        return await miner.run()

    async def relay() -> None:
        await stop.wait()
        miner.stop()

    relay_task = asyncio.create_task(relay())
    try:
        return await miner.run()
    finally:
        relay_task.cancel()
