"""Account selection: every mining account with its hashrate, workers and unpaid balance."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from minerconsole.messages import AccountChosen, AccountSummary
from minerconsole.screens.account_create import AccountCreateScreen
from minerconsole.screens.base import ConsoleScreen
from minerconsole.widgets.accounts_table import AccountsTable


class AccountsScreen(ConsoleScreen):
    """The first screen. Enter opens an account's dashboard; owners can create accounts."""

    BINDINGS = [
        Binding("o", "open", "Open", tooltip="Open the selected account (or Enter)", id="open"),
        Binding("n", "create", "New account", tooltip="Create a mining account", id="create"),
        Binding("r", "refresh", "Refresh", tooltip="Reload the numbers now", id="refresh"),
    ]

    def compose_body(self) -> ComposeResult:
        yield Static("Accounts", classes="screen-title")
        yield AccountsTable(id="accounts")

    def on_mount(self) -> None:
        super().on_mount()
        self.sub_title = "accounts"
        if self.console.accounts is not None:
            self._show(self.console.accounts)
        self.console.accounts_signal.subscribe(self, self._show)
        self.console.scope_signal.subscribe(self, lambda _: self.refresh_bindings())

    def _show(self, accounts: tuple[AccountSummary, ...]) -> None:
        self.query_one(AccountsTable).show(accounts)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "create":
            return self.console.api.is_owner
        return super().check_action(action, parameters)

    def on_accounts_table_opened(self, message: AccountsTable.Opened) -> None:
        self.app.post_message(AccountChosen(message.account))

    def action_open(self) -> None:
        name = self.query_one(AccountsTable).selected_key
        if name is not None:
            self.app.post_message(AccountChosen(name))

    def action_create(self) -> None:
        self.app.push_screen(AccountCreateScreen(), self._created)

    def _created(self, name: str | None) -> None:
        if name:
            self.notify(f"Account {name} created", markup=False)
            self.console.feed.refresh()

    def action_refresh(self) -> None:
        self.console.feed.refresh()
