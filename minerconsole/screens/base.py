"""What every full screen of the console shares: header, status line, footer, and typed access
to the app."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Header

from minerconsole.messages import Connection
from minerconsole.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from minerconsole.app import MinerConsole


class ConsoleScreen(Screen):
    """A full screen: subclasses yield their body from `compose_body`."""

    BINDINGS = [
        Binding("escape", "back", "Back", tooltip="Back to the previous screen", id="back"),
    ]

    @property
    def console(self) -> MinerConsole:
        """The app, typed."""
        return cast("MinerConsole", self.app)

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(classes="body"):
            yield from self.compose_body()
        yield StatusLine(self.console.clock, self.console.api.base_url)
        yield Footer(compact=True)

    def compose_body(self) -> ComposeResult:
        """The screen's own widgets, between the header and the status line."""
        yield from ()

    def on_mount(self) -> None:
        status = self.query_one(StatusLine)
        status.connection = self.console.connection
        self.console.connection_signal.subscribe(self, self._connection_changed)

    def _connection_changed(self, connection: Connection) -> None:
        # Only the visible screen redraws; a screen underneath catches up when it returns.
        if self.is_current:
            self.query_one(StatusLine).connection = connection

    def on_screen_resume(self) -> None:
        self.query_one(StatusLine).connection = self.console.connection

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return len(self.app.screen_stack) > 2
        return True

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()


class ConsoleModal(ModalScreen):
    """A modal dialog: Escape cancels (dismisses with None)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without changes", id="cancel")]

    @property
    def console(self) -> MinerConsole:
        """The app, typed."""
        return cast("MinerConsole", self.app)

    def action_cancel(self) -> None:
        self.dismiss(None)
