"""The client-side load generator: a fleet of ``BenchMiner`` connections in one process.

``serve`` is the entry point of a load process (spawned by ``backend.bench.cli``). It raises its
file-descriptor limit, pins itself to its CPUs, runs uvloop, and executes the parent's commands
one at a time, answering each with one reply:

- ``open``: connect ``count`` miners (subscribed and authorized), at most ``concurrency`` at once;
- ``arm`` / ``await_notify``: watch for the next clean mining.notify on every idle miner;
- ``flood``: every active miner keeps ``window`` submits outstanding (throughput, and with
  ``window=1`` and ``timed`` the closed-loop latency);
- ``paced``: submits at a fixed offered rate regardless of replies (open-loop latency);
- ``close``: close a group of miners;
- ``stop``: exit.

Times that cross processes are ``time.monotonic()`` (CLOCK_MONOTONIC, one clock for the whole
machine), so the parent can compare them with its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from array import array
from collections import Counter
from multiprocessing.connection import Connection
from typing import Any

from backend.bench.client import CLOSED, FLOOD, IDLE, PACED, BenchMiner
from backend.bench.process import child_setup, commands, run_loop

TICK = 0.001
"""Seconds between the open-loop sender's wake-ups (uvloop timers have 1 ms resolution)."""

MAX_CATCH_UP = 0.05
"""Most seconds of backlog the open-loop sender sends in one tick if its loop fell behind."""


class Fleet:
    """A group of miners of one load process and the counters they report into."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.miners: list[BenchMiner] = []
        self.lost = 0
        """Connections the pool closed."""
        self.sending = False
        """Flood miners send a new submit for each reply while this is set."""
        self.counting = False
        """Replies (and latencies) are counted while this is set: the measured window."""
        self.accepted = 0
        self.replies = 0
        self.rejects: Counter[str] = Counter()
        self.samples: list[float] = []
        """Latencies in seconds of replies received while counting (timed miners only)."""
        self.outstanding = 0
        """Submits sent by all miners and not yet answered."""
        self._drained: asyncio.Event | None = None
        self._live = 0
        self._all_gone: asyncio.Event | None = None
        self._pending = 0
        self._all_notified: asyncio.Future[None] | None = None

    def answered(self, count: int) -> None:
        """``count`` submits were answered (or will never be: their connection is gone)."""
        self.outstanding -= count
        if self.outstanding <= 0 and self._drained is not None:
            self._drained.set()

    def gone(self) -> None:
        """A miner's connection closed."""
        self._live -= 1
        if self._live <= 0 and self._all_gone is not None:
            self._all_gone.set()

    # -- connecting ----------------------------------------------------------------------

    async def open(self, count: int, prefix: str, concurrency: int, limit: float) -> dict:
        """Connect ``count`` miners named ``bench.<prefix><n>`` and wait for their first job,
        giving each ``limit`` seconds."""
        loop = asyncio.get_running_loop()
        gate = asyncio.Semaphore(concurrency)
        failures: Counter[str] = Counter()
        started = time.monotonic()

        async def one(index: int) -> None:
            miner = BenchMiner(self, f"bench.{prefix}{index}")
            async with gate:
                try:
                    async with asyncio.timeout(limit):
                        await loop.create_connection(lambda: miner, self.host, self.port)
                        self._live += 1
                        await miner.ready
                except (OSError, TimeoutError) as exc:
                    miner.close()
                    failures[f"{type(exc).__name__}: {exc}"[:120]] += 1
                    return
            self.miners.append(miner)

        await asyncio.gather(*(one(index) for index in range(count)))
        return {
            "opened": len(self.miners),
            "failed": sum(failures.values()),
            "failures": dict(failures.most_common(5)),
            "seconds": time.monotonic() - started,
        }

    async def close(self, limit: float) -> dict:
        """Close every miner and wait (up to ``limit`` seconds) for the sockets to go."""
        self._all_gone = asyncio.Event()
        if self._live <= 0:
            self._all_gone.set()
        for miner in self.miners:
            miner.close()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(limit):
                await self._all_gone.wait()
        closed = len(self.miners)
        self.miners = []
        return {"closed": closed, "still_open": max(self._live, 0)}

    # -- new tip -------------------------------------------------------------------------

    def arm(self) -> dict:
        """Start watching every idle miner for its next clean notify (a new tip)."""
        self._pending = 0
        self._all_notified = asyncio.get_running_loop().create_future()
        for miner in self.miners:
            miner.notified_at = None
            miner.armed = miner.mode is IDLE
            self._pending += miner.armed
        if not self._pending:
            self._all_notified.set_result(None)
        return {"armed": self._pending}

    def notified(self, miner: BenchMiner) -> None:
        """Called by a miner when its clean notify arrived."""
        self._pending -= 1
        done = self._all_notified
        if self._pending == 0 and done is not None and not done.done():
            done.set_result(None)

    async def await_notify(self, limit: float) -> dict:
        """Wait until every armed miner saw the new tip (at most ``limit`` seconds); report the
        times."""
        assert self._all_notified is not None
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(limit):
                await asyncio.shield(self._all_notified)
        times = [m.notified_at for m in self.miners if m.armed and m.notified_at is not None]
        for miner in self.miners:
            miner.disarm()
        return {
            "notified": len(times),
            "missing": self._pending,
            "first": min(times, default=None),
            "last": max(times, default=None),
            "lost": self.lost,
        }

    # -- load ----------------------------------------------------------------------------

    def _reset_counters(self) -> None:
        self.accepted = self.replies = 0
        self.rejects = Counter()
        self.samples = []

    async def flood(
        self,
        window: int,
        start_at: float,
        warmup: float,
        duration: float,
        timed: bool,
        drain: float,
    ) -> dict:
        """Keep ``window`` submits in flight per miner; count replies over ``duration`` seconds
        after ``warmup``, starting at ``start_at`` (monotonic). ``timed``: record latencies."""
        self._reset_counters()
        lost_before = self.lost
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        for miner in self.miners:
            if miner.mode is IDLE:
                miner.mode = FLOOD
                miner.timed = timed
        self.sending = True
        for miner in self.miners:
            if miner.mode is FLOOD:
                miner.submit(window)
        window_info = await self._count(warmup, duration)
        self.sending = False
        return window_info | await self._drain(drain, lost_before)

    async def paced(
        self, rate: float, start_at: float, warmup: float, duration: float, drain: float
    ) -> dict:
        """Submit at ``rate`` shares/s spread round-robin over the miners, whatever the replies;
        time every reply. Counts over ``duration`` seconds after ``warmup``."""
        self._reset_counters()
        lost_before = self.lost
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        miners = [m for m in self.miners if m.mode is IDLE]
        for miner in miners:
            miner.mode = PACED
            miner.timed = True
        sender = asyncio.create_task(self._pace(miners, rate, warmup + duration))
        try:
            window_info = await self._count(warmup, duration)
            sent = await sender
        finally:
            sender.cancel()
        return window_info | {"sent": sent} | await self._drain(drain, lost_before)

    async def _pace(self, miners: list[BenchMiner], rate: float, seconds: float) -> int:
        if not miners:
            return 0
        started = time.monotonic()
        end = started + seconds
        sent = turn = 0
        most = max(1, int(rate * MAX_CATCH_UP))
        while (now := time.monotonic()) < end:
            due = min(int((now - started) * rate) - sent, most)
            for _ in range(due):
                miner = miners[turn]
                turn = (turn + 1) % len(miners)
                if miner.mode is PACED:
                    miner.submit(1)
            sent += max(due, 0)
            await asyncio.sleep(TICK)
        return sent

    async def _count(self, warmup: float, duration: float) -> dict:
        await asyncio.sleep(warmup)
        cpu = time.process_time()
        self.counting = True
        began = time.monotonic()
        await asyncio.sleep(duration)
        self.counting = False
        ended = time.monotonic()
        return {
            "accepted": self.accepted,
            "replies": self.replies,
            "rejects": dict(self.rejects),
            "seconds": ended - began,
            "cpu_seconds": time.process_time() - cpu,
            "samples": array("d", self.samples).tobytes(),
        }

    async def _drain(self, limit: float, lost_before: int) -> dict:
        # Stop and wait (at most ``limit`` seconds) for the replies still in flight, so the next
        # phase starts clean.
        self._drained = asyncio.Event()
        if self.outstanding <= 0:
            self._drained.set()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(limit):
                await self._drained.wait()
        self._drained = None
        unanswered = self.outstanding
        self.outstanding = 0
        for miner in self.miners:
            if miner.mode is not CLOSED:
                miner.mode = IDLE
            miner.timed = False
            miner.sent_at.clear()
            miner.outstanding = 0
        return {"unanswered": unanswered, "lost": self.lost - lost_before}


def serve(conn: Connection, cpus: frozenset[int] | None, host: str, port: int) -> None:
    """Entry point of a load process: run the parent's commands until "stop"."""
    child_setup(cpus)
    run_loop(lambda: _serve(conn, host, port))


async def _serve(conn: Connection, host: str, port: int) -> None:
    groups: dict[str, Fleet] = {}
    async for name, args in commands(conn):
        try:
            reply = await _run(groups, host, port, name, args)
        except Exception as exc:
            conn.send((False, f"{name}: {type(exc).__name__}: {exc}"))
        else:
            conn.send((True, reply))
    for fleet in groups.values():
        await fleet.close(2.0)


async def _run(
    groups: dict[str, Fleet], host: str, port: int, name: str, args: dict[str, Any]
) -> dict:
    group = args.pop("group", "default")
    fleet = groups.get(group)
    if fleet is None:
        fleet = groups[group] = Fleet(host, port)
    if name == "open":
        return await fleet.open(**args)
    if name == "arm":
        return fleet.arm()
    if name == "await_notify":
        return await fleet.await_notify(**args)
    if name == "flood":
        return await fleet.flood(**args)
    if name == "paced":
        return await fleet.paced(**args)
    if name == "close":
        return await fleet.close(**args)
    raise ValueError(f"unknown command {name!r}")
