"""The live feed: keeps the console's view of the pool fresh and reports it as messages.

It follows one account through the pool's event stream, falls back to polling when the stream is
missing or broken, refreshes every account's summary on a slower beat, and coalesces everything
into one `LiveUpdated` per UI tick, so a thousand worker events a second cost one table update.
Losing the pool is a state, not an error: the feed reports reconnecting / offline and retries
with exponential back-off and jitter (security-and-reliability.md §4.5: 1 s doubling, cap 30 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from textual.message import Message

from backend.api.schemas import (
    Interval,
    MinerHashrate,
    MinerHashratePoint,
    MinerStats,
    WatcherScope,
    WorkerRow,
)
from minerconsole.alerts import Alert, HashrateWatch, worker_alerts
from minerconsole.api import AccessDenied, ApiError, EventsUnsupported, PoolApi
from minerconsole.connection import ConnectionTracker
from minerconsole.events import decode_event
from minerconsole.messages import (
    AccountSummary,
    AccountsUpdated,
    AlertsRaised,
    LiveSnapshot,
    LiveUpdated,
    PoolEventReceived,
    ScopeLoaded,
)

ALL_PERMISSIONS = ("dashboard", "rewards", "workers")


@dataclass(frozen=True)
class LiveSettings:
    """Timing of the feed, in seconds."""

    tick: float = 1.0
    """UI tick: at most one update per tick reaches the screens."""
    poll: float = 5.0
    """Polling interval when the event stream is unavailable."""
    resync: float = 30.0
    """Full reload while streaming, to heal events a slow subscriber lost."""
    tick_reload: float = 5.0
    """While streaming, a hashrate tick from the pool reloads workers and stats at most this
    often: worker hashrates move with every tick, but only status changes come as events."""
    accounts_every: float = 15.0
    """Refresh of every account's summary (account list, hashrate thresholds)."""
    backoff_first: float = 1.0
    """First retry delay after a failure (security §4.5)."""
    backoff_cap: float = 30.0
    """Longest retry delay (security §4.5)."""
    offline_after: float = 15.0
    """Seconds of continuous failure before "reconnecting" becomes "offline"."""
    events_retry: float = 60.0
    """Seconds of polling before the event stream is tried again after it failed."""
    concurrency: int = 8
    """Requests in flight at once when loading many accounts."""


class LiveFeed:
    """Runs as one Textual worker (`run`); the screens steer it with `follow`, `set_interval`
    and `refresh`, and hear from it through the messages it posts."""

    def __init__(
        self,
        api: PoolApi,
        post: Callable[[Message], object],
        clock: Callable[[], float],
        thresholds: Callable[[str], float | None],
        settings: LiveSettings | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.api = api
        self.settings = settings or LiveSettings()
        self._post = post
        self._clock = clock
        self._thresholds = thresholds
        self.account: str | None = None
        self.interval: Interval = "1h"
        self.scope: WatcherScope | None = None
        self._workers: dict[str, WorkerRow] = {}
        self._changed: set[str] = set()
        self._removed: set[str] = set()
        self._stats: MinerStats | None = None
        self._series: MinerHashrate | None = None
        self._dirty = False
        self._alerts: list[Alert] = []
        self._watch = HashrateWatch()
        self.connection = ConnectionTracker(
            post,
            clock,
            backoff_first=self.settings.backoff_first,
            backoff_cap=self.settings.backoff_cap,
            offline_after=self.settings.offline_after,
            jitter=jitter,
        )
        self._follow_changed = asyncio.Event()
        self._reload = asyncio.Event()
        self._loaded_at = 0.0
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task] = set()

    # --- steering (called from screens) ------------------------------------------------------

    def follow(self, account: str | None) -> None:
        """Follow `account` from now on (None: follow nothing)."""
        if account == self.account:
            return
        self.account = account
        self._workers, self._changed, self._removed = {}, set(), set()
        self._stats, self._series, self._dirty = None, None, False
        self._loaded_at = 0.0
        self._follow_changed.set()

    def set_interval(self, interval: Interval) -> None:
        """Show the hashrate series at `interval` (5m, 1h, 24h); loads it right away."""
        if interval != self.interval:
            self.interval = interval
            if self.account is not None:
                self._spawn(self._load_series(self.account, interval))

    def refresh(self) -> None:
        """Reload everything now instead of at the next beat."""
        self._wake.set()

    @property
    def permissions(self) -> tuple[str, ...]:
        """What this caller may see (everything for an owner)."""
        return tuple(self.scope.permissions) if self.scope else ALL_PERMISSIONS

    # --- the worker ------------------------------------------------------------------------

    async def run(self) -> None:
        """Run until cancelled (the app cancels it on exit)."""
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._ticker())
                group.create_task(self._accounts_loop())
                group.create_task(self._follow_loop())
        finally:
            for task in list(self._tasks):
                await _cancel(task)

    async def prime(self) -> None:
        """Load everything once and flush, without the loops: tests call this instead of
        running the feed, so every screen has data at a moment they choose."""
        try:
            if self.scope is None:
                self.scope = await self.api.scope()
                self._post(ScopeLoaded(self.scope))
            self._post(AccountsUpdated(await self._load_accounts()))
            if self.account is not None:
                await self._load_snapshot(self.account)
        except ApiError as exc:
            self.connection.failed(exc)
        else:
            self.connection.succeeded()
        self.flush()

    def flush(self) -> None:
        """Post what accumulated since the last tick: alerts, then one coalesced update."""
        if self._alerts:
            self._post(AlertsRaised(tuple(self._alerts)))
            self._alerts = []
        if self._dirty and self.account is not None:
            snapshot = LiveSnapshot(
                account=self.account,
                workers=dict(self._workers),
                changed=frozenset(self._changed),
                removed=frozenset(self._removed),
                stats=self._stats,
                series=self._series,
                at=self.connection.current.data_at or self._clock(),
                workers_allowed="workers" in self.permissions,
            )
            self._changed, self._removed, self._dirty = set(), set(), False
            self._post(LiveUpdated(snapshot))

    async def _ticker(self) -> None:
        while True:
            await asyncio.sleep(self.settings.tick)
            self.flush()

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake early when `refresh` is called."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        self._wake.clear()

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- accounts ------------------------------------------------------------------------

    async def _accounts_loop(self) -> None:
        while True:
            try:
                if self.scope is None:
                    self.scope = await self.api.scope()
                    self._post(ScopeLoaded(self.scope))
                summaries = await self._load_accounts()
            except ApiError as exc:
                await self._sleep(self.connection.failed(exc))
                continue
            self.connection.succeeded()
            self._post(AccountsUpdated(summaries))
            for summary in summaries:
                if summary.stats is not None:
                    threshold = self._thresholds(summary.name)
                    alert = self._watch.check(
                        summary.name, summary.stats.hashrate5m, threshold, self._clock()
                    )
                    if alert is not None:
                        self._alerts.append(alert)
            await self._sleep(self.settings.accounts_every)

    async def _load_accounts(self) -> tuple[AccountSummary, ...]:
        if self.api.is_owner:
            names = [item.name for item in (await self.api.accounts()).data]
        else:
            names = list(self.scope.accounts if self.scope else ())
        gate = asyncio.Semaphore(self.settings.concurrency)
        permissions = self.permissions

        async def one(name: str) -> AccountSummary:
            stats = unpaid = None
            async with gate:
                with contextlib.suppress(AccessDenied):
                    if "dashboard" in permissions:
                        stats = await self.api.miner_stats(name)
                with contextlib.suppress(AccessDenied):
                    if "rewards" in permissions:
                        unpaid = (await self.api.rewards_stats(name)).unpaid
            return AccountSummary(name, stats, unpaid)

        return tuple(await asyncio.gather(*(one(name) for name in names)))

    # --- the followed account ----------------------------------------------------------------

    async def _follow_loop(self) -> None:
        task: asyncio.Task | None = None
        try:
            while True:
                self._follow_changed.clear()
                account = self.account
                if account is not None:
                    task = asyncio.get_running_loop().create_task(self._follow(account))
                await self._follow_changed.wait()
                await _cancel(task)
                task = None
        finally:
            # The feed is cancelled when the app exits: the follower must stop with it, or it
            # would go on calling a client the app has closed.
            await _cancel(task)

    async def _follow(self, account: str) -> None:
        loop = asyncio.get_running_loop()
        events_at = 0.0
        while True:
            try:
                await self._load_snapshot(account)
            except ApiError as exc:
                await self._sleep(self.connection.failed(exc))
                continue
            if loop.time() < events_at or "dashboard" not in self.permissions:
                self.connection.succeeded("polling")
                await self._sleep(self.settings.poll)
                continue
            try:
                await self._stream(account)
                # The pool closed the stream cleanly (a restart, a proxy timeout): reopen soon.
                await self._sleep(self.settings.backoff_first)
            except EventsUnsupported:
                events_at = loop.time() + self.settings.events_retry * 5
            except ApiError as exc:
                events_at = loop.time() + self.settings.events_retry
                self.connection.failed(exc)

    async def _stream(self, account: str) -> None:
        self.connection.succeeded("events")
        resync = asyncio.get_running_loop().create_task(self._resync(account))
        try:
            async for kind, data in self.api.events(account):
                self._apply_event(account, kind, data)
                self.connection.succeeded("events")
        finally:
            resync.cancel()
            await asyncio.gather(resync, return_exceptions=True)

    async def _resync(self, account: str) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._reload.wait(), self.settings.resync)
            self._reload.clear()
            with contextlib.suppress(ApiError):
                await self._load_snapshot(account)

    async def _load_snapshot(self, account: str) -> None:
        permissions = self.permissions

        async def nothing() -> None:
            return None

        stats, workers, series = await asyncio.gather(
            self.api.miner_stats(account) if "dashboard" in permissions else nothing(),
            self.api.workers(account) if "workers" in permissions else nothing(),
            self.api.miner_hashrate(account, self.interval)
            if "dashboard" in permissions
            else nothing(),
        )
        if account != self.account:
            return
        first = self._loaded_at == 0.0
        self._loaded_at = asyncio.get_running_loop().time()
        self._stats = stats
        if series is not None and series.interval == self.interval:
            self._series = series
        if workers is not None:
            self._apply_workers(account, workers.workers, complete=True)
        self._dirty = True
        self.connection.succeeded()
        if first:
            self.flush()  # a newly opened dashboard should not wait for the next tick

    async def _load_series(self, account: str, interval: Interval) -> None:
        with contextlib.suppress(ApiError):
            series = await self.api.miner_hashrate(account, interval)
            if account == self.account and interval == self.interval:
                self._series = series
                self._dirty = True
                self.flush()  # the user asked for it: show it now, not at the next tick

    def _apply_workers(self, account: str, rows: Iterable[WorkerRow], complete: bool) -> None:
        rows = list(rows)
        self._alerts.extend(worker_alerts(account, self._workers, rows, self._clock()))
        seen = set()
        for row in rows:
            seen.add(row.name)
            if self._workers.get(row.name) != row:
                self._workers[row.name] = row
                self._changed.add(row.name)
                self._removed.discard(row.name)
        if complete:
            for name in [name for name in self._workers if name not in seen]:
                del self._workers[name]
                self._changed.discard(name)
                self._removed.add(name)
        self._dirty = True

    def _apply_event(self, account: str, kind: str, data: dict) -> None:
        event = decode_event(kind, data)
        if event is None or account != self.account:
            return
        row = event.row
        if isinstance(row, WorkerRow):
            if "workers" in self.permissions:
                self._apply_workers(account, [row], complete=False)
        elif isinstance(row, MinerStats):
            self._stats, self._dirty = row, True
        elif isinstance(row, MinerHashratePoint):
            self._add_point(row)
            loop = asyncio.get_running_loop()
            if loop.time() - self._loaded_at >= self.settings.tick_reload:
                self._reload.set()
        else:
            self._post(PoolEventReceived(account, event))

    def _add_point(self, point: MinerHashratePoint) -> None:
        """A hashrate tick extends the 5-minute series in place (other intervals reload)."""
        series = self._series
        if series is None or series.interval != "5m":
            return
        points = [p for p in series.points if p.timestamp != point.timestamp] + [point]
        points.sort(key=lambda p: p.timestamp)
        self._series = MinerHashrate(interval="5m", points=points[-len(series.points) or None :])
        self._dirty = True


async def _cancel(task: asyncio.Task | None) -> None:
    """Cancel `task` and wait until it has stopped."""
    if task is not None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
