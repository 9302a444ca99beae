"""Pool overview: pool hashrate, blocks found, network difficulty, stratum URLs."""

from __future__ import annotations

import asyncio

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from minerconsole.api import ApiError
from minerconsole.formatting import safe_text
from minerconsole.screens.base import ConsoleScreen
from minerconsole.widgets.pool_panel import PoolPanel


class PoolScreen(ConsoleScreen):
    """Public numbers: every caller (owner or watcher) may see them."""

    BINDINGS = [Binding("r", "reload", "Refresh", tooltip="Reload the pool numbers", id="refresh")]

    def compose_body(self) -> ComposeResult:
        yield Static("Pool", classes="screen-title")
        yield PoolPanel(self.console.clock, id="pool")
        yield Static(id="problem", classes="problem")

    def on_mount(self) -> None:
        super().on_mount()
        self.sub_title = "pool"
        self._load()

    @work(exclusive=True, exit_on_error=False, group="pool")
    async def _load(self) -> None:
        api = self.console.api
        problem = self.query_one("#problem", Static)
        stats, overview = await asyncio.gather(
            api.pool_stats(), api.pool_overview(), return_exceptions=True
        )
        failures = [r for r in (stats, overview) if isinstance(r, BaseException)]
        for failure in failures:
            if not isinstance(failure, ApiError):
                raise failure
        problem.update(safe_text(f"Partly loaded: {failures[0]}", 120) if failures else "")
        self.query_one(PoolPanel).show(
            None if isinstance(stats, BaseException) else stats,
            None if isinstance(overview, BaseException) else overview,
        )

    def action_reload(self) -> None:
        self._load()
