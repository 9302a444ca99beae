"""The workers filter bar: type to filter by name; shows the status filter and sort order."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Static


class FilterBar(Horizontal):
    """An input for the name filter and a summary of the view."""

    class NameChanged(Message):
        """The name filter text changed (on every keystroke)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    _summary = ""

    def compose(self) -> ComposeResult:
        yield Input(placeholder="/ filter by name", id="name-filter", compact=True)
        yield Static(classes="view-summary")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.NameChanged(event.value))

    def describe(self, status: str, sort: str, reverse: bool, shown: int, total: int) -> None:
        """Show the current view: status filter, sort column and direction, row counts."""
        arrow = "↓" if reverse else "↑"
        summary = f"status {status} · sort {sort} {arrow} · {shown}/{total}"
        if summary != self._summary:
            self._summary = summary
            self.query_one(".view-summary", Static).update(Text(summary, no_wrap=True, end=""))
