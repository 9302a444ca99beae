"""The columns of the workers table: header, width, how each sorts and what each shows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from backend.api.schemas import WorkerRow
from minerconsole.formatting import (
    display_safe,
    format_age,
    format_count,
    format_difficulty,
    format_hashrate,
    format_percent,
)

NAME_CELLS = 24
"""Cells of a worker name shown in the table; longer names end in an ellipsis."""

STATUS_ORDER = {"offline": 0, "low": 1, "online": 2}
"""Sort order of the status column: trouble first."""

STATUS_FILTERS = ("all", "online", "low", "offline")
"""The status filter cycles through these."""


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One column: key, header, width in cells, how it sorts, what it shows, its role."""

    key: str
    label: str
    width: int
    order: Callable[[WorkerRow], object]
    text: Callable[[WorkerRow, float], str]
    """The cell's text from the row and the current time."""
    role: str = ""
    """Theme role colouring the cell ("status": the worker's own status)."""
    right: bool = True
    """Right-aligned (numbers) or left-aligned (names, words)."""


def _column(key: str, label: str, width: int, field: str, show, role: str = "") -> ColumnSpec:
    """A numeric column sorted by the row's `field` and shown with `show`."""
    return ColumnSpec(
        key,
        label,
        width,
        lambda row: getattr(row, field) or 0,
        lambda row, _now: show(getattr(row, field)),
        role,
    )


COLUMNS = (
    ColumnSpec(
        "name",
        "Worker",
        NAME_CELLS,
        lambda row: row.name.casefold(),
        lambda row, _now: display_safe(row.name, NAME_CELLS),
        right=False,
    ),
    ColumnSpec(
        "status",
        "Status",
        7,
        lambda row: STATUS_ORDER.get(row.status, -1),
        lambda row, _now: row.status,
        role="status",
        right=False,
    ),
    _column("h5m", "5m", 9, "hashrate5m", format_hashrate),
    _column("h1h", "1h", 9, "hashrate1h", format_hashrate),
    _column("h24h", "24h", 9, "hashrate24h", format_hashrate),
    _column("accepted", "Acc", 7, "accepted24h", format_count, "accepted"),
    _column("rejected", "Rej", 5, "rejected24h", format_count, "rejected"),
    _column("stale", "Stale", 5, "stale24h", format_count, "stale"),
    _column("rate", "Rej%", 5, "reject_rate", format_percent),
    _column("diff", "Diff", 6, "current_difficulty", format_difficulty),
    ColumnSpec(
        "last",
        "Last",
        4,
        lambda row: -(row.last_share_at or 0),
        lambda row, now: format_age(row.last_share_at, now),
    ),
)
"""Columns in display order. "Last" sorts most recent first and must stay the last column
(the table keys its line cache on that column's text)."""

SORT_KEYS = tuple(column.key for column in COLUMNS)
"""Column keys, in the order the sort key cycles through them."""
