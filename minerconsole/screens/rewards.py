"""Rewards and payouts: balance, daily rewards, payout history."""

from __future__ import annotations

import asyncio

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from minerconsole.api import ApiError
from minerconsole.formatting import safe_text
from minerconsole.messages import PoolEventReceived
from minerconsole.screens.base import ConsoleScreen
from minerconsole.screens.payout import PayoutScreen
from minerconsole.widgets.balance_panel import BalancePanel
from minerconsole.widgets.payouts_table import PayoutsTable
from minerconsole.widgets.rewards_table import RewardsTable

PAYOUT_TYPE = "TX_TYPE_SCHEDULED_USER_MINING_REWARDS_WITHDRAWAL"
"""The transaction type of a payout (watcher-api-v1.md #9)."""


class RewardsScreen(ConsoleScreen):
    """Loads on open, on `r`, and when the stream reports a reward or payout."""

    BINDINGS = [
        Binding("e", "payout", "Payout", tooltip="Edit the payout destination", id="payout"),
        Binding("r", "reload", "Refresh", tooltip="Reload rewards and payouts", id="refresh"),
    ]

    def __init__(self, account: str) -> None:
        super().__init__()
        self.account = account

    def compose_body(self) -> ComposeResult:
        yield BalancePanel(self.console.clock, id="balance")
        yield Static("Daily rewards", classes="section-title")
        yield RewardsTable(id="rewards")
        yield Static("Payouts", classes="section-title")
        yield PayoutsTable(id="payouts")
        yield Static(id="problem", classes="problem")

    def on_mount(self) -> None:
        super().on_mount()
        self.sub_title = f"{self.account} · rewards"
        self.console.pool_event_signal.subscribe(self, self._event)
        self.query_one(RewardsTable).focus()
        self._load()

    def _event(self, message: PoolEventReceived) -> None:
        if message.account == self.account and message.event.kind in {"reward", "payout"}:
            self._load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "payout":
            return self.console.api.is_owner
        return super().check_action(action, parameters)

    @work(exclusive=True, exit_on_error=False, group="rewards")
    async def _load(self) -> None:
        api = self.console.api
        problem = self.query_one("#problem", Static)
        try:
            stats, rewards, transactions = await asyncio.gather(
                api.rewards_stats(self.account),
                api.daily_rewards(self.account),
                api.transactions(self.account),
            )
        except ApiError as exc:
            problem.update(safe_text(f"Could not load rewards: {exc}", 120))
            return
        problem.update("")
        self.query_one(BalancePanel).show(stats)
        self.query_one(RewardsTable).show(rewards.rewards)
        payouts = [t for t in transactions.transactions if t.type == PAYOUT_TYPE]
        self.query_one(PayoutsTable).show(payouts)

    def action_payout(self) -> None:
        self.app.push_screen(PayoutScreen(self.account), lambda _result: self._load())

    def action_reload(self) -> None:
        self._load()
