"""Create a watcher link: name, accounts, permissions, expiry."""

from __future__ import annotations

import re

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.validation import ValidationResult, Validator
from textual.widgets import (
    Button,
    Footer,
    Input,
    Label,
    RadioButton,
    RadioSet,
    SelectionList,
    Static,
)

from backend.api.schemas import WatcherLinkCreate
from minerconsole.api import ApiError, ApiRejected
from minerconsole.formatting import safe_text
from minerconsole.screens.base import ConsoleModal

LINK_NAME_MAX = 255
"""Longest link name (whitebit-v4-mining-api.md §6.11: max 255, `^[a-zA-Z0-9_]+$`)."""
_LINK_NAME = re.compile(r"[a-zA-Z0-9_]+", re.ASCII)
PERMISSIONS = (
    ("dashboard", "dashboard: hashrate and stats"),
    ("rewards", "rewards: earnings and payouts"),
    ("workers", "workers: the workers table"),
)
EXPIRIES = (("1h", "1 hour"), ("24h", "1 day"), ("7d", "7 days"), ("always", "never"))


class LinkNameRule(Validator):
    """Letters, digits and underscores, at most 255 (§6.11)."""

    def validate(self, value: str) -> ValidationResult:
        if not value:
            return self.failure("Name the link (letters, digits, underscores).")
        if len(value) > LINK_NAME_MAX or not _LINK_NAME.fullmatch(value):
            return self.failure("Only letters, digits and underscores.")
        return self.success()


class WatcherCreateScreen(ConsoleModal):
    """Dismisses with the API's `WatcherLinkCreated`, or None when cancelled."""

    BINDINGS = [Binding("ctrl+s", "create", "Create", tooltip="Create the link", id="submit")]

    def __init__(self, account: str, accounts: list[str]) -> None:
        super().__init__()
        self.account = account
        self.account_names = accounts

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static("New watcher link", classes="dialog-title")
            yield Input(
                id="link-name",
                placeholder="link name, e.g. client_view",
                validators=[LinkNameRule()],
                max_length=LINK_NAME_MAX,
            )
            with Horizontal(classes="choices"):
                with Vertical():
                    yield Label("Accounts")
                    yield SelectionList[str](
                        *[(safe_text(n, 30), n, n == self.account) for n in self.account_names],
                        id="accounts",
                    )
                with Vertical():
                    yield Label("Permissions")
                    yield SelectionList[str](
                        *[(label, key, key == "dashboard") for key, label in PERMISSIONS],
                        id="permissions",
                    )
            yield Label("Expires after")
            with RadioSet(id="expiry"):
                for key, label in EXPIRIES:
                    yield RadioButton(label, id=f"expiry-{key}", value=key == "24h")
            yield Static(id="reason", classes="reason")
            with Horizontal(classes="buttons"):
                yield Button("Create", id="create", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#link-name", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        result = event.validation_result
        reason = self.query_one("#reason", Static)
        if result is not None and not result.is_valid:
            reason.update(Text(result.failure_descriptions[0]))
            reason.add_class("-invalid")
        else:
            reason.update("")
            reason.remove_class("-invalid")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_create()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "create":
            self.action_create()
        else:
            self.dismiss(None)

    def _request(self) -> WatcherLinkCreate | str:
        name = self.query_one("#link-name", Input).value
        result = LinkNameRule().validate(name)
        if not result.is_valid:
            return result.failure_descriptions[0]
        accounts = list(self.query_one("#accounts", SelectionList).selected)
        permissions = list(self.query_one("#permissions", SelectionList).selected)
        if not accounts:
            return "Pick at least one account."
        if not permissions:
            return "Pick at least one permission."
        pressed = self.query_one("#expiry", RadioSet).pressed_button
        expiry = (pressed.id or "expiry-24h").removeprefix("expiry-") if pressed else "24h"
        return WatcherLinkCreate(
            accounts=accounts, name=name, permissions=permissions, live_until=expiry
        )

    def action_create(self) -> None:
        request = self._request()
        if isinstance(request, str):
            reason = self.query_one("#reason", Static)
            reason.update(Text(request))
            reason.add_class("-invalid")
            return
        self._send(request)

    @work(exclusive=True, exit_on_error=False, group="create-link")
    async def _send(self, request: WatcherLinkCreate) -> None:
        reason = self.query_one("#reason", Static)
        reason.update(Text("Creating…"))
        try:
            created = await self.console.api.create_watcher_link(request)
        except ApiRejected as exc:
            reason.update(safe_text(f"The pool refused: {exc.describe()}", 120))
            reason.add_class("-invalid")
            return
        except ApiError as exc:
            reason.update(safe_text(f"Not sent: {exc}", 120))
            reason.add_class("-invalid")
            return
        self.dismiss(created)
