"""One worker in detail: its facts and its own hashrate sparkline."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from backend.api.schemas import Interval
from minerconsole.api import ApiError
from minerconsole.formatting import display_safe, safe_text
from minerconsole.messages import LiveSnapshot
from minerconsole.screens.base import ConsoleScreen
from minerconsole.widgets.hashrate_chart import INTERVALS, HashrateChart
from minerconsole.widgets.worker_panel import WorkerPanel


class WorkerDetailScreen(ConsoleScreen):
    """Live facts from the followed account's updates; the series loads on open and on switch."""

    BINDINGS = [
        Binding("i", "cycle_interval", "5m/1h/24h", tooltip="Sparkline interval", id="interval"),
        Binding("r", "reload", "Refresh", tooltip="Reload the worker's series", id="refresh"),
    ]

    def __init__(self, account: str, worker: str) -> None:
        super().__init__()
        self.account = account
        self.worker = worker
        self.interval: Interval = "1h"

    def compose_body(self) -> ComposeResult:
        yield WorkerPanel(self.console.clock, id="worker")
        yield HashrateChart("Worker hashrate", id="worker-chart")
        yield Static(id="problem", classes="problem")

    def on_mount(self) -> None:
        super().on_mount()
        self.sub_title = f"{self.account} · {display_safe(self.worker, 32)}"
        snapshot = self.console.snapshot
        if snapshot is not None:
            self._show(snapshot)
        self.console.live_signal.subscribe(self, self._show)
        self._load()

    def _show(self, snapshot: LiveSnapshot) -> None:
        if snapshot.account == self.account:
            self.query_one(WorkerPanel).show(snapshot.workers.get(self.worker))

    @work(exclusive=True, exit_on_error=False, group="worker-series")
    async def _load(self) -> None:
        problem = self.query_one("#problem", Static)
        try:
            series = await self.console.api.worker_hashrate(
                self.account, self.worker, self.interval
            )
        except ApiError as exc:
            problem.update(safe_text(f"Could not load the series: {exc}", 120))
            return
        problem.update("")
        values = [point.hashrate for point in series.points]
        self.query_one(HashrateChart).show(values, self.interval)

    def action_cycle_interval(self) -> None:
        self.interval = INTERVALS[(INTERVALS.index(self.interval) + 1) % len(INTERVALS)]
        self._load()

    def action_reload(self) -> None:
        self._load()
