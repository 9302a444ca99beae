"""An account's dashboard: stat tiles, the hashrate sparkline and the live workers table."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input, Static

from minerconsole.messages import LiveSnapshot, ThresholdSet
from minerconsole.screens.base import ConsoleScreen
from minerconsole.screens.payout import PayoutScreen
from minerconsole.screens.rewards import RewardsScreen
from minerconsole.screens.threshold import ThresholdScreen
from minerconsole.screens.watchers import WatchersScreen
from minerconsole.screens.worker_detail import WorkerDetailScreen
from minerconsole.widgets.account_tiles import AccountTiles
from minerconsole.widgets.filter_bar import FilterBar
from minerconsole.widgets.hashrate_chart import INTERVALS, HashrateChart
from minerconsole.widgets.workers_table import SORT_KEYS, STATUS_FILTERS, WorkersTable

AGE_REFRESH = 2.0
"""Seconds between redraws of the "last share" ages: every second would redraw a screenful of
rows each second for a change of one in the last digit (about half the console's idle CPU)."""


class DashboardScreen(ConsoleScreen):
    """Follows one account live. The table keeps its cursor on the same worker through updates."""

    # The footer shows the keys used most that fit 80 columns beside the app's; the others
    # (show=False) are in the help screen and the command palette (commands.listed).
    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", tooltip="Filter workers by name", id="filter"),
        Binding("f", "cycle_status", "Status", tooltip="Show all/online/low/offline", id="status"),
        Binding("s", "cycle_sort", "Sort", tooltip="Sort by the next column", id="sort"),
        Binding(
            "S",
            "reverse_sort",
            "Reverse",
            tooltip="Reverse the sort order",
            id="reverse",
            show=False,
        ),
        Binding(
            "i",
            "cycle_interval",
            "5m/1h/24h",
            tooltip="Sparkline interval",
            id="interval",
            show=False,
        ),
        Binding(
            "d",
            "open_worker",
            "Detail",
            tooltip="Worker detail (or Enter)",
            id="worker",
            show=False,
        ),
        Binding("w", "rewards", "Rewards", tooltip="Rewards and payouts", id="rewards"),
        Binding(
            "e", "payout", "Payout", tooltip="Edit the payout destination", id="payout", show=False
        ),
        Binding("l", "links", "Links", tooltip="Watcher links", id="links", show=False),
        Binding(
            "t",
            "threshold",
            "Threshold",
            tooltip="Hashrate alert threshold",
            id="threshold",
            show=False,
        ),
        Binding("r", "refresh", "Refresh", tooltip="Reload now", id="refresh", show=False),
    ]

    class Left(Message):
        """The dashboard was closed: stop following its account."""

    def __init__(self, account: str) -> None:
        super().__init__()
        self.account = account
        self.status_filter = "all"
        self.sort_key = "name"
        self.reverse = False
        self.name_filter = ""

    def compose_body(self) -> ComposeResult:
        yield AccountTiles(id="tiles")
        yield HashrateChart(id="chart")
        yield FilterBar(id="filter-bar")
        yield WorkersTable(self.console.clock, id="workers")
        yield Static(id="no-workers", classes="notice")

    def on_mount(self) -> None:
        super().on_mount()
        self.sub_title = self.account
        allowed = "workers" in self.console.permissions
        self.query_one(WorkersTable).display = allowed
        self.query_one(FilterBar).display = allowed
        notice = self.query_one("#no-workers", Static)
        notice.display = not allowed
        notice.update("This watcher link does not include workers.")
        self.query_one(WorkersTable).focus()
        snapshot = self.console.snapshot
        if snapshot is not None and snapshot.account == self.account:
            self._show(snapshot)
        self.console.live_signal.subscribe(self, self._show)
        self.set_interval(AGE_REFRESH, self.query_one(WorkersTable).refresh_ages)
        self._describe()

    def on_unmount(self) -> None:
        self.app.post_message(self.Left())

    def _show(self, snapshot: LiveSnapshot) -> None:
        if snapshot.account != self.account:
            return
        self.query_one(AccountTiles).show(snapshot.stats)
        if snapshot.series is not None:
            values = [point.hashrate for point in snapshot.series.points]
            self.query_one(HashrateChart).show(values, snapshot.series.interval)
        table = self.query_one(WorkersTable)
        table.show(snapshot.workers, snapshot.changed, snapshot.removed)
        self._describe()

    def _describe(self) -> None:
        table = self.query_one(WorkersTable)
        self.query_one(FilterBar).describe(
            self.status_filter, self.sort_key, self.reverse, table.row_count, len(table.worker_rows)
        )

    def _apply_view(self) -> None:
        self.query_one(WorkersTable).set_view(
            self.name_filter, self.status_filter, self.sort_key, self.reverse
        )
        self._describe()

    # --- routing ---------------------------------------------------------------------------

    def on_filter_bar_name_changed(self, message: FilterBar.NameChanged) -> None:
        self.name_filter = message.text
        self._apply_view()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one(WorkersTable).focus()

    def on_workers_table_worker_chosen(self, message: WorkersTable.WorkerChosen) -> None:
        self.app.push_screen(WorkerDetailScreen(self.account, message.name))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        permissions = self.console.permissions
        if action in {"payout", "links"}:
            return self.console.api.is_owner
        if action == "rewards":
            return "rewards" in permissions
        if action in {"focus_filter", "cycle_status", "cycle_sort", "reverse_sort", "open_worker"}:
            return "workers" in permissions
        return super().check_action(action, parameters)

    # --- actions ---------------------------------------------------------------------------

    def action_back(self) -> None:
        if isinstance(self.focused, Input):
            self.query_one(WorkersTable).focus()
            return
        super().action_back()

    def action_focus_filter(self) -> None:
        self.query_one("#name-filter", Input).focus()

    def action_cycle_status(self) -> None:
        index = STATUS_FILTERS.index(self.status_filter)
        self.status_filter = STATUS_FILTERS[(index + 1) % len(STATUS_FILTERS)]
        self._apply_view()

    def action_cycle_sort(self) -> None:
        self.sort_key = SORT_KEYS[(SORT_KEYS.index(self.sort_key) + 1) % len(SORT_KEYS)]
        self._apply_view()

    def action_reverse_sort(self) -> None:
        self.reverse = not self.reverse
        self._apply_view()

    def action_cycle_interval(self) -> None:
        feed = self.console.feed
        feed.set_interval(INTERVALS[(INTERVALS.index(feed.interval) + 1) % len(INTERVALS)])

    def action_open_worker(self) -> None:
        name = self.query_one(WorkersTable).selected_worker
        if name is not None:
            self.app.push_screen(WorkerDetailScreen(self.account, name))

    def action_rewards(self) -> None:
        self.app.push_screen(RewardsScreen(self.account))

    def action_payout(self) -> None:
        self.app.push_screen(PayoutScreen(self.account))

    def action_links(self) -> None:
        self.app.push_screen(WatchersScreen(self.account))

    def action_threshold(self) -> None:
        current = self.console.preferences.threshold(self.account)

        def chosen(value: float | bool | None) -> None:
            if value is not False:
                self.app.post_message(ThresholdSet(self.account, value or None))

        self.app.push_screen(ThresholdScreen(self.account, current), chosen)

    def action_refresh(self) -> None:
        self.console.feed.refresh()
