"""The console app: composes the screens and routes messages between them and the live feed.

No IO and no formatting here. `make_app` is the one factory the CLI, the tests and the benchmark
build the app with (STYLE rule 15): they differ only in the `PoolApi` and clock they pass.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from textual import on
from textual.app import App
from textual.binding import Binding
from textual.content import Content
from textual.signal import Signal
from textual.theme import Theme

from backend.bitcoin.network import MAINNET, Network
from minerconsole.alerts import Alert
from minerconsole.api import PoolApi
from minerconsole.commands import BindingCommands
from minerconsole.formatting import header_title
from minerconsole.live import LiveFeed, LiveSettings
from minerconsole.messages import (
    AccountChosen,
    AccountSummary,
    AccountsUpdated,
    AlertsRaised,
    Connection,
    ConnectionChanged,
    LiveSnapshot,
    LiveUpdated,
    PoolEventReceived,
    ScopeLoaded,
    ThresholdSet,
)
from minerconsole.preferences import PreferencesStore
from minerconsole.screens.accounts import AccountsScreen
from minerconsole.screens.alerts import AlertsScreen
from minerconsole.screens.dashboard import DashboardScreen
from minerconsole.screens.help import HelpScreen
from minerconsole.screens.pool import PoolScreen
from minerconsole.theming import THEMES_DIR, load_themes, pick_theme, role_defaults

ALERTS_KEPT = 500
"""Alerts kept in the alerts list; older ones fall off."""

EVENT_NOTICES = {"block": "Block event", "reward": "New reward", "payout": "Payout update"}


class MinerConsole(App):
    """The minerconsole app. Screens reach the pool through `api` (in workers) and the live
    data through the signals below; they get the clock and network from here too."""

    CSS_PATH = "app.tcss"
    TITLE = "minerconsole"
    COMMANDS = App.COMMANDS | {BindingCommands}
    # Shown on every screen's footer, so only the keys worth their room at 80 columns; the theme
    # key is in the help screen and the palette (commands.listed).
    BINDINGS = [
        Binding("question_mark", "help", "Help", tooltip="Keys and what they do", id="help"),
        Binding("A", "alerts", "Alerts", tooltip="Alerts raised so far", id="alerts"),
        Binding("P", "pool", "Pool", tooltip="Pool overview", id="pool"),
        Binding(
            "ctrl+t", "change_theme", "Theme", tooltip="Pick a colour theme", id="theme", show=False
        ),
    ]

    def __init__(
        self,
        api: PoolApi,
        *,
        clock: Callable[[], float],
        preferences: PreferencesStore,
        themes: Iterable[Theme],
        network: Network,
        live: LiveSettings | None,
        notices: Iterable[str] = (),
        jitter: Callable[[], float] = random.random,
    ) -> None:
        super().__init__()
        self.api = api
        self.clock = clock
        self.preferences = preferences
        self.network = network
        self.live_settings = live
        self.feed = LiveFeed(api, self.post_message, clock, preferences.threshold, live, jitter)
        self.connection = Connection("connecting")
        self.accounts: tuple[AccountSummary, ...] | None = None
        self.snapshot: LiveSnapshot | None = None
        self.alerts: list[Alert] = []
        self._notices = list(notices)
        self.connection_signal: Signal[Connection] = Signal(self, "connection")
        self.accounts_signal: Signal[tuple[AccountSummary, ...]] = Signal(self, "accounts")
        self.live_signal: Signal[LiveSnapshot] = Signal(self, "live")
        self.alerts_signal: Signal[list[Alert]] = Signal(self, "alerts")
        self.pool_event_signal: Signal[PoolEventReceived] = Signal(self, "pool-event")
        self.scope_signal: Signal[None] = Signal(self, "scope")
        for theme in themes:
            self.register_theme(theme)
        name, problem = pick_theme(preferences.current.theme, self.available_themes)
        if problem:
            self._notices.append(problem)
        self.theme = name

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """The console's colour roles (`$share-accepted` ...), derived from the theme's colours
        unless the theme file sets them."""
        return role_defaults(self.current_theme)

    def format_title(self, title: str, sub_title: str) -> Content:
        """The header's text: `minerconsole · alice_farm`."""
        return header_title(title, sub_title)

    def watch_theme(self, name: str) -> None:
        self.preferences.set_theme(name)

    def on_mount(self) -> None:
        self.push_screen(AccountsScreen())
        for notice in self._notices:
            self.notify(notice, severity="warning", timeout=8)
        if self.live_settings is not None:
            self.run_worker(self.feed.run(), name="live", group="live", exit_on_error=False)

    async def on_unmount(self) -> None:
        await self.api.close()

    @property
    def permissions(self) -> tuple[str, ...]:
        """What this connection may see (watcher links are limited)."""
        return self.feed.permissions

    # --- routing of the feed's messages ------------------------------------------------------

    def on_connection_changed(self, message: ConnectionChanged) -> None:
        self.connection = message.connection
        self.connection_signal.publish(message.connection)

    def on_scope_loaded(self, message: ScopeLoaded) -> None:
        self.scope_signal.publish(None)

    def on_accounts_updated(self, message: AccountsUpdated) -> None:
        self.accounts = message.accounts
        self.accounts_signal.publish(message.accounts)

    def on_live_updated(self, message: LiveUpdated) -> None:
        self.snapshot = message.snapshot
        self.live_signal.publish(message.snapshot)

    def on_alerts_raised(self, message: AlertsRaised) -> None:
        for alert in message.alerts:
            self.notify(
                f"{alert.account}: {alert.subject} {alert.detail}",
                title="Alert",
                severity="warning" if alert.kind != "worker_offline" else "error",
                markup=False,
            )
        self.alerts[:0] = reversed(message.alerts)
        del self.alerts[ALERTS_KEPT:]
        self.alerts_signal.publish(self.alerts)

    def on_pool_event_received(self, message: PoolEventReceived) -> None:
        title = EVENT_NOTICES.get(message.event.kind, "Event")
        self.notify(f"{title} for {message.account}", title=title, markup=False)
        self.pool_event_signal.publish(message)

    # --- routing of the screens' messages ------------------------------------------------------

    def on_account_chosen(self, message: AccountChosen) -> None:
        self.snapshot = None
        self.feed.follow(message.account)
        self.push_screen(DashboardScreen(message.account))

    def on_threshold_set(self, message: ThresholdSet) -> None:
        self.preferences.set_threshold(message.account, message.threshold)
        self.feed.refresh()

    @on(DashboardScreen.Left)
    def _dashboard_left(self) -> None:
        self.feed.follow(None)

    # --- actions ---------------------------------------------------------------------------

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_alerts(self) -> None:
        if not isinstance(self.screen, AlertsScreen):
            self.push_screen(AlertsScreen())

    def action_pool(self) -> None:
        if not isinstance(self.screen, PoolScreen):
            self.push_screen(PoolScreen())


def make_app(
    api: PoolApi,
    *,
    clock: Callable[[], float] = time.time,
    preferences: PreferencesStore | None = None,
    network: Network = MAINNET,
    theme_dirs: Iterable[Path] = (THEMES_DIR,),
    live: LiveSettings | None = None,
    follow_live: bool = True,
    jitter: Callable[[], float] = random.random,
) -> MinerConsole:
    """Build the console. `follow_live=False` builds it without starting the live feed (tests
    drive the feed themselves with `app.feed.prime()`); `live` tunes the feed's timing; `jitter`
    (0..1) spreads retries, and is fixed in tests so the status line is deterministic."""
    themes, problems = load_themes(theme_dirs)
    return MinerConsole(
        api,
        clock=clock,
        preferences=preferences or PreferencesStore(None),
        themes=themes,
        network=network,
        live=(live or LiveSettings()) if follow_live else None,
        notices=problems,
        jitter=jitter,
    )
