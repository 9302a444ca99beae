"""`minerpool bench ledger`: how many shares a second the recorder gets into the database.

    minerpool bench ledger [--database URL] [--shares N] [--workers W] [--accounts A]
                           [--batch-max-shares S] [--json]

The real ``ShareRecorder`` on the real store: share events for ``workers`` workers spread over
``accounts`` accounts (FPPS accruals on, as the default pool) are handed to ``record`` as fast as
the event loop allows — yielding to the writer between chunks, as the stratum listener does
between reads — and the clock stops when the last batch has committed. The figure is shares
recorded per wall-clock second, end to end; ``record`` alone (the cost on the stratum hot path)
is reported per share too.

Without ``--database`` the store is SQLite in a temporary directory (``synchronous=FULL``, as the
pool runs it); with a PostgreSQL URL it runs in a temporary schema that is dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

from backend.ledger.events import ShareEvent
from backend.ledger.recorder import ShareRecorder
from backend.ledger.recovery import RecoveryFile
from backend.ledger.rewards import FppsTerms
from backend.ledger.settings import LedgerSettings
from backend.store.repository import open_store

CHUNK = 1000
"""Shares handed to the recorder between two yields to the event loop."""

TERMS = FppsTerms(312_500_000, 20_000_000, Fraction(110_000_000_000_000))
"""Mainnet-like FPPS terms (3.125 BTC subsidy, 0.2 BTC fees, D = 1.1e14)."""


def events(shares: int, workers: int, accounts: int, start: int) -> list[ShareEvent]:
    """``shares`` accepted share events round-robin over the workers, one second apart per
    thousand, with a stale or invalid one every fiftieth (a realistic reject rate)."""
    made = []
    for i in range(shares):
        worker = i % workers
        account = f"bench{worker % accounts}"
        at = start + i // 1000
        if i % 50 == 49:
            made.append(
                ShareEvent(
                    account, f"w{worker}", 65536.0, 0.0, False, "stale", "stale", False, at, 0
                )
            )
        else:
            made.append(
                ShareEvent(
                    account, f"w{worker}", 65536.0, 70000.0 + i, True, None, None, False, at, 0
                )
            )
    return made


@contextlib.contextmanager
def _database(url: str | None) -> Iterator[tuple[Any, str]]:
    if url is None:
        with tempfile.TemporaryDirectory(prefix="minerpool-bench-") as directory:
            store = open_store(None, Path(directory))
            try:
                yield store, f"SQLite {store.describe()}"
            finally:
                store.close()
        return
    import psycopg

    schema = "bench_" + secrets.token_hex(4)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    try:
        separator = "&" if "?" in url else "?"
        store = open_store(f"{url}{separator}options=-csearch_path%3D{schema}", Path("."))
        try:
            yield store, f"PostgreSQL {store.describe()}"
        finally:
            store.close()
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


async def _run(store: Any, shares: list[ShareEvent], settings: LedgerSettings) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="minerpool-bench-") as directory:
        recovery = RecoveryFile(Path(directory) / "recovery.jsonl")
        recorder = ShareRecorder(store, recovery, node=0, settings=settings)
        recorder.set_terms(TERMS)
        await recorder.start()
        await recorder.flush()
        began = time.perf_counter()
        in_record = 0.0
        # The listener's path: a share's parts, no event object (``RecordingSink``).
        parts = [
            (s.account, s.worker, s.difficulty, s.share_difficulty, s.reject_class, s.time)
            for s in shares
        ]
        record = recorder.record_share
        for offset in range(0, len(parts), CHUNK):
            chunk = parts[offset : offset + CHUNK]
            tick = time.perf_counter()
            for share in chunk:
                record(*share)
            in_record += time.perf_counter() - tick
            await asyncio.sleep(0)
        await recorder.flush()
        elapsed = time.perf_counter() - began
        await recorder.stop()
        stats = recorder.stats
    return {
        "shares": len(shares),
        "seconds": elapsed,
        "shares_per_second": len(shares) / elapsed,
        "record_microseconds_per_share": in_record / len(shares) * 1e6,
        "batches": stats.written - 1,
        "spilled": stats.spilled,
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="minerpool bench ledger", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--database", help="postgresql://... (default: SQLite in a temp dir)")
    parser.add_argument("--shares", type=int, default=500_000)
    parser.add_argument("--workers", type=int, default=1000)
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--batch-max-shares", type=int, default=LedgerSettings().batch_max_shares)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    return parser


def main(argv: list[str]) -> int:
    """Run `minerpool bench ledger <argv>`; returns the exit code."""
    args = _parser().parse_args(argv)
    if min(args.shares, args.workers, args.accounts, args.batch_max_shares) < 1:
        print("minerpool bench ledger: counts must be at least 1", file=sys.stderr)
        return 2
    settings = LedgerSettings(batch_max_shares=args.batch_max_shares)
    shares = events(args.shares, args.workers, args.accounts, int(time.time()) // 300 * 300)
    with _database(args.database) as (store, where):
        results = asyncio.run(_run(store, shares, settings))
    results["database"] = where
    results["workers"], results["accounts"] = args.workers, args.accounts
    report = (
        f"ledger recorder on {where}: {results['shares']:,} shares from {args.workers} workers "
        f"in {args.accounts} accounts in {results['seconds']:.2f} s = "
        f"{results['shares_per_second']:,.0f} shares/s recorded "
        f"({results['batches']} batches; record() {results['record_microseconds_per_share']:.2f}"
        " µs a share on the event loop)"
    )
    if args.json:
        print(report, file=sys.stderr)
        print(json.dumps(results, indent=2))
    else:
        print(report)
    return 0
