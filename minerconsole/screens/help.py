"""Help: what the console is, and every key of the screen it was opened from."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from minerconsole.commands import listed
from minerconsole.screens.base import ConsoleScreen
from minerconsole.widgets.key_table import KeyHelp, KeyTable

INTRO = (
    "minerconsole watches and manages your mining accounts on a minerpool. "
    "Every key below is also in the command palette (ctrl+p); the footer shows the most used. "
    "Worker names and everything else the pool sends are shown literally."
)


class HelpScreen(ConsoleScreen):
    """Keys are read from the bindings themselves, so help can never go stale."""

    def __init__(self, origin: Screen) -> None:
        super().__init__()
        self.origin = origin

    def compose_body(self) -> ComposeResult:
        yield Static("Help", classes="screen-title")
        yield Static(Text(INTRO), classes="intro")
        yield KeyTable(id="keys")

    def on_mount(self) -> None:
        super().on_mount()
        self.sub_title = "help"
        where = type(self.origin).__name__.removesuffix("Screen").lower() or "screen"
        rows: list[KeyHelp] = []
        seen: set[str] = set()
        for active in self.origin.active_bindings.values():
            binding = active.binding
            if not listed(binding) or binding.action in seen:
                continue
            seen.add(binding.action)
            owner = "app" if active.node is self.app else where
            does = binding.description
            if binding.tooltip and binding.tooltip != does:
                does = f"{does}: {binding.tooltip}"
            rows.append(KeyHelp(self.app.get_key_display(binding), does, owner))
        rows.append(KeyHelp("ctrl+p", "Command palette: every action by name", "app"))
        rows.append(KeyHelp("ctrl+q", "Quit", "app"))
        table = self.query_one(KeyTable)
        table.show(rows)
        table.focus()
