"""A read-only table of records, updated by key: the base of the console's simpler tables.

Subclasses list their `COLUMNS` and turn one record into cells in `cells`; `show` updates rows in
place by key when the same records come back in the same order, and rebuilds otherwise, keeping
the cursor on its record either way. Cells must be `Text` (or other renderables), never `str`:
DataTable parses strings as markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, TypeVar

from rich.text import Text
from textual.widgets import DataTable

Record = TypeVar("Record")

EMPTY_KEY = "\x00empty"
"""Row key of the placeholder row of an empty table (no record key can contain NUL)."""


class RecordTable(DataTable, Generic[Record]):
    """Rows keyed by `key(record)`, cells from `cells(record)`, in the order given to `show`."""

    COLUMNS: tuple[tuple[str, str, int | None], ...] = ()
    """(key, header, width) per column; width None sizes the column to its content."""

    EMPTY = "nothing yet"
    """What an empty table says (shown as its only row)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, id=id, classes=classes)
        self.records: dict[str, Record] = {}

    def on_mount(self) -> None:
        for key, label, width in self.COLUMNS:
            self.add_column(label, key=key, width=width)

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
        with self.app.batch_update():
            if list(incoming) == list(self.records) and incoming:
                for key, record in incoming.items():
                    for (column, _, _), cell in zip(self.COLUMNS, self.cells(record), strict=True):
                        self.update_cell(key, column, cell)
            else:
                self.clear()
                for key, record in incoming.items():
                    self.add_row(*self.cells(record), key=key)
                if not incoming:
                    self.add_row(Text(self.EMPTY, style="italic", end=""), key=EMPTY_KEY)
            self.records = incoming
            if keep is not None and keep in incoming:
                self.move_cursor(row=self.get_row_index(keep), animate=False)
