"""The reference CPU miner: Stratum V1 the way cpuminer speaks it (stratum reference §7).

Used by the demo, the end-to-end tests and ``minerpool miner``. Two ways in:

- ``ReferenceMiner(url, user, ...)``: ``await miner.run()`` until ``miner.stop()``; ``miner.stats``
  holds live totals.
- ``await run_miner(url, user, ..., stop=event)``: the same, stopped by an ``asyncio.Event``.

Modules by noun: ``job`` (notify → work → header), ``cursor`` (disjoint chunks of the search
space), ``hashing`` (the sha256d scan and its worker pool), ``throttle`` (hash-rate limit),
``connection`` (JSON lines over TCP), ``session`` (one stratum session), ``client`` (the miner,
with reconnection), ``events`` (events and stats), ``settings``, ``cli``.
"""

from backend.miner.cli import main
from backend.miner.client import ReferenceMiner, run_miner
from backend.miner.events import (
    Connected,
    DifficultyChanged,
    Disconnected,
    JobReceived,
    MinerEvent,
    MinerStats,
    PoolMessage,
    Share,
    ShareAccepted,
    ShareRejected,
    ShareSubmitted,
)
from backend.miner.settings import MinerSettings

__all__ = [
    "Connected",
    "DifficultyChanged",
    "Disconnected",
    "JobReceived",
    "MinerEvent",
    "MinerSettings",
    "MinerStats",
    "PoolMessage",
    "ReferenceMiner",
    "Share",
    "ShareAccepted",
    "ShareRejected",
    "ShareSubmitted",
    "main",
    "run_miner",
]
