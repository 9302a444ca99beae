"""Create a mining account: the name is checked against the rules as it is typed."""

from __future__ import annotations

import re

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.validation import ValidationResult, Validator
from textual.widgets import Button, Footer, Input, Label, Static

from minerconsole.api import ApiError, ApiRejected
from minerconsole.formatting import safe_text
from minerconsole.screens.base import ConsoleModal

ACCOUNT_NAME_MAX = 255
"""Longest account name (whitebit-v4-mining-api.md §6.2: max 255)."""
_ACCOUNT_NAME = re.compile(r"[A-Za-z0-9_]+", re.ASCII)


class AccountNameRule(Validator):
    """Alphanumeric and underscore, 1 to 255 characters (§6.2). The pool checks again."""

    def validate(self, value: str) -> ValidationResult:
        if not value:
            return self.failure("Type a name: letters, digits and underscores.")
        if len(value) > ACCOUNT_NAME_MAX:
            return self.failure(f"At most {ACCOUNT_NAME_MAX} characters.")
        if not _ACCOUNT_NAME.fullmatch(value):
            return self.failure("Only letters, digits and underscores (no spaces or dots).")
        return self.success()


class AccountCreateScreen(ConsoleModal):
    """Dismisses with the new account's name, or None when cancelled."""

    BINDINGS = [Binding("enter", "create", "Create", tooltip="Create the account", id="submit")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("New mining account", classes="dialog-title")
            yield Label("Name (miners use it as their stratum user: NAME.worker)")
            yield Input(id="name", validators=[AccountNameRule()], max_length=ACCOUNT_NAME_MAX)
            yield Static(id="reason", classes="reason")
            with Horizontal(classes="buttons"):
                yield Button("Create", id="create", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#reason", Static).update(Text("Letters, digits and underscores."))

    def on_input_changed(self, event: Input.Changed) -> None:
        result = event.validation_result
        reason = (
            "Looks good." if result is None or result.is_valid else result.failure_descriptions[0]
        )
        self.query_one("#reason", Static).update(Text(reason))
        self.query_one("#reason").set_class(bool(result and not result.is_valid), "-invalid")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_create()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "create":
            self.action_create()
        else:
            self.dismiss(None)

    def action_create(self) -> None:
        field = self.query_one("#name", Input)
        result = field.validate(field.value)
        if result is not None and not result.is_valid:
            return
        self._send(field.value)

    @work(exclusive=True, exit_on_error=False, group="create-account")
    async def _send(self, name: str) -> None:
        reason = self.query_one("#reason", Static)
        reason.update(Text("Creating…"))
        try:
            await self.console.api.create_account(name)
        except ApiRejected as exc:
            reason.update(safe_text(exc.describe(), 120))
            reason.add_class("-invalid")
            return
        except ApiError as exc:
            reason.update(safe_text(f"Not sent: {exc}", 120))
            reason.add_class("-invalid")
            return
        self.dismiss(name)
