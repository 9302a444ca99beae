"""`minerpool bench api`: requests per second and latency of the HTTP API.

A real pool (embedded chain, API on loopback) runs in its own process, pinned to one CPU; load
processes on the other CPUs keep `connections` keep-alive connections busy, one request at a
time each. Two phases, as the issue asks:

- **signed hashrate**: `POST /api/v4/mining/hashrate` signed per the reference (each connection
  its own key, counter nonces — so every request runs the whole check and the durable nonce
  commit);
- **watcher workers**: `GET /api/v1/accounts/{account}/btc/miner/workers?token=...` for an
  account with `workers` workers (connected, with share history written through the store).

The API's limiter runs on every request with its budgets raised far above the load (the
reference's 1000 requests / 10 s per key and 100 / minute per token would cap a benchmark at a
few hundred requests per second); the figures are the server's, not the limits'.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from backend.bench.output import run_and_report
from backend.bench.process import (
    BenchError,
    Child,
    available_cpus,
    child_setup,
    commands,
    receive,
    run_loop,
)

ACCOUNT = "bench"
"""The benchmark's mining account."""

UNLIMITED = {
    "key_requests": 1_000_000_000,
    "public_requests": 1_000_000_000,
    "token_per_minute": 1_000_000_000,
    "token_per_hour": 1_000_000_000,
    "failed_auth": 1_000_000_000,
    "max_connections": 10_000,
}
"""API limits raised out of the load's way (module docstring)."""


@dataclass(frozen=True)
class ApiBenchOptions:
    """What `minerpool bench api` runs."""

    connections: int = 8
    """Concurrent keep-alive connections per phase (split over the load processes). Eight keep
    one server core busy without measuring queueing: with N requests in flight, latency grows
    as N / throughput (Little's law), whatever the server does."""
    duration: float = 5.0
    """Measured seconds per phase."""
    warmup: float = 1.0
    """Seconds of load before each measured window."""
    workers: int = 1000
    """Workers on the benchmark account."""
    load_processes: int | None = None
    """Load generator processes (default: one per spare CPU, at most 2)."""
    timeout: float = 120.0
    """Give up after this many seconds in all."""


def _seed(store: Any, workers: int, now: int) -> None:
    """Give the account `workers` connected workers with an hour of shares (through the store's
    own batch write, as the recorder would)."""
    from backend.ledger.batch import BatchBuilder
    from backend.ledger.workers import WorkerUpdate

    builder = BatchBuilder(node=250, terms=None)
    for index in range(workers):
        name = f"rig{index:04d}"
        builder.set_worker(
            WorkerUpdate(ACCOUNT, name, 250, 1, now - 3600, "bench/1", 0.001, time.time_ns())
        )
        for minutes in range(0, 60, 5):
            builder.add_share(ACCOUNT, name, 0.001, 0.002, None, now - minutes * 60)
    store.record_batch(builder.seal(f"bench-seed-{now}", now))


def serve_pool(conn: Connection, cpus: frozenset[int] | None, data_dir: str) -> None:
    """Entry point of the pool process."""
    child_setup(cpus)
    run_loop(lambda: _serve_pool(conn, Path(data_dir)))


async def _serve_pool(conn: Connection, data_dir: Path) -> None:
    from backend.config import load_settings
    from backend.pool import Pool

    settings = load_settings(
        {
            "data_dir": data_dir,
            "stratum": "127.0.0.1:0",
            "api": "127.0.0.1:0",
            "metrics": "",
            "log_level": "warning",
            "api_limits": UNLIMITED,
        }
    )
    pool = Pool(settings)
    await pool.start()
    try:
        ctx = pool.api.context
        pool.accounts.create(ACCOUNT, "local")
        async for name, args in commands(conn):
            if name == "setup":
                await asyncio.to_thread(_seed, pool.store, args["workers"], int(time.time()))
                keys = [ctx.keys.create("local", ["read"]) for _ in range(args["keys"])]
                _, token = await ctx.watchers.create(
                    "local", [ACCOUNT], "bench", ["dashboard", "workers"], "always"
                )
                conn.send((True, {"port": pool.api.api.port, "keys": keys, "token": token}))
            else:
                conn.send((False, f"unknown command {name!r}"))
    finally:
        await pool.stop()


class ApiBench:
    """Runs the phases and returns the figures."""

    def __init__(self, options: ApiBenchOptions) -> None:
        self.options = options

    def run(self) -> dict[str, Any]:
        """Start the pool and the load processes, run both phases, stop everything."""
        from backend.bench import api_load

        options = self.options
        deadline = time.monotonic() + options.timeout
        cpus = available_cpus()
        server_cpus = frozenset(cpus[:1]) if len(cpus) > 1 else None
        spare = cpus[1:] or cpus
        processes = options.load_processes or max(1, min(2, len(spare)))
        data_dir = tempfile.mkdtemp(prefix="minerpool-bench-api-")
        children: list[Child] = []
        try:
            pool = Child("pool", serve_pool, server_cpus, data_dir)
            children.append(pool)
            setup = pool.request(
                "setup", deadline, workers=options.workers, keys=options.connections
            )
            loads = [
                Child(f"load{i}", api_load.serve, frozenset(spare), "127.0.0.1", setup["port"])
                for i in range(processes)
            ]
            children += loads
            keys = [tuple(pair) for pair in setup["keys"]]
            phases = {
                "signed hashrate": {
                    "kind": "signed",
                    "target": {
                        "path": "/api/v4/mining/hashrate",
                        "fields": {"account": ACCOUNT, "interval": "1h"},
                    },
                },
                "watcher workers": {
                    "kind": "get",
                    "target": {
                        "path": f"/api/v1/accounts/{ACCOUNT}/btc/miner/workers?token="
                        + setup["token"]
                    },
                },
            }
            results = {}
            for title, phase in phases.items():
                share = _split(options.connections, processes)
                for index, (child, count) in enumerate(zip(loads, share, strict=True)):
                    target = dict(phase["target"])
                    if phase["kind"] == "signed":
                        start = sum(share[:index])
                        target["keys"] = keys[start : start + count]
                    child.send(
                        "phase",
                        kind=phase["kind"],
                        connections=count,
                        warmup=options.warmup,
                        duration=options.duration,
                        target=target,
                    )
                replies = receive(loads, deadline)
                results[title] = _figures(replies, options.duration)
            return {
                "connections": options.connections,
                "duration": options.duration,
                "workers": options.workers,
                "load_processes": processes,
                "cpus": len(cpus),
                "phases": results,
            }
        finally:
            for child in reversed(children):
                child.stop()
            shutil.rmtree(data_dir, ignore_errors=True)


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def _figures(replies: list[dict[str, Any]], duration: float) -> dict[str, Any]:
    latencies = sorted(x for reply in replies for x in reply["latencies"])
    ok = sum(reply["ok"] for reply in replies)
    errors: dict[str, int] = {}
    for reply in replies:
        for status, count in reply["errors"].items():
            errors[str(status)] = errors.get(str(status), 0) + count
    if not latencies:
        raise BenchError(f"no request succeeded (errors: {errors})")

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "requests_per_second": round(ok / duration, 1),
        "ok": ok,
        "errors": errors,
        "p50_ms": round(pct(0.50), 2),
        "p99_ms": round(pct(0.99), 2),
        "max_ms": round(latencies[-1] * 1000, 2),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2),
    }


def render(results: dict[str, Any]) -> str:
    """The human-readable report."""
    lines = [
        f"API benchmark: {results['connections']} connections, {results['duration']:g} s per "
        f"phase, {results['workers']} workers on the account, {results['load_processes']} load "
        f"process(es), {results['cpus']} CPU(s), pid {os.getpid()}",
    ]
    for title, figures in results["phases"].items():
        errors = ", ".join(f"{k}: {v}" for k, v in figures["errors"].items()) or "none"
        lines.append(
            f"  {title:<16} {figures['requests_per_second']:>8.1f} req/s   "
            f"p50 {figures['p50_ms']:.2f} ms   p99 {figures['p99_ms']:.2f} ms   "
            f"max {figures['max_ms']:.2f} ms   errors {errors}"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """`minerpool bench api [options]`; returns the exit code."""
    import argparse

    defaults = ApiBenchOptions()
    parser = argparse.ArgumentParser(prog="minerpool bench api", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--connections",
        type=int,
        default=defaults.connections,
        help="keep-alive connections per phase (default %(default)s)",
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=defaults.duration,
        help="measured seconds per phase (default %(default)s)",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=defaults.warmup,
        help="seconds of load before measuring (default %(default)s)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=defaults.workers,
        help="workers on the benchmark account (default %(default)s)",
    )
    parser.add_argument(
        "--load-processes",
        type=int,
        help="load generator processes (default: spare CPUs, at most 2)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=defaults.timeout,
        help="give up after this many seconds (default %(default)s)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the results as JSON on stdout (the report goes to stderr)",
    )
    args = parser.parse_args(argv)
    if args.connections < 1 or args.workers < 0 or args.duration <= 0 or args.warmup < 0:
        parser.error("connections >= 1, workers >= 0, duration > 0 and warmup >= 0")
    options = ApiBenchOptions(
        connections=args.connections,
        duration=args.duration,
        warmup=args.warmup,
        workers=args.workers,
        load_processes=args.load_processes,
        timeout=args.timeout,
    )
    return run_and_report(ApiBench(options).run, render, args.json)
