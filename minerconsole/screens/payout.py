"""Edit where an account's payouts go: main balance or an external address.

The address is checked as it is typed with the same decoder the pool uses
(`backend.bitcoin.address.decode_address`, for the pool's network), and the reason is shown.
Nothing is sent before a confirmation step that shows old → new; the API's answer (or error)
is shown in the dialog.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.validation import ValidationResult, Validator
from textual.widgets import (
    Button,
    ContentSwitcher,
    Footer,
    Input,
    RadioButton,
    RadioSet,
    Static,
)

from backend.api.schemas import PayoutDestination, PayoutDestinationEdit
from backend.bitcoin.address import AddressError, decode_address
from backend.bitcoin.network import Network
from minerconsole.api import ApiError, ApiRejected
from minerconsole.formatting import safe_text
from minerconsole.screens.base import ConsoleModal

ADDRESS_MAX = 100
"""Longest address the API accepts (whitebit-v4-mining-api.md §6.7: max 100)."""


class AddressRule(Validator):
    """A payout address valid on the pool's network (P2PKH, P2SH, P2WPKH, P2WSH, P2TR)."""

    def __init__(self, network: Network) -> None:
        super().__init__()
        self.network = network

    def validate(self, value: str) -> ValidationResult:
        if not value:
            return self.failure("Type or paste a bitcoin address.")
        try:
            decode_address(value, self.network)
        except AddressError as exc:
            return self.failure(exc.reason)
        return self.success()


def describe(destination: PayoutDestination | None) -> Text:
    """ "main balance" or "external address <address>" (the address shown safely)."""
    if destination is None:
        return Text("unknown")
    if destination.payout_destination == "main_balance":
        return Text("main balance")
    return Text.assemble("external address ", safe_text(destination.external_address or "", 100))


class PayoutScreen(ConsoleModal):
    """Dismisses with the resulting destination, or None when nothing was changed."""

    BINDINGS = [
        Binding("ctrl+s", "proceed", "Continue", tooltip="Check, then confirm", id="proceed"),
    ]

    def __init__(self, account: str) -> None:
        super().__init__()
        self.account = account
        self.current: PayoutDestination | None = None
        self.pending: PayoutDestinationEdit | None = None
        self.result: PayoutDestination | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(f"Payout destination · {self.account}", classes="dialog-title")
            with ContentSwitcher(initial="edit"):
                with Vertical(id="edit"):
                    yield Static(id="now")
                    with RadioSet(id="kind"):
                        yield RadioButton("Main balance", id="main_balance", value=True)
                        yield RadioButton("External address", id="external_address")
                    yield Input(
                        id="address",
                        placeholder=f"{self.console.network.label} address",
                        validators=[AddressRule(self.console.network)],
                        max_length=ADDRESS_MAX,
                        valid_empty=False,
                    )
                    yield Static(id="reason", classes="reason")
                    with Horizontal(classes="buttons"):
                        yield Button("Continue", id="continue", variant="primary", compact=True)
                        yield Button("Cancel", id="cancel", compact=True)
                with Vertical(id="confirm"):
                    yield Static(id="change")
                    yield Static(id="send-problem", classes="reason -invalid")
                    with Horizontal(classes="buttons"):
                        yield Button(
                            "Confirm", id="confirm-button", variant="warning", compact=True
                        )
                        yield Button("Back", id="back", compact=True)
                with Vertical(id="done"):
                    yield Static(id="outcome")
                    with Horizontal(classes="buttons"):
                        yield Button("Close", id="close", variant="primary", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#now", Static).update(Text("Now: loading…"))
        self._set_address_enabled(False)
        self._load()

    @work(exclusive=True, exit_on_error=False, group="payout")
    async def _load(self) -> None:
        try:
            self.current = await self.console.api.payout_destination(self.account)
        except ApiError as exc:
            self.query_one("#now", Static).update(safe_text(f"Now: unknown ({exc})", 100))
            return
        self.query_one("#now", Static).update(Text.assemble("Now: ", describe(self.current)))
        if self.current.payout_destination == "external_address":
            self.query_one("#external_address", RadioButton).value = True
            self.query_one("#address", Input).value = self.current.external_address or ""

    def _external(self) -> bool:
        return self.query_one("#external_address", RadioButton).value

    def _set_address_enabled(self, enabled: bool) -> None:
        field = self.query_one("#address", Input)
        field.disabled = not enabled
        reason = self.query_one("#reason", Static)
        if not enabled:
            reason.update(Text("Payouts are credited to the account's balance on this pool."))
            reason.remove_class("-invalid")
        else:
            self._show_reason(field.validate(field.value))

    def _show_reason(self, result: ValidationResult | None) -> None:
        reason = self.query_one("#reason", Static)
        if result is None or result.is_valid:
            reason.update(Text(f"Valid {self.console.network.label} address."))
            reason.remove_class("-invalid")
        else:
            reason.update(safe_text(result.failure_descriptions[0], 100))
            reason.add_class("-invalid")

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self._set_address_enabled(self._external())
        if self._external():
            self.query_one("#address", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._show_reason(event.validation_result)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._continue()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        actions = {
            "continue": self._continue,
            "cancel": lambda: self.dismiss(None),
            "confirm-button": self._confirm,
            "back": self._back,
            "close": lambda: self.dismiss(self.result),
        }
        actions[event.button.id or ""]()

    def action_proceed(self) -> None:
        step = self.query_one(ContentSwitcher).current
        {
            "edit": self._continue,
            "confirm": self._confirm,
            "done": lambda: self.dismiss(self.result),
        }[step or "edit"]()

    def _continue(self) -> None:
        address = self.query_one("#address", Input)
        if self._external():
            result = address.validate(address.value)
            self._show_reason(result)
            if result is not None and not result.is_valid:
                return
            edit = PayoutDestinationEdit(
                account_name=self.account, destination="external_address", address=address.value
            )
        else:
            edit = PayoutDestinationEdit(account_name=self.account, destination="main_balance")
        new = PayoutDestination(payout_destination=edit.destination, external_address=edit.address)
        if self.current is not None and new == self.current:
            reason = self.query_one("#reason", Static)
            reason.update(Text("That is already where payouts go: nothing to change."))
            return
        self.pending = edit
        self.query_one("#change", Static).update(
            Text.assemble(
                "Change where payouts of this account go?\n\n",
                ("  from  ", "dim"),
                describe(self.current),
                "\n",
                ("  to    ", "dim"),
                describe(new),
                "\n\nNothing is sent until you confirm.",
            )
        )
        self.query_one("#send-problem", Static).update("")
        self.query_one(ContentSwitcher).current = "confirm"
        self.query_one("#confirm-button", Button).focus()

    def _back(self) -> None:
        self.query_one(ContentSwitcher).current = "edit"
        self.query_one("#continue", Button).focus()

    def _confirm(self) -> None:
        if self.pending is not None:
            self._send(self.pending)

    @work(exclusive=True, exit_on_error=False, group="payout-send")
    async def _send(self, edit: PayoutDestinationEdit) -> None:
        problem = self.query_one("#send-problem", Static)
        problem.update(Text("Sending…"))
        try:
            self.result = await self.console.api.set_payout_destination(edit)
        except ApiRejected as exc:
            self._back()
            reason = self.query_one("#reason", Static)
            reason.update(safe_text(f"The pool refused: {exc.describe()}", 140))
            reason.add_class("-invalid")
            return
        except ApiError as exc:
            problem.update(safe_text(f"Not sent: {exc}. Try again.", 140))
            return
        self.current = self.result
        self.query_one("#outcome", Static).update(
            Text.assemble("Saved. Payouts now go to ", describe(self.result), ".")
        )
        self.query_one(ContentSwitcher).current = "done"
        self.query_one("#close", Button).focus()
