"""A two-column "label  value" grid, the body of the console's detail panels."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from rich.text import Text


def fact_grid(pairs: Iterable[tuple[str, Text | str]], columns: int = 1) -> Table:
    """A borderless grid of (label, value) pairs, `columns` pairs per line.

    Every cell becomes a `Text` here: a Rich Table parses `str` cells as markup, so values that
    came from the pool must arrive as `Text` (from `safe_text`), and our own labels are wrapped.
    """
    grid = Table.grid(padding=(0, 2), expand=False)
    for _ in range(columns):
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(no_wrap=True, overflow="ellipsis")
    row: list[Text] = []
    for label, value in pairs:
        row.extend([Text(label, end=""), value if isinstance(value, Text) else Text(value, end="")])
        if len(row) == 2 * columns:
            grid.add_row(*row)
            row = []
    if row:
        grid.add_row(*row)
    return grid
