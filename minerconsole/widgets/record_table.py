"""A read-only table of records, updated by key: the base of the console's simpler tables.

Subclasses list their `COLUMNS` and turn one record into cells in `cells`; `show` updates rows in
place by key when the same records come back in the same order, and rebuilds otherwise, keeping
the cursor on its record either way. Cells must be `Text` (or other renderables), never `str`:
DataTable parses strings as markup.

The columns fit the table's width: `FLEX` columns give up cells down to their minimum, then the
`OPTIONAL` columns are left out one by one, so an 80-column terminal shows whole columns rather
than a table cut at its right edge. Cells made with `safe_text` end in an ellipsis when cut.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Generic, TypeVar

from rich.text import Text
from textual import events
from textual.widgets import DataTable

Record = TypeVar("Record")

Column = tuple[str, str, int | None]
"""(key, header, width) of a column; width None sizes the column to its content."""

EMPTY_KEY = "\x00empty"
"""Row key of the placeholder row of an empty table (no record key can contain NUL)."""

EMPTY_COLUMNS: tuple[Column, ...] = ((EMPTY_KEY, "", None),)
"""An empty table's one headerless column, as wide as its message, so the message is never cut
to the width of the first column."""


def fit_columns(
    columns: Sequence[Column],
    available: int,
    padding: int,
    flex: Mapping[str, int],
    optional: Sequence[str],
) -> tuple[Column, ...]:
    """The columns to show in `available` cells, each with `padding` blank cells either side:
    all at full width when they fit; else the `flex` columns shrink (in order) down to their
    minimum; else `optional` columns are left out (in order) until the rest fits."""

    def needed(shown: Sequence[Column], shrink: bool) -> int:
        widths = (min(flex[k], w or 0) if shrink and k in flex else w or 0 for k, _, w in shown)
        return sum(widths) + 2 * padding * len(shown)

    shown = list(columns)
    for key in optional:
        if needed(shown, shrink=True) <= available:
            break
        shown = [column for column in shown if column[0] != key]
    excess = needed(shown, shrink=False) - available
    fitted = []
    for key, label, width in shown:
        if excess > 0 and key in flex and width is not None:
            cut = min(excess, width - min(flex[key], width))
            width -= cut
            excess -= cut
        fitted.append((key, label, width))
    return tuple(fitted)


class RecordTable(DataTable, Generic[Record]):
    """Rows keyed by `key(record)`, cells from `cells(record)`, in the order given to `show`."""

    COLUMNS: tuple[Column, ...] = ()
    """(key, header, width) per column; width None sizes the column to its content."""

    FLEX: Mapping[str, int] = {}
    """Columns that give up width when the table is narrow: key -> the fewest cells kept."""

    OPTIONAL: tuple[str, ...] = ()
    """Columns left out, first ones first, when the table is too narrow even with `FLEX` cut."""

    EMPTY = "nothing yet"
    """What an empty table says (shown as its only row)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, id=id, classes=classes)
        self.records: dict[str, Record] = {}
        self.shown_columns: tuple[Column, ...] = self.COLUMNS
        """The columns records are shown in, with their widths (see `fit_columns`)."""
        self._drawn: tuple[Column, ...] = ()
        self._loaded = False

    def on_mount(self) -> None:
        self._draw_columns(self.shown_columns)

    def on_resize(self, event: events.Resize) -> None:
        self._refit()

    def key(self, record: Record) -> str:
        """The row key of a record."""
        raise NotImplementedError

    def cells(self, record: Record) -> Iterable[Text]:
        """The cells of a record, one per column."""
        raise NotImplementedError

    @property
    def selected_key(self) -> str | None:
        """Key of the row under the cursor (None on an empty table)."""
        if not self.records or not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value

    def show(self, records: Iterable[Record]) -> None:
        """Replace the table's records, keeping the cursor on its record when it remains."""
        keep = self.selected_key
        incoming = {self.key(record): record for record in records}
        self._loaded = True
        with self.app.batch_update():
            if list(incoming) == list(self.records) and incoming:
                for key, record in incoming.items():
                    for column, cell in self._shown_cells(record).items():
                        self.update_cell(key, column, cell)
            else:
                self._add_rows(incoming)
            self.records = incoming
            self._keep_cursor(keep)
        # More rows may bring a vertical scrollbar, and so less width.
        self._refit()

    def _shown_cells(self, record: Record) -> dict[str, Text]:
        """The record's cells of the columns on screen, by column key."""
        shown = {key for key, _, _ in self.shown_columns}
        cells = zip(self.COLUMNS, self.cells(record), strict=True)
        return {key: cell for (key, _, _), cell in cells if key in shown}

    def _draw_columns(self, columns: tuple[Column, ...]) -> None:
        if columns != self._drawn:
            self.clear(columns=True)
            for key, label, width in columns:
                self.add_column(label, key=key, width=width)
            self._drawn = columns
        self.show_header = columns != EMPTY_COLUMNS

    def _add_rows(self, records: Mapping[str, Record]) -> None:
        self._draw_columns(self.shown_columns if records else EMPTY_COLUMNS)
        self.clear()
        for key, record in records.items():
            self.add_row(*self._shown_cells(record).values(), key=key)
        if not records:
            self.add_row(Text(self.EMPTY, style="italic", end=""), key=EMPTY_KEY)

    def _keep_cursor(self, keep: str | None) -> None:
        if keep is not None and keep in self.records:
            self.move_cursor(row=self.get_row_index(keep), animate=False)

    def _refit(self) -> None:
        """Fit the columns to the width (less a vertical scrollbar when the rows need one);
        a change rebuilds the table, keeping the cursor on its record."""
        width = self.size.width
        if len(self.records) + 1 > self.size.height:
            width -= self.styles.scrollbar_size_vertical
        if width <= 0:
            return
        fitted = fit_columns(self.COLUMNS, width, self.cell_padding, self.FLEX, self.OPTIONAL)
        if fitted == self.shown_columns:
            return
        self.shown_columns = fitted
        keep = self.selected_key
        with self.app.batch_update():
            if self._loaded:
                self._add_rows(self.records)
                self._keep_cursor(keep)
            else:
                self._draw_columns(fitted)
