"""A hashrate sparkline with its interval and current / average / maximum labels.

Textual's Sparkline scales bars between the data's own min and max (textual-8-notes §3.1), so a
steady hashrate with a little jitter looks dramatic: the labels carry the real numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Sparkline, Static

from minerconsole.formatting import format_hashrate

INTERVALS = ("5m", "1h", "24h")


class HashrateChart(Vertical):
    """Title line (interval choice, now / avg / max) over a sparkline."""

    def __init__(self, title: str = "Hashrate", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title = title
        self.values: tuple[float, ...] = ()
        self.interval = "1h"
        self._shown: Text | None = None

    def compose(self) -> ComposeResult:
        yield Static(classes="chart-labels")
        yield Sparkline((), summary_function=max)

    def on_mount(self) -> None:
        self._redraw()

    def show(self, values: Sequence[float], interval: str) -> None:
        """Draw `values` (H/s, oldest first) at `interval`."""
        self.values = tuple(values)
        self.interval = interval
        self._redraw()

    def _redraw(self) -> None:
        # A new tuple each time: Sparkline only redraws when `data` is a different value.
        self.query_one(Sparkline).data = self.values
        labels = self._labels()
        if labels != self._shown:
            self._shown = labels
            # One line of fixed height: no layout pass needed, just a repaint.
            self.query_one(".chart-labels", Static).update(labels, layout=False)

    def _labels(self) -> Text:
        text = Text(f"{self.title} ", style="bold", no_wrap=True, overflow="ellipsis", end="")
        for interval in INTERVALS:
            if interval == self.interval:
                text.append(f"[{interval}]", style="reverse")
            else:
                text.append(f" {interval} ", style="dim")
        values = self.values
        if values:
            text.append(
                f"  now {format_hashrate(values[-1])}"
                f"  avg {format_hashrate(sum(values) / len(values))}"
                f"  max {format_hashrate(max(values))}"
            )
        else:
            text.append("  no data", style="dim")
        return text
