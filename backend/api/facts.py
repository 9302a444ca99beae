"""What the API reads from the running pool besides the store: its public settings, the chain,
and live counters for the metrics.

`pool.py` fills one `PoolFacts` from its rooms; tests fill one by hand. With `--role api` (no
stratum in the process) the live counters read zero and the chain comes from the template source
the API process opens.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from backend.chain.source import ChainInfo
from backend.ledger.rewards import FppsTerms

CHAIN_INFO_SECONDS = 5.0
"""How long one answer from the chain is reused: Core's RPC is not free, and the tip moves every
~10 minutes on mainnet."""


def _zero() -> int:
    return 0


def _none() -> float | None:
    return None


def _no_rejects() -> Mapping[str, int]:
    return {}


def _no_terms() -> FppsTerms | None:
    return None


@dataclass
class PoolFacts:
    """The pool as the API sees it."""

    chain_info: Callable[[], Awaitable[ChainInfo]]
    """The chain's current state (height, difficulty, tip)."""
    stratum_urls: Callable[[], list[str]]
    """Where miners connect (`stratum+tcp://HOST:PORT`), for the overview and miners/info."""
    reward_scheme: str = "FPPS"
    """`FPPS` or `PPLNS`."""
    pool_fee_pct: str = "2.5"
    """The pool fee in percent, as text (exact)."""
    location: str = "global"
    """The overview's `location` (whitebit-v4 §6.1)."""
    block_interval: float = 600.0
    """Target seconds between blocks, to turn network difficulty into network hashrate."""
    connections: Callable[[], int] = _zero
    """Open stratum connections in this process."""
    shares_accepted: Callable[[], int] = _zero
    """Accepted shares since start (this process)."""
    shares_rejected: Callable[[], Mapping[str, int]] = _no_rejects
    """Rejected shares since start by reason (`RejectReason` values)."""
    blocks_found: Callable[[], int] = _zero
    """Block candidates found since start."""
    hashrate: Callable[[], float] = field(default=lambda: 0.0)
    """The pool's current hashrate in H/s as this process measures it."""
    template_age: Callable[[], float | None] = _none
    """Seconds since the current block template arrived; None before the first."""
    ledger_queue: Callable[[], int] = _zero
    """Share events waiting for the ledger recorder."""
    fpps_terms: Callable[[], FppsTerms | None] = _no_terms
    """The FPPS terms shares are paid by now; None when this process mines nothing (the API
    then derives them from the chain)."""
    _cached: tuple[float, ChainInfo] | None = field(default=None, init=False, repr=False)
    _lock: asyncio.Lock | None = field(default=None, init=False, repr=False)

    async def chain(self) -> ChainInfo:
        """`chain_info()`, reused for `CHAIN_INFO_SECONDS`; one call in flight at a time."""
        now = time.monotonic()
        if self._cached is not None and now - self._cached[0] < CHAIN_INFO_SECONDS:
            return self._cached[1]
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._cached is not None and time.monotonic() - self._cached[0] < CHAIN_INFO_SECONDS:
                return self._cached[1]
            info = await self.chain_info()
            self._cached = (time.monotonic(), info)
            return info
