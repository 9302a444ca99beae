"""The ledger's tunables: one settings model, the ``[ledger]`` table of the pool's TOML file.

Every field carries the default the reference gives and why. The environment sets them as JSON
(``MINERPOOL_LEDGER='{"batch_interval": 0.2}'``); tests make the thresholds small.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.ledger.blocks import BLOCK_CONFIRMATIONS, ORPHAN_DEPTH
from backend.ledger.payouts import PAYOUT_CONFIRMATIONS
from backend.ledger.pplns import PPLNS_N
from backend.ledger.status import OFFLINE_AFTER, OFFLINE_INTERVALS
from backend.ledger.terms import FEE_WINDOW

PayoutStep = Literal["reserved", "sent", "recorded"]
"""Points of a payout at which ``fault_kill_at_payout`` kills the process: after the reservation
is committed, after the wallet sent (before the txid is recorded), after the txid is recorded."""


class LedgerSettings(BaseModel):
    """Share recording, block tracking, the daily close and payouts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    batch_interval: float = Field(default=1.0, gt=0, le=60)
    """Seconds a recorder batch stays open before it is written. It bounds what a crash loses
    (README "Crash window") and how stale the hashrate is; one write per second per stratum
    process keeps the database idle (Miningcore flushes its share buffer on a similar timer)."""

    batch_max_shares: int = Field(default=50_000, ge=1)
    """Shares after which a batch is sealed early: one second of the 50,000 shares/s the
    recorder is built for."""

    max_pending_batches: int = Field(default=8, ge=1)
    """Sealed batches that may wait for the database. Beyond it the recorder applies
    back-pressure: the stratum listener stops reading miners' sockets until the queue drains."""

    retry_delays: tuple[float, ...] = (0.5, 1.0, 2.0)
    """Waits between attempts to write one batch before it goes to the recovery file
    (security §2.2: Miningcore retries 3 times with exponential back-off, 2/4/8 s; ours are
    shorter because a batch covers one second, not a whole flush interval)."""

    breaker_seconds: float = Field(default=60.0, gt=0)
    """After a batch went to the recovery file, later batches go straight there for this long
    before the database is tried again (Miningcore's circuit breaker stays open 1 minute)."""

    block_confirmations: int = Field(default=BLOCK_CONFIRMATIONS, ge=1)
    """Confirmations after which a found block is confirmed (``ledger.blocks``: Core's coinbase
    maturity, 100)."""

    orphan_depth: int = Field(default=ORPHAN_DEPTH, ge=1)
    """Confirmations of a rival block at our height that make ours orphaned (``ledger.blocks``)."""

    tracker_interval: float = Field(default=10.0, gt=0)
    """Seconds between block-tracker polls of the chain (ckpool polls its node every 5-30 s)."""

    close_interval: float = Field(default=60.0, gt=0)
    """Seconds between checks for a UTC day to close."""

    close_delay: int = Field(default=900, ge=0)
    """Seconds after UTC midnight before the day is closed, so batches still on their way from
    other stratum processes (or a recovery file) land in it. Later ones go into the next day."""

    payout_interval: float = Field(default=600.0, gt=0)
    """Seconds between payout cycles (reconcile open payouts, then reserve and send due ones)."""

    payout_confirmations: int = Field(default=PAYOUT_CONFIRMATIONS, ge=1)
    """Confirmations after which a payout is final (``ledger.payouts``)."""

    pplns_n: int = Field(default=PPLNS_N, ge=1)
    """PPLNS window in multiples of the network difficulty (``ledger.pplns``: ckpool's 5)."""

    fee_window: int = Field(default=FEE_WINDOW, ge=1)
    """Heights whose template fees FPPS averages (``ledger.terms``)."""

    worker_offline_after: int = Field(default=OFFLINE_AFTER, ge=1)
    """Seconds without an accepted share after which a worker is offline, at the least
    (``ledger.status``: 5 minutes, reference §5.3)."""

    worker_offline_intervals: int = Field(default=OFFLINE_INTERVALS, ge=1)
    """Expected share intervals without a share after which a worker is offline
    (``ledger.status``: 10)."""

    fault_kill_at_payout: PayoutStep | None = None
    """Fault injection for crash tests only: kill this process (SIGKILL) at that payout step."""
