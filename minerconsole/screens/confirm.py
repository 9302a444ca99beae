"""A yes/no question, for actions that cannot be undone."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Static

from minerconsole.screens.base import ConsoleModal


class ConfirmScreen(ConsoleModal):
    """Dismisses with True (confirmed) or False."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", tooltip="Confirm", id="yes"),
        Binding("n", "answer(False)", "No", tooltip="Do not do it", id="no"),
    ]

    def __init__(self, title: str, question: Text, verb: str) -> None:
        super().__init__()
        self.title_text = title
        self.question = question
        self.verb = verb

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title")
            yield Static(self.question)
            with Horizontal(classes="buttons"):
                yield Button(self.verb, id="yes", variant="error", compact=True)
                yield Button("Cancel", id="no", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    def action_cancel(self) -> None:
        self.dismiss(False)
