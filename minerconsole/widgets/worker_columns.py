"""The columns of the workers table: header, widths, how each sorts and what each shows, and how
they share the width the table has (`fit_layout`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from backend.api.schemas import WorkerRow
from minerconsole.formatting import (
    format_age,
    format_count,
    format_difficulty,
    format_hashrate,
    format_percent,
)

NAME_CELLS = 24
"""Widest the name column gets; longer names end in an ellipsis."""

NAME_MIN_ROOMY = 12
"""The roomy layout (full units, two-cell gaps) is used only when it leaves the name at least
this many cells; below that the compact layout gives the name the room instead."""

NAME_MIN = 8
"""Narrowest name column. Below this the table scrolls sideways, the name column staying put."""

STATUS_ORDER = {"offline": 0, "low": 1, "online": 2}
"""Sort order of the status column: trouble first."""

STATUS_FILTERS = ("all", "online", "low", "offline")
"""The status filter cycles through these."""


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One column: key, header, widths in cells, how it sorts, what it shows, its role."""

    key: str
    label: str
    width: int
    """Cells in the roomy layout."""
    compact_width: int
    """Cells in the compact layout (the name column's width is worked out by `fit_layout`)."""
    order: Callable[[WorkerRow], object]
    text: Callable[[WorkerRow, float, bool], str]
    """The cell's text from the row, the current time and whether the layout is compact."""
    role: str = ""
    """Theme role colouring the cell ("status": the worker's own status)."""
    right: bool = True
    """Right-aligned (numbers) or left-aligned (names, words)."""


def _column(
    key: str,
    label: str,
    width: int,
    compact_width: int,
    field: str,
    show: Callable[..., str],
    role: str = "",
) -> ColumnSpec:
    """A numeric column sorted by the row's `field` and shown with `show(value, compact=...)`."""
    return ColumnSpec(
        key,
        label,
        width,
        compact_width,
        lambda row: getattr(row, field) or 0,
        lambda row, _now, compact: show(getattr(row, field), compact=compact),
        role,
    )


def _difficulty(value: float | None, *, compact: bool) -> str:
    # Already at most 6 cells: the same in both layouts.
    return format_difficulty(value)


COLUMNS = (
    ColumnSpec(
        "name",
        "Worker",
        NAME_CELLS,
        NAME_MIN,
        lambda row: row.name.casefold(),
        # Cut to the column's width (and made safe) when the cell is drawn.
        lambda row, _now, _compact: row.name,
        right=False,
    ),
    ColumnSpec(
        "status",
        "Status",
        7,
        7,
        lambda row: STATUS_ORDER.get(row.status, -1),
        lambda row, _now, _compact: row.status,
        role="status",
        right=False,
    ),
    _column("h5m", "5m", 9, 5, "hashrate5m", format_hashrate),
    _column("h1h", "1h", 9, 5, "hashrate1h", format_hashrate),
    _column("h24h", "24h", 9, 5, "hashrate24h", format_hashrate),
    _column("accepted", "Acc", 7, 5, "accepted24h", format_count, "accepted"),
    _column("rejected", "Rej", 5, 5, "rejected24h", format_count, "rejected"),
    _column("stale", "Stale", 5, 5, "stale24h", format_count, "stale"),
    _column("rate", "Rej%", 5, 4, "reject_rate", format_percent),
    _column("diff", "Diff", 6, 6, "current_difficulty", _difficulty),
    ColumnSpec(
        "last",
        "Last",
        4,
        4,
        lambda row: -(row.last_share_at or 0),
        lambda row, now, _compact: format_age(row.last_share_at, now),
    ),
)
"""Columns in display order. "Last" sorts most recent first and must stay the last column
(the table keys its line cache on that column's text)."""

SORT_KEYS = tuple(column.key for column in COLUMNS)
"""Column keys, in the order the sort key cycles through them."""


@dataclass(frozen=True, slots=True)
class TableLayout:
    """How the columns share the table's width: each column's cells, the blank cells before and
    after every cell, and whether the cells use the compact formats (`1.44P`, `12.3k`)."""

    compact: bool
    widths: tuple[int, ...]
    """Text cells of each column, in `COLUMNS` order."""
    pad_left: int
    """Blank cells before every cell."""
    pad_right: int
    """Blank cells after every cell."""

    @property
    def cells(self) -> tuple[int, ...]:
        """Each column's width including its blank cells."""
        return tuple(width + self.pad_left + self.pad_right for width in self.widths)

    @property
    def total(self) -> int:
        """Cells of a whole line."""
        return sum(self.cells)


def _layout(compact: bool, name: int) -> TableLayout:
    rest = tuple(c.compact_width if compact else c.width for c in COLUMNS[1:])
    # Roomy: one blank cell each side (two between columns). Compact: one blank cell before
    # each column, the least that keeps a right-aligned number off its neighbour.
    return TableLayout(compact, (name, *rest), 1, 0 if compact else 1)


ROOMY_FIXED = _layout(False, 0).total
"""Cells the roomy layout needs besides the name (88)."""

COMPACT_FIXED = _layout(True, 0).total
"""Cells the compact layout needs besides the name (62): 80 columns leave the name 18."""


def fit_layout(available: int) -> TableLayout:
    """The layout for a table `available` cells wide: roomy (full units, the name up to
    `NAME_CELLS`) when the name still gets `NAME_MIN_ROOMY` cells, else compact with the name
    taking what is left (at least `NAME_MIN`, at most `NAME_CELLS`)."""
    if available - ROOMY_FIXED >= NAME_MIN_ROOMY:
        return _layout(False, min(NAME_CELLS, available - ROOMY_FIXED))
    return _layout(True, max(NAME_MIN, min(NAME_CELLS, available - COMPACT_FIXED)))
