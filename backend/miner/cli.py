"""``minerpool miner``: run the reference CPU miner from the command line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
import time
from collections.abc import Callable

from backend.miner.client import ReferenceMiner
from backend.miner.connection import PoolAddress
from backend.miner.events import (
    MinerEvent,
    MinerStats,
    ShareAccepted,
    ShareRejected,
)
from backend.text import loggable

log = logging.getLogger("minerpool.miner")

STATUS_INTERVAL = 10.0
"""Seconds between the hash-rate lines the CLI prints."""


def _positive(kind: type[int] | type[float]) -> Callable[[str], int | float]:
    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
        return value

    return parse


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="minerpool miner", description="Run the reference CPU miner against a stratum pool."
    )
    parser.add_argument("--url", required=True, help="pool address, stratum+tcp://HOST:PORT")
    parser.add_argument("--user", required=True, help="worker name, usually ACCOUNT.WORKER")
    parser.add_argument("--password", default="x", help="worker password (default x)")
    parser.add_argument(
        "--threads", type=_positive(int), default=1, help="hashing processes (default 1)"
    )
    parser.add_argument(
        "--version-rolling", action="store_true", help="negotiate BIP 310 version rolling"
    )
    parser.add_argument(
        "--hashrate-limit", type=_positive(float), metavar="HS", help="cap in hashes per second"
    )
    parser.add_argument(
        "--duration", type=_positive(float), metavar="SECONDS", help="stop after this long"
    )
    return parser


def _configure_logging() -> None:
    # Plain lines, UTC timestamps, the same shape as the pool's own log (backend/cli.py).
    handler = logging.StreamHandler()
    formatter = logging.Formatter("%(asctime)s %(levelname)-7s %(message)s", "%Y-%m-%dT%H:%M:%SZ")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(handler)
        root.setLevel(logging.INFO)


def format_hashrate(rate: float) -> str:
    """Hashes per second with an SI prefix: ``1.52 MH/s``."""
    for unit, scale in (("GH/s", 1e9), ("MH/s", 1e6), ("kH/s", 1e3)):
        if rate >= scale:
            return f"{rate / scale:.2f} {unit}"
    return f"{rate:.0f} H/s"


def _summary(stats: MinerStats) -> str:
    rate = format_hashrate(stats.hashrate(time.monotonic()))
    return (
        f"{rate}, accepted {stats.accepted}, rejected {stats.rejected}, blocks {stats.blocks}, "
        f"difficulty {stats.difficulty:g}"
    )


def _log_event(stats: MinerStats, event: MinerEvent) -> None:
    if isinstance(event, ShareAccepted):
        block = " (block!)" if event.share.is_block else ""
        log.info("accepted %d/%d%s", stats.accepted, stats.accepted + stats.rejected, block)
    elif isinstance(event, ShareRejected):
        total = stats.accepted + stats.rejected
        log.info("rejected %d/%d: %s", stats.rejected, total, event.reason)


async def _mine(args: argparse.Namespace) -> None:
    miner = ReferenceMiner(
        args.url,
        args.user,
        args.password,
        threads=args.threads,
        version_rolling=args.version_rolling,
        hashrate_limit=args.hashrate_limit,
        on_event=lambda event: _log_event(miner.stats, event),
    )
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows loops
            loop.add_signal_handler(signum, miner.stop)
    if args.duration is not None:
        loop.call_later(args.duration, miner.stop)

    async def report() -> None:
        while True:
            await asyncio.sleep(STATUS_INTERVAL)
            log.info("%s", _summary(miner.stats))

    reporter = asyncio.create_task(report())
    log.info(
        "mining at %s as %s with %d thread(s)", miner.address, loggable(args.user), args.threads
    )
    try:
        await miner.run()
    finally:
        reporter.cancel()
    log.info("stopped: %d hashes, %s", miner.stats.hashes, _summary(miner.stats))


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``minerpool miner``; returns the process exit status."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help and on bad arguments
        return exc.code if isinstance(exc.code, int) else 2
    try:
        PoolAddress.parse(args.url)
    except ValueError as exc:
        print(f"minerpool miner: {exc}", file=sys.stderr)
        return 2
    _configure_logging()
    try:
        asyncio.run(_mine(args))
    except KeyboardInterrupt:  # a second Ctrl-C, or one before the handlers were installed
        return 130
    return 0
