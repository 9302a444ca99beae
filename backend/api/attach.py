"""Attaching the API to a running pool: its facts read off the pool's rooms, then the service.

Kept out of `pool.py` so the composition root only says *that* the API runs. The pool's rooms are
read by attribute, each optional, so every role works: with `--role api` there is no stratum
listener (counters read zero) and no in-process feed (event streams poll the store).

Read from the pool: `settings`, `store`, `accounts`, `network`, `source`, `jobs`, and when they
exist `server` (stratum), `tally` (share counts), `recorder` (ledger queue), `feed` (live events)
and `terms` (the FPPS terms tracker).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from backend.api.facts import PoolFacts
from backend.api.service import ApiService, url_host
from backend.config import parse_host_port
from backend.ledger.buckets import HASHES_PER_DIFFICULTY
from backend.ledger.status import StatusThresholds

log = logging.getLogger("minerpool.api")

BITCOIN_BLOCK_INTERVAL = 600.0
"""Block interval for network hashrate on Bitcoin Core's chains (the embedded chain has its own)."""


def pool_facts(pool: Any) -> PoolFacts:
    """The PoolFacts of `pool` (module docstring)."""
    settings = pool.settings

    def stratum_urls() -> list[str]:
        if settings.stratum_urls:
            return list(settings.stratum_urls)
        host, port = settings.stratum_address
        server = getattr(pool, "server", None)
        if server is not None and server.port:
            port = server.port
        return [f"stratum+tcp://{url_host(host)}:{port}"]

    def connections() -> int:
        server = getattr(pool, "server", None)
        return server.session_count if server is not None else 0

    def accepted() -> int:
        tally = getattr(pool, "tally", None)
        return tally.accepted if tally is not None else 0

    def rejected() -> Mapping[str, int]:
        tally = getattr(pool, "tally", None)
        return dict(tally.rejected) if tally is not None else {}

    def blocks() -> int:
        tally = getattr(pool, "tally", None)
        return tally.blocks_found if tally is not None else 0

    sampled = [time.monotonic(), 0.0]

    def hashrate() -> float:
        # Accepted difficulty since the previous scrape, as H/s (the tally keeps a running sum).
        tally = getattr(pool, "tally", None)
        if tally is None:
            return 0.0
        now, total = time.monotonic(), tally.accepted_difficulty
        elapsed, done = now - sampled[0], total - sampled[1]
        sampled[0], sampled[1] = now, total
        return done * HASHES_PER_DIFFICULTY / elapsed if elapsed > 0 else 0.0

    def template_age() -> float | None:
        current = pool.jobs.current if getattr(pool, "jobs", None) is not None else None
        return None if current is None else max(pool.clock() - current.created_at, 0.0)

    def ledger_queue() -> int:
        recorder = getattr(pool, "recorder", None)
        return int(recorder.pending) if recorder is not None else 0

    def terms():
        tracker = getattr(pool, "terms", None)
        return getattr(tracker, "current", None)

    fee = getattr(settings, "pool_fee", Decimal("2.5"))
    scheme = str(getattr(settings, "reward_scheme", "fpps")).upper()
    interval = settings.block_interval if settings.embedded else BITCOIN_BLOCK_INTERVAL
    return PoolFacts(
        chain_info=lambda: pool.source.chain_info(),
        stratum_urls=stratum_urls,
        reward_scheme=scheme,
        pool_fee_pct=format(Decimal(fee).normalize(), "f"),
        block_interval=interval,
        connections=connections,
        shares_accepted=accepted,
        shares_rejected=rejected,
        blocks_found=blocks,
        hashrate=hashrate,
        template_age=template_age,
        ledger_queue=ledger_queue,
        fpps_terms=terms,
    )


async def attach_api(pool: Any) -> ApiService:
    """Start the API (and metrics) for `pool`; returns the running service."""
    settings = pool.settings
    ledger = getattr(settings, "ledger", None)
    thresholds = None
    if ledger is not None:
        thresholds = StatusThresholds(
            offline_after=ledger.worker_offline_after,
            offline_intervals=ledger.worker_offline_intervals,
        )
    service = ApiService(
        store=pool.store,
        accounts=pool.accounts,
        network=pool.network,
        facts=pool_facts(pool),
        data_dir=settings.data_dir,
        limits=settings.api_limits_in_force(),
        public_url=settings.public_url,
        master_key_file=settings.api_secret_key,
        feed=getattr(pool, "feed", None),
        thresholds=thresholds,
        access_log=settings.log_level == "debug",
        clock=pool.clock,
    )
    metrics = parse_host_port(settings.metrics) if settings.metrics else None
    await service.start(parse_host_port(settings.api), metrics)
    return service
