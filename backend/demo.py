"""`minerpool demo`: a local pool on the embedded chain with a few reference miners.

The miners differ in speed, and one of them drops out now and then and comes back, so there is
always something to watch: shares, blocks, workers going offline and online again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from backend.config import load_settings
from backend.miner.client import ReferenceMiner
from backend.pool import Pool
from backend.store.records import AccountExists

log = logging.getLogger("minerpool.demo")

DEMO_ACCOUNT = "demo"
"""The account the demo miners mine to."""


@dataclass(frozen=True)
class DemoMiner:
    """One simulated rig: its worker name, its speed, and whether it drops out."""

    worker: str
    hashrate: float
    """Hashes per second the reference miner is throttled to."""
    flaky: bool = False
    """Mines for `online_seconds`, disconnects for `offline_seconds`, and repeats."""


DEMO_MINERS = (
    DemoMiner("rig_fast", 300_000),
    DemoMiner("rig_medium", 120_000),
    DemoMiner("rig_slow", 40_000),
    DemoMiner("rig_flaky", 80_000, flaky=True),
)
ONLINE_SECONDS = 240.0
OFFLINE_SECONDS = 420.0
"""Longer than the offline threshold (5 min), so the flaky rig is really seen going offline."""


async def run_demo(
    stop: asyncio.Event, data_dir: Path | None, stratum: str, duration: float | None
) -> None:
    """Run the demo pool and miners until `stop` is set or `duration` seconds have passed."""
    with contextlib.ExitStack() as stack:
        if data_dir is None:
            data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="minerpool-")))
        settings = load_settings({"data_dir": data_dir, "stratum": stratum})
        pool = Pool(settings)
        await pool.start()
        with contextlib.suppress(AccountExists):
            pool.accounts.create(DEMO_ACCOUNT, "local")
        url = f"stratum+tcp://127.0.0.1:{pool.stratum_port}"
        log.info("demo: %d miners mining to account %r at %s", len(DEMO_MINERS), DEMO_ACCOUNT, url)
        tasks = [asyncio.create_task(_mine(url, miner, stop)) for miner in DEMO_MINERS]
        try:
            await asyncio.wait_for(stop.wait(), duration)
        except TimeoutError:
            pass
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            await pool.stop()


async def _mine(url: str, spec: DemoMiner, stop: asyncio.Event) -> None:
    while not stop.is_set():
        miner = ReferenceMiner(url, f"{DEMO_ACCOUNT}.{spec.worker}", hashrate_limit=spec.hashrate)
        run = asyncio.create_task(miner.run())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), ONLINE_SECONDS if spec.flaky else None)
        miner.stop()
        await run
        if spec.flaky and not stop.is_set():
            log.info("demo: %s drops out for %.0f s", spec.worker, OFFLINE_SECONDS)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), OFFLINE_SECONDS)
