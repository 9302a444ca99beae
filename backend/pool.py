"""The composition root: builds the rooms from settings, wires them, starts and stops them.

One asyncio loop holds the chain (or the Core client), the job loop, the Stratum listener with its
share recorder, and the ledger's background jobs. ``settings.role`` picks what runs: ``all``
(everything), ``stratum`` (listener and recorder) or ``api`` (the ledger jobs). Nothing here
validates shares, speaks a protocol or writes SQL; it only connects the pieces that do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from backend.accounts.registry import AccountRegistry
from backend.activity import ShareTally
from backend.api.attach import attach_api
from backend.api.service import ApiService
from backend.bitcoin.address import decode_address
from backend.bitcoin.network import Network, network_by_name
from backend.candidates import BlockSubmitter
from backend.chain.source import ChainInfo, ChainUnavailable, TemplateSource
from backend.coinbase_address import pool_coinbase_address
from backend.config import PoolSettings
from backend.ledger.closing import DailyCloser
from backend.ledger.feed import EventFeed
from backend.ledger.jobs import LedgerJobs
from backend.ledger.payout_runner import PayoutRunner
from backend.ledger.recorder import ShareRecorder
from backend.ledger.recovery import RecoveryFile
from backend.ledger.rewards import pool_fee
from backend.ledger.sink import RecordingSink
from backend.ledger.status import StatusThresholds
from backend.ledger.terms import TermsTracker
from backend.ledger.tracker import BlockTracker
from backend.ledger.wallet import Wallet
from backend.mining.extranonce import ExtranonceAllocator
from backend.mining.jobs import JobBuilder, JobTable
from backend.mining.template import BlockTemplate
from backend.mining.vardiff import VardiffSettings
from backend.store.repository import Store, open_store
from backend.stratum.server import StratumServer

log = logging.getLogger("minerpool.pool")

T = TypeVar("T")

RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)
"""Back-off while the template source is down; the last job keeps being served meanwhile."""


class Pool:
    """A running pool: store, template source, jobs, the Stratum listener and the ledger."""

    def __init__(
        self,
        settings: PoolSettings,
        *,
        clock: Callable[[], float] = time.time,
        source: TemplateSource | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self._source = source
        self._tasks: list[asyncio.Task] = []
        self.store: Store | None = None
        self.server: StratumServer | None = None
        self.network: Network | None = None
        self.tally = ShareTally(clock)
        self.jobs = JobTable()
        self.accounts: AccountRegistry | None = None
        self.submitter: BlockSubmitter | None = None
        self.feed = EventFeed()
        """Live account events (worker, hashrate, block, reward, payout) for the API."""
        self.recorder: ShareRecorder | None = None
        """The share recorder (roles all and stratum)."""
        self.ledger: LedgerJobs | None = None
        """Block tracking, daily close and payouts (roles all and api)."""
        self.terms = TermsTracker(pool_fee(settings.pool_fee), settings.ledger.fee_window)
        self.api: ApiService | None = None
        """The HTTP API and metrics listeners (roles all and api)."""
        self._builder: JobBuilder | None = None
        self._template: BlockTemplate | None = None

    @property
    def source(self) -> TemplateSource:
        """Where templates come from; set once the pool has started."""
        assert self._source is not None, "pool not started"
        return self._source

    @property
    def stratum_port(self) -> int:
        """The port the Stratum listener actually bound (useful with port 0)."""
        assert self.server is not None, "pool not started"
        return self.server.port

    @property
    def status_thresholds(self) -> StatusThresholds:
        """The thresholds worker status is judged by (``backend.ledger.status``)."""
        ledger = self.settings.ledger
        return StatusThresholds(ledger.worker_offline_after, ledger.worker_offline_intervals)

    async def start(self) -> None:
        """Open the store and the chain, then start what the role runs."""
        settings = self.settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = await asyncio.to_thread(open_store, settings.database, settings.data_dir)
        if self._source is None:
            self._source = self._open_source()
        info = await self._retry(self.source.chain_info)
        self.network = network_by_name(info.chain)
        self.accounts = AccountRegistry(self.store, self.network, self.clock)
        if settings.role != "api":
            await self._start_stratum(info)
        if settings.role != "stratum":
            self.ledger = self._ledger_jobs()
            await self.ledger.start()
            self.api = await attach_api(self)

    async def _start_stratum(self, info: ChainInfo) -> None:
        settings = self.settings
        assert self.store is not None and self.accounts is not None
        address = settings.coinbase_address or self._default_coinbase_address()
        builder = JobBuilder(decode_address(address, self.network), settings.pool_tag.encode())
        self._builder = builder
        start, minimum, maximum = settings.difficulty_range
        self.submitter = BlockSubmitter(self.source, settings.data_dir / "candidates")
        recovery = RecoveryFile(settings.data_dir / f"recovery-{settings.instance_id}.jsonl")
        self.recorder = ShareRecorder(
            self.store,
            recovery,
            node=settings.instance_id,
            settings=settings.ledger,
            pplns=settings.reward_scheme == "pplns",
            clock=self.clock,
            feed=self.feed,
            on_pressure=self._pressure,
        )
        await self.recorder.start()
        sink = RecordingSink(
            self.tally.sink(self.submitter),
            self.recorder,
            node=settings.instance_id,
            clock=self.clock,
        )
        self.server = StratumServer(
            limits=settings.stratum_limits(),
            jobs=self.jobs,
            builder=builder,
            authorizer=self.accounts,
            sink=sink,
            watcher=sink,
            vardiff=VardiffSettings(
                target_interval=settings.share_interval, minimum=minimum, maximum=maximum
            ),
            start_difficulty=start,
            extranonces=ExtranonceAllocator(
                size=builder.extranonce1_size, instance_id=settings.instance_id
            ),
            clock=self.clock,
        )
        self._publish(await self._retry(self.source.get_template))
        host, port = settings.stratum_address
        await self.server.start(host, port)
        log.info(
            "pool up: chain %s height %d, stratum on %s:%d, coinbase to %s, store %s",
            info.chain,
            info.height,
            host,
            self.server.port,
            address,
            self.store.describe(),
        )
        await self.submitter.resubmit_pending()
        self._tasks = [
            asyncio.create_task(self._follow_templates(), name="templates"),
            asyncio.create_task(self.tally.report_every(60.0, self._miner_count), name="report"),
        ]

    def _ledger_jobs(self) -> LedgerJobs:
        settings = self.settings
        ledger = settings.ledger
        tracker = BlockTracker(
            self.store,
            self.source,
            settings=ledger,
            pplns=settings.reward_scheme == "pplns",
            pool_fee=self.terms.pool_fee,
            clock=self.clock,
            feed=self.feed,
        )
        closer = DailyCloser(self.store, close_delay=ledger.close_delay, feed=self.feed)
        wallet = self._wallet()
        payouts = None
        if wallet is not None:
            payouts = PayoutRunner(
                self.store,
                wallet,
                confirmations=ledger.payout_confirmations,
                clock=self.clock,
                feed=self.feed,
                kill_at=ledger.fault_kill_at_payout,
            )
        intervals = (ledger.tracker_interval, ledger.close_interval, ledger.payout_interval)
        return LedgerJobs(
            self.store, tracker, closer, payouts, intervals=intervals, clock=self.clock
        )

    def _wallet(self) -> Wallet | None:
        from backend.chain.bitcoind import BitcoindClient
        from backend.chain.embedded import EmbeddedSource

        source = self.source
        if isinstance(source, EmbeddedSource):
            from backend.ledger.wallet import EmbeddedWallet

            assert self.network is not None
            return EmbeddedWallet(source.chain, self.network)
        if isinstance(source, BitcoindClient):
            from backend.ledger.core_wallet import CoreWallet

            return CoreWallet(source)
        return None

    def _pressure(self, on: bool) -> None:
        if self.server is not None:
            if on:
                self.server.pause_reading()
            else:
                self.server.resume_reading()

    async def stop(self) -> None:
        """Tell miners to reconnect, write what was recorded, stop the loops and close."""
        if self.api is not None:
            await self.api.stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self.server is not None:
            await self.server.stop(reconnect=True)
        if self.recorder is not None:
            await self.recorder.stop()
        if self.ledger is not None:
            await self.ledger.stop()
        if self._source is not None:
            await self._source.close()
        if self.store is not None:
            self.store.close()
        log.info("pool stopped")

    def _miner_count(self) -> int:
        return self.server.session_count if self.server else 0

    def _open_source(self) -> TemplateSource:
        if self.settings.node is None:
            from backend.chain.embedded import EmbeddedChain, EmbeddedSource
            from backend.chain.params import ChainParams

            params = ChainParams(
                # Block times are whole seconds: the chain takes an integer interval.
                target_block_interval=max(1, round(self.settings.block_interval))
            )
            chain = EmbeddedChain(self.settings.data_dir / "chain", params, clock=self.clock)
            return EmbeddedSource(chain, owns_chain=True)
        from backend.chain.bitcoind import BitcoindClient

        return BitcoindClient(self.settings.node, cookie_file=self.settings.node_cookie)

    def _default_coinbase_address(self) -> str:
        if not self.settings.embedded:
            raise SystemExit("--coinbase-address is required with --node")
        assert self.network is not None
        return pool_coinbase_address(self.settings.data_dir, self.network)

    async def _retry(self, call: Callable[[], Awaitable[T]]) -> T:
        for attempt in range(len(RETRY_DELAYS) + 1):
            try:
                return await call()
            except ChainUnavailable as exc:
                if attempt == len(RETRY_DELAYS):
                    raise
                delay = RETRY_DELAYS[attempt]
                log.warning("template source unavailable (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    def _publish(self, template: BlockTemplate) -> None:
        assert self._builder is not None and self.server is not None
        previous = self._template
        clean = previous is None or template.prev_hash != previous.prev_hash
        now = self.clock()
        job = self._builder.build(template, clean=clean, now=now)
        self.jobs.add(job)
        self.jobs.prune(now)
        self._template = template
        if self.recorder is not None:
            # Shares judged from now on are paid by this template's terms (FPPS only).
            fpps = self.settings.reward_scheme == "fpps"
            self.recorder.set_terms(self.terms.observe(template) if fpps else None)
        if clean:
            log.info(
                "new tip: building on height %d (%d transactions), job %s",
                template.height,
                len(template.transactions),
                job.job_id,
            )
        self.server.broadcast(job)

    async def _follow_templates(self) -> None:
        failures = 0
        while True:
            assert self._template is not None
            try:
                template = await self.source.wait_for_template(
                    self._template.longpollid, self.settings.job_refresh
                )
            except ChainUnavailable as exc:
                delay = RETRY_DELAYS[min(failures, len(RETRY_DELAYS) - 1)]
                failures += 1
                log.warning("template source unavailable (%s); keeping the last job", exc)
                await asyncio.sleep(delay)
                continue
            failures = 0
            self._publish(template)


async def run_pool(settings: PoolSettings, stop: asyncio.Event) -> None:
    """Run a pool until `stop` is set (SIGINT/SIGTERM in the CLI)."""
    pool = Pool(settings)
    await pool.start()
    try:
        await stop.wait()
    finally:
        await pool.stop()
