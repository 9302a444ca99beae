"""The pool side of the benchmark: the real ``backend.pool.Pool`` in a process of its own.

``serve`` is the entry point of that process. It builds the pool exactly as ``minerpool run``
does, except for three things a benchmark needs: the template source is a ``StaticSource``
(mainnet-like bits, so no share is a block, and a tip that moves on command); the share
difficulty is pinned to the floor (min = max = 1e-10), so every unique share is accepted; and
the listener's per-connection and per-IP limits are opened up, because the load arrives from one
address at rates far beyond one real miner's. It listens on 127.0.0.1 port 0, creates the
"bench" account through the pool's own registry, logs at warning, and then answers the parent:

- ``status``: RSS (VmRSS), CPU seconds used, connections, the pool's share tallies;
- ``advance``: move the tip; the reply comes once the pool's template loop has broadcast the
  clean job, with the server-side ``broadcast()`` duration;
- ``profile_start`` / ``profile_stop``: cProfile around whatever load the parent applies.
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import os
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from backend.bench.process import child_setup, commands, rss_kib, run_loop
from backend.bench.profile_report import summarize
from backend.bench.static_source import StaticSource
from backend.bitcoin.address import p2wpkh_address
from backend.bitcoin.hashes import hash160
from backend.bitcoin.network import MAINNET
from backend.cli import configure_logging
from backend.config import MIN_DIFFICULTY_FLOOR, PoolSettings
from backend.mining.jobs import Job
from backend.pool import Pool
from backend.stratum.limits import StratumLimits

BENCH_ACCOUNT = "bench"
"""The account every benchmark miner authorizes as (``bench.<worker>``)."""

BENCH_DIFFICULTY = MIN_DIFFICULTY_FLOOR
"""Share difficulty of every connection: the pool's floor, at which every hash is a valid share."""

BROADCAST_TIMEOUT = 30.0
"""Seconds ``advance`` waits for the pool to broadcast the new tip."""


def bench_limits(connections: int) -> dict[str, float]:
    """Overrides of the listener limits (``PoolSettings.limits``) that open up the per-connection
    and per-IP flood guards.

    Everything else (line length, deadlines, send queue, extranonce sizes) keeps its default, so
    the path a share takes is the production one. ``connections`` sizes the global cap.
    """
    unlimited = 1e12
    defaults = StratumLimits()
    return {
        "message_rate": unlimited,
        "message_burst": unlimited,
        "max_connections": max(defaults.max_connections, connections),
        "max_unauthenticated_per_ip": max(defaults.max_unauthenticated_per_ip, connections),
        "new_connection_rate_per_ip": unlimited,
        "new_connection_burst_per_ip": unlimited,
    }


def serve(conn: Connection, cpus: frozenset[int] | None, options: dict[str, Any]) -> None:
    """Entry point of the pool process: start the pool, report, answer commands until "stop"."""
    child_setup(cpus)
    configure_logging(options.get("log_level", "warning"))
    run_loop(lambda: _serve(conn, options))


class BroadcastTimer:
    """Wraps the server's ``broadcast`` to time each call and signal clean (new-tip) jobs."""

    def __init__(self, server: Any) -> None:
        self._broadcast = server.broadcast
        self.waiter: asyncio.Future[dict[str, Any]] | None = None
        # An instance attribute shadows the method, so the pool's own call comes through here.
        server.broadcast = self

    def __call__(self, job: Job) -> int:
        cpu = time.process_time()
        began = time.monotonic()
        count = self._broadcast(job)
        ended = time.monotonic()
        cpu = time.process_time() - cpu
        waiter = self.waiter
        if job.clean and waiter is not None and not waiter.done():
            waiter.set_result(
                {
                    "broadcast_seconds": ended - began,
                    "broadcast_cpu_seconds": cpu,
                    "sessions": count,
                    "ended": ended,
                }
            )
        return count


async def _serve(conn: Connection, options: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory(prefix="minerpool-bench-") as data_dir:
        source = StaticSource(transactions=options["transactions"])
        settings = PoolSettings(
            data_dir=Path(data_dir),
            stratum="127.0.0.1:0",
            api="127.0.0.1:0",
            metrics="127.0.0.1:0",
            coinbase_address=p2wpkh_address(hash160(b"minerpool bench payout"), MAINNET),
            start_difficulty=BENCH_DIFFICULTY,
            min_difficulty=BENCH_DIFFICULTY,
            max_difficulty=BENCH_DIFFICULTY,
            log_level=options.get("log_level", "warning"),
            limits=bench_limits(options["connections"]),
        )
        pool = Pool(settings, source=source)
        try:
            await pool.start()
        except BaseException as exc:
            conn.send((False, f"pool did not start: {type(exc).__name__}: {exc}"))
            raise
        try:
            assert pool.accounts is not None
            pool.accounts.create(BENCH_ACCOUNT, BENCH_ACCOUNT)
            timer = BroadcastTimer(pool.server)
            conn.send((True, _status(pool) | {"port": pool.stratum_port}))
            await _answer(conn, pool, source, timer)
        finally:
            await pool.stop()


async def _answer(
    conn: Connection, pool: Pool, source: StaticSource, timer: BroadcastTimer
) -> None:
    profiler: cProfile.Profile | None = None
    profiled_since = profiled_cpu = 0.0
    profiled_shares = 0
    async for name, args in commands(conn):
        try:
            if name == "status":
                reply = _status(pool)
            elif name == "advance":
                reply = await _advance(source, timer, args.get("profile_top"))
            elif name == "profile_start":
                profiler = cProfile.Profile()
                profiled_since = time.monotonic()
                profiled_cpu = time.process_time()
                profiled_shares = pool.tally.accepted
                profiler.enable()
                reply = {}
            elif name == "profile_stop":
                if profiler is None:
                    raise ValueError("profiler not started")
                profiler.disable()
                wall = time.monotonic() - profiled_since
                cpu = time.process_time() - profiled_cpu
                shares = pool.tally.accepted - profiled_shares
                reply = summarize(profiler, wall, cpu, shares, "share", args.get("top", 25))
                profiler = None
            else:
                raise ValueError(f"unknown command {name!r}")
        except Exception as exc:
            conn.send((False, f"{name}: {type(exc).__name__}: {exc}"))
        else:
            conn.send((True, reply))
    if profiler is not None:
        with contextlib.suppress(Exception):
            profiler.disable()


async def _advance(
    source: StaticSource, timer: BroadcastTimer, profile_top: int | None = None
) -> dict[str, Any]:
    """Move the tip and wait for the pool's clean broadcast; with ``profile_top``, profile the
    pool from the command to the end of that broadcast."""
    received = time.monotonic()
    profiler = cProfile.Profile() if profile_top else None
    cpu = time.process_time()
    timer.waiter = asyncio.get_running_loop().create_future()
    if profiler is not None:
        profiler.enable()
    try:
        source.advance()
        async with asyncio.timeout(BROADCAST_TIMEOUT):
            result = await timer.waiter
    finally:
        timer.waiter = None
        if profiler is not None:
            profiler.disable()
    result |= {"received": received, "publish_seconds": result["ended"] - received}
    if profiler is not None and profile_top:
        wall = time.monotonic() - received
        cpu = time.process_time() - cpu
        result["profile"] = summarize(
            profiler, wall, cpu, result["sessions"], "session", profile_top
        )
    return result


def _status(pool: Pool) -> dict[str, Any]:
    server = pool.server
    tally = pool.tally
    return {
        "pid": os.getpid(),
        "rss_kib": rss_kib(),
        "cpu_seconds": time.process_time(),
        "sessions": server.session_count if server is not None else 0,
        "mining": server.mining_count if server is not None else 0,
        "accepted": tally.accepted,
        "rejected": dict(tally.rejected),
        "blocks_found": tally.blocks_found,
        "now": time.monotonic(),
    }
