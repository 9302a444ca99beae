"""Everything the pool says about one worker, as a panel of facts."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import RenderableType
from rich.text import Text
from textual.widgets import Static

from backend.api.schemas import WorkerRow
from minerconsole.formatting import (
    format_age,
    format_count,
    format_difficulty,
    format_hashrate,
    format_percent,
    format_time,
    safe_text,
)
from minerconsole.widgets.fact_grid import fact_grid


class WorkerPanel(Static):
    """Name, status, hashrates, shares, difficulty, best share, connection, user agent."""

    def __init__(self, clock: Callable[[], float], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.row: WorkerRow | None = None

    def show(self, row: WorkerRow | None) -> None:
        """Show `row` (None: the worker is gone from the pool's list)."""
        self.row = row
        self.update(self._body())

    def _body(self) -> RenderableType:
        row = self.row
        if row is None:
            return Text("This worker is no longer reported by the pool.", style="italic")
        now = self.clock()
        return fact_grid(
            [
                ("Worker", safe_text(row.name, 48)),
                ("Status", Text(row.status, style="bold")),
                ("Hashrate 5m", format_hashrate(row.hashrate5m)),
                ("Hashrate 1h", format_hashrate(row.hashrate1h)),
                ("Hashrate 24h", format_hashrate(row.hashrate24h)),
                ("Accepted 24h", format_count(row.accepted24h)),
                ("Rejected 24h", format_count(row.rejected24h)),
                ("Stale 24h", format_count(row.stale24h)),
                ("Reject rate", format_percent(row.reject_rate, 2)),
                ("Difficulty", format_difficulty(row.current_difficulty)),
                ("Best share", format_difficulty(row.best_share)),
                ("Last share", f"{format_age(row.last_share_at, now)} ago"),
                ("Connected", format_time(row.connected_at)),
                ("Miner", safe_text(row.user_agent or "—", 48)),
            ],
            columns=2,
        )
