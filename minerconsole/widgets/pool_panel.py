"""The pool overview: pool and network numbers, stratum URLs, recent blocks."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Group, RenderableType
from rich.text import Text
from textual.widgets import Static

from backend.api.schemas import PoolOverview, PoolStats
from minerconsole.formatting import (
    display_safe,
    format_age,
    format_difficulty,
    format_hashrate,
    format_time,
    safe_text,
)
from minerconsole.widgets.fact_grid import fact_grid

BLOCKS_SHOWN = 5
"""Recent blocks listed."""


class PoolPanel(Static):
    """Everything on the pool overview screen."""

    COMPONENT_CLASSES = {"pool--block"}

    def __init__(self, clock: Callable[[], float], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock

    def show(self, stats: PoolStats | None, overview: PoolOverview | None) -> None:
        """Show what was loaded (either may be None)."""
        self.update(self._body(stats, overview))

    def _body(self, stats: PoolStats | None, overview: PoolOverview | None) -> RenderableType:
        parts: list[RenderableType] = []
        now = self.clock()
        if stats is not None:
            last = stats.last_block
            last_text = (
                f"#{last.height} {format_age(last.found_at, now)} ago" if last else "none yet"
            )
            parts.append(
                fact_grid(
                    [
                        ("Pool 5m", format_hashrate(stats.hashrate5m)),
                        ("Pool 1h", format_hashrate(stats.hashrate1h)),
                        ("Pool 24h", format_hashrate(stats.hashrate24h)),
                        ("Workers", str(stats.active_workers)),
                        ("Accounts", str(stats.active_accounts)),
                        (
                            "Scheme",
                            Text(
                                f"{display_safe(stats.reward_scheme, 10)}, fee "
                                f"{display_safe(stats.pool_fee_pct, 8)}%"
                            ),
                        ),
                        ("Network diff", format_difficulty(stats.network_difficulty)),
                        ("Network rate", format_hashrate(stats.network_hashrate)),
                        ("Height", str(stats.block_height)),
                        ("Round effort", f"{stats.round_effort_pct:.1f}%"),
                        ("Last block", last_text),
                    ],
                    columns=2,
                )
            )
        if overview is not None:
            data = overview.data
            block_style = self.get_component_rich_style("pool--block", partial=True)
            lines = Text(end="")
            lines.append("\nStratum\n", style="bold")
            for url in data.connection_links:
                lines.append_text(safe_text(f"  {url}", 76))
                lines.append("\n")
            lines.append("\nBlocks found\n", style="bold")
            if not data.blocks:
                lines.append("  none yet\n", style="dim")
            for block in data.blocks[:BLOCKS_SHOWN]:
                lines.append(
                    f"  #{block.block_height}  {format_time(block.block_found_at)}\n",
                    style=block_style,
                )
            parts.append(lines)
        if not parts:
            parts.append(Text("loading…", style="italic"))
        return Group(*parts)
