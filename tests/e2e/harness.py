"""Helpers for end-to-end tests: fast settings, waiting on conditions, running miners."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable

from backend.miner.client import ReferenceMiner

FAST = {
    "stratum": "127.0.0.1:0",
    "start_difficulty": 1e-5,
    "min_difficulty": 1e-5,
    "max_difficulty": 1e-5,
    "log_level": "warning",
    "api": "127.0.0.1:0",
    "metrics": "127.0.0.1:0",
}
"""A fixed share difficulty of 1e-5 (about 43,000 hashes a share) keeps tests at CPU speed."""


async def eventually(condition: Callable[[], bool], within: float = 30.0) -> None:
    """Wait until `condition()` holds, checking often; fail the test after `within` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within}s")
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def miners(port: int, users: list[str], **options) -> AsyncIterator[list[ReferenceMiner]]:
    """Run one reference miner per user against 127.0.0.1:`port` for the block's duration."""
    running = [ReferenceMiner(f"stratum+tcp://127.0.0.1:{port}", user, **options) for user in users]
    tasks = [asyncio.create_task(miner.run()) for miner in running]
    try:
        yield running
    finally:
        for miner in running:
            miner.stop()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 10)
