"""Set an account's hashrate alert threshold (remembered in the preferences)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.validation import ValidationResult, Validator
from textual.widgets import Button, Footer, Input, Static

from minerconsole.formatting import format_hashrate, parse_hashrate
from minerconsole.screens.base import ConsoleModal


class HashrateRule(Validator):
    """A hashrate such as `120 TH/s`, `1.5P` or `0` (0 or empty: no threshold)."""

    def validate(self, value: str) -> ValidationResult:
        if not value.strip() or parse_hashrate(value) is not None:
            return self.success()
        return self.failure("Write a number with an optional unit: 120 TH/s, 1.5P, 800G.")


class ThresholdScreen(ConsoleModal):
    """Dismisses with the threshold in H/s, None to clear it, or False when cancelled."""

    BINDINGS = [Binding("ctrl+s", "save", "Save", tooltip="Save the threshold", id="save")]

    def __init__(self, account: str, current: float | None) -> None:
        super().__init__()
        self.account = account
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(f"Hashrate alert · {self.account}", classes="dialog-title")
            # A Static wraps in a narrow dialog, where a Label would be cut mid-word.
            yield Static(Text("Alert below this 5-minute hashrate (empty or 0: no alert)"))
            value = format_hashrate(self.current) if self.current else ""
            yield Input(value=value, id="threshold", validators=[HashrateRule()])
            yield Static(id="reason", classes="reason")
            with Horizontal(classes="buttons"):
                yield Button("Save", id="save", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
        yield Footer(compact=True)

    def on_input_changed(self, event: Input.Changed) -> None:
        reason = self.query_one("#reason", Static)
        parsed = parse_hashrate(event.value)
        if not event.value.strip() or parsed == 0:
            reason.update(Text("No alert for this account."))
        elif parsed is None:
            reason.update(Text(HashrateRule().validate(event.value).failure_descriptions[0]))
        else:
            reason.update(Text(f"Alert below {format_hashrate(parsed)}."))
        reason.set_class(parsed is None and bool(event.value.strip()), "-invalid")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()

    def action_save(self) -> None:
        text = self.query_one("#threshold", Input).value
        if not text.strip():
            self.dismiss(None)
            return
        value = parse_hashrate(text)
        if value is not None:
            self.dismiss(value or None)

    def action_cancel(self) -> None:
        self.dismiss(False)
