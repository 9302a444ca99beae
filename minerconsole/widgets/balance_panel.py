"""An account's balance and earnings, and where payouts go."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import RenderableType
from rich.text import Text
from textual.widgets import Static

from backend.api.schemas import RewardsStats
from minerconsole.formatting import display_safe, format_btc, format_time, safe_text
from minerconsole.widgets.fact_grid import fact_grid

DESTINATIONS = {"main_balance": "main balance", "external_address": "external address"}


class BalancePanel(Static):
    """Unpaid, earned, paid, recent earnings, payout threshold and destination."""

    def __init__(self, clock: Callable[[], float], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.stats: RewardsStats | None = None

    def show(self, stats: RewardsStats | None) -> None:
        """Show the rewards stats (None: not loaded or not permitted)."""
        self.stats = stats
        self.update(self._body())

    def _body(self) -> RenderableType:
        stats = self.stats
        if stats is None:
            return Text("loading…", style="italic")
        target = stats.payout_destination
        destination = DESTINATIONS.get(target.type, display_safe(target.type, 20))
        return fact_grid(
            [
                ("Unpaid", Text(format_btc(stats.unpaid), style="bold")),
                ("Payout threshold", format_btc(stats.payout_threshold)),
                ("Today (est.)", format_btc(stats.today_estimated)),
                ("Yesterday", format_btc(stats.yesterday)),
                ("Last 7 days", format_btc(stats.last7d)),
                ("Last 30 days", format_btc(stats.last30d)),
                ("Total earned", format_btc(stats.total_earned)),
                ("Total paid", format_btc(stats.total_paid)),
                ("Pays to", destination),
                ("Address", safe_text(target.address or "—", 64)),
                ("Last payout", format_time(stats.last_payout_at)),
                (
                    "Scheme",
                    Text(
                        f"{display_safe(stats.reward_scheme, 10)}, fee "
                        f"{display_safe(stats.pool_fee_pct, 8)}%"
                    ),
                ),
            ],
            columns=2,
        )
