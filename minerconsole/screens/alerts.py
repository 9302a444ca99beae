"""Alerts raised since the console started: workers going offline or low, hashrate thresholds."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from minerconsole.alerts import Alert
from minerconsole.screens.base import ConsoleScreen
from minerconsole.widgets.alerts_table import AlertsTable


class AlertsScreen(ConsoleScreen):
    """The alerts list, newest first, updated as alerts arrive."""

    def compose_body(self) -> ComposeResult:
        yield Static("Alerts", classes="screen-title")
        yield AlertsTable(id="alerts")

    def on_mount(self) -> None:
        super().on_mount()
        self.sub_title = "alerts"
        self._show(self.console.alerts)
        self.console.alerts_signal.subscribe(self, self._show)
        self.query_one(AlertsTable).focus()

    def _show(self, alerts: list[Alert]) -> None:
        self.query_one(AlertsTable).show(list(alerts))
