"""A new watcher link, shown this once, with a copy action (OSC 52 clipboard)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Static

from minerconsole.formatting import display_safe, format_time
from minerconsole.screens.base import ConsoleModal


class WatcherLinkScreen(ConsoleModal):
    """The link carries its token: it is never shown again after this dialog closes."""

    BINDINGS = [
        Binding("c", "copy", "Copy", tooltip="Copy the link to the clipboard (OSC 52)", id="copy"),
        Binding("enter", "cancel", "Done", tooltip="Close", id="done"),
    ]

    def __init__(self, link: str, live_until: int | None) -> None:
        super().__init__()
        self.link = link
        self.live_until = live_until

    def compose(self) -> ComposeResult:
        expiry = (
            "never expires"
            if self.live_until is None
            else f"expires {format_time(self.live_until)}"
        )
        with Vertical(classes="dialog wide"):
            yield Static("Watcher link created", classes="dialog-title")
            yield Static(Text(f"Share this read-only link ({expiry}). It is shown only now:"))
            yield Static(
                Text(display_safe(self.link, None), overflow="fold"), id="link", classes="link"
            )
            yield Static(id="copied", classes="reason")
            with Horizontal(classes="buttons"):
                yield Button("Copy", id="copy", variant="primary", compact=True)
                yield Button("Done", id="done", compact=True)
        yield Footer(compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "copy":
            self.action_copy()
        else:
            self.dismiss(None)

    def action_copy(self) -> None:
        # Copy exactly what is shown: a hostile pool cannot smuggle control characters this way.
        self.app.copy_to_clipboard(display_safe(self.link, None))
        self.query_one("#copied", Static).update(
            Text("Copied (your terminal must allow OSC 52 clipboard writes).")
        )
