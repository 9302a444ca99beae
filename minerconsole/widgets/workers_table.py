"""The live workers table: one row per worker, keyed by name, updated in place.

Attributes down: the screen calls `show` with the latest rows and the names that changed, and
`set_view` with the filters and sort order. Intent up: `WorkerChosen` when a row is opened.

Drawn with the Line API: each visible line is built straight from segments and cached per
worker, keyed by the row object it shows (rows are immutable, so a new row means new data). An
update swaps rows in a dictionary and repaints; only rows that changed *and* are on screen are
formatted again, so a tick that changes 10,000 workers costs a dictionary pass and at most one
screenful of formatting (textual-8-notes §3.2 explains why DataTable's whole-table cache
invalidation is too slow for this). The cursor stays on its worker through updates, sorting and
filtering. Every cell is text from `display_safe` or a number: nothing here parses markup.

The columns fit the width the table has (`fit_layout`): in an 80-column terminal every column is
on screen with compact units (`1.44P`) and a shorter name; from about 112 columns the table is
as roomy as it gets. A change of width relays the columns out and redraws.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from backend.api.schemas import WorkerRow
from minerconsole.formatting import display_safe
from minerconsole.widgets.worker_columns import (
    COLUMNS,
    SORT_KEYS,
    STATUS_FILTERS,
    TableLayout,
    fit_layout,
)

__all__ = ["SORT_KEYS", "STATUS_FILTERS", "WorkersTable"]

ROLES = ("online", "low", "offline", "accepted", "rejected", "stale")


class WorkersTable(ScrollView, can_focus=True):
    """Workers of one account, filtered by status and name, sorted by any column."""

    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("left", "scroll_left", "Left", show=False),
        Binding("right", "scroll_right", "Right", show=False),
        Binding("enter", "choose", "Open", show=False),
    ]

    COMPONENT_CLASSES = {
        "workers--header",
        "workers--cursor",
        "workers--even",
        "workers--fixed",
        *(f"workers--{role}" for role in ROLES),
    }

    class WorkerChosen(Message):
        """The user opened a worker (Enter, or a click on the selected row)."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    def __init__(self, clock: Callable[[], float], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.worker_rows: dict[str, WorkerRow] = {}
        self.name_filter = ""
        self.status_filter = "all"
        self.sort_key = "name"
        self.sort_reverse = False
        self.order: list[str] = []
        """Names of the shown workers, in display order."""
        self.cursor = 0
        self._position: dict[str, int] = {}
        self._lines: dict[str, tuple[tuple, Strip]] = {}
        self._styles: dict[str, Style] = {}
        self.column_layout: TableLayout = fit_layout(0)
        """How the columns share the width now (set from the table's size)."""

    def on_focus(self) -> None:
        self._restyle()

    def on_blur(self) -> None:
        self._restyle()

    def on_mount(self) -> None:
        self._load_styles()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._restyle())
        self._resize()

    def on_resize(self) -> None:
        self._resize()

    # --- attributes down ---------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        """How many workers are shown (after filtering)."""
        return len(self.order)

    @property
    def selected_worker(self) -> str | None:
        """Name of the worker under the cursor."""
        return self.order[self.cursor] if self.order else None

    def cell_text(self, name: str, column_key: str) -> str:
        """What the cell of worker `name` in column `column_key` shows now (in this layout)."""
        position, column = next((i, c) for i, c in enumerate(COLUMNS) if c.key == column_key)
        text = column.text(self.worker_rows[name], self.clock(), self.column_layout.compact)
        return display_safe(text, self.column_layout.widths[position])

    def show(
        self,
        workers: Mapping[str, WorkerRow],
        changed: Iterable[str] | None = None,
        removed: Iterable[str] = (),
    ) -> None:
        """Bring the table up to date with `workers`; `changed` limits the work to those names
        (None: compare everything)."""
        previous = self.worker_rows
        self.worker_rows = dict(workers)
        names = set(workers) if changed is None else set(changed)
        gone = set(removed) if changed is not None else set(previous) - set(workers)
        order = next(c for c in COLUMNS if c.key == self.sort_key).order
        reorder = bool(gone & self._position.keys())
        for name in names:
            row = workers.get(name)
            if row is None:
                continue
            shown = name in self._position
            if self._matches(row) != shown:
                reorder = True
            elif shown and not reorder:
                before = previous.get(name)
                reorder = before is None or order(before) != order(row)
        if reorder:
            self._arrange(self.selected_worker)
            self.refresh()
        else:
            self._refresh_rows(names)

    def set_view(self, name_filter: str, status_filter: str, sort_key: str, reverse: bool) -> None:
        """Change filters and sort order, keeping the cursor on its worker when still shown."""
        self.name_filter = name_filter
        self.status_filter = status_filter
        self.sort_key = sort_key
        self.sort_reverse = reverse
        self._arrange(self.selected_worker)
        self.refresh()

    def refresh_ages(self) -> None:
        """Redraw the visible lines whose "Last" age text has moved on since they were drawn."""
        now = self.clock()
        last = COLUMNS[-1]
        compact = self.column_layout.compact
        stale = []
        for name in self._visible():
            cached = self._lines.get(name)
            if cached is None or cached[0][3] != last.text(self.worker_rows[name], now, compact):
                stale.append(name)
        self._refresh_rows(stale)

    def _visible(self) -> list[str]:
        top = self.scroll_offset.y
        return self.order[top : top + max(self.scrollable_content_region.height - 1, 0)]

    def _refresh_rows(self, names: Iterable[str]) -> None:
        """Repaint just the lines of these workers that are on screen."""
        top = self.scroll_offset.y
        bottom = top + self.scrollable_content_region.height - 1
        for name in names:
            index = self._position.get(name)
            if index is not None and top <= index < bottom:
                self.refresh_line(index + 1)  # line 0 is the header

    # --- arranging rows ------------------------------------------------------------------

    def _matches(self, row: WorkerRow) -> bool:
        if self.status_filter != "all" and row.status != self.status_filter:
            return False
        needle = self.name_filter.casefold()
        return not needle or needle in display_safe(row.name, None).casefold()

    def _arrange(self, keep: str | None) -> None:
        """Filter and sort every row; put the cursor back on `keep` when it is still shown."""
        order = next(c for c in COLUMNS if c.key == self.sort_key).order
        rows = [row for row in self.worker_rows.values() if self._matches(row)]
        # Ties break on the name so equal values keep a stable, readable order.
        rows.sort(key=lambda row: row.name.casefold())
        rows.sort(key=order, reverse=self.sort_reverse)
        self.order = [row.name for row in rows]
        self._position = {name: index for index, name in enumerate(self.order)}
        self._lines = {name: line for name, line in self._lines.items() if name in self._position}
        if keep is not None and keep in self._position:
            self.cursor = self._position[keep]
        self.cursor = max(0, min(self.cursor, len(self.order) - 1))
        self._resize()
        self._scroll_to_cursor()

    def _resize(self) -> None:
        """Fit the columns to the width there is (less a vertical scrollbar when the rows will
        need one) and size the scrollable area to match."""
        width = self.size.width
        if len(self.order) + 1 > self.size.height:
            width -= self.styles.scrollbar_size_vertical
        layout = fit_layout(width)
        if layout != self.column_layout:
            self.column_layout = layout
            self._lines.clear()
            self.refresh()
        self.virtual_size = Size(layout.total, len(self.order) + 1)

    # --- drawing ---------------------------------------------------------------------------

    def _load_styles(self) -> None:
        for name in ("header", "cursor", "even", "fixed", *ROLES):
            self._styles[name] = self.get_component_rich_style(f"workers--{name}", partial=True)

    def _restyle(self) -> None:
        """A new theme: redraw every line with the theme's colours."""
        self._load_styles()
        self._lines.clear()
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            line = self._header()
        else:
            index = self.scroll_offset.y + y - 1
            if index >= len(self.order):
                return Strip.blank(width, base)
            line = self._row_line(self.order[index], index)
        scroll_x = self.scroll_offset.x
        fixed_width = self.column_layout.cells[0]
        fixed = line.crop(0, fixed_width)
        rest = line.crop(fixed_width + scroll_x, scroll_x + width)
        return Strip.join([fixed, rest]).apply_style(base).extend_cell_length(width, base)

    def _header(self) -> Strip:
        style = self._styles.get("header", Style())
        layout = self.column_layout
        segments = [
            Segment(_fit(column.label, width, column.right, layout), style)
            for column, width in zip(COLUMNS, layout.widths, strict=True)
        ]
        return Strip(segments, layout.total)

    def _row_line(self, name: str, index: int) -> Strip:
        row = self.worker_rows[name]
        now = self.clock()
        layout = self.column_layout
        age = COLUMNS[-1].text(row, now, layout.compact)
        # The layout is not in the key: a new layout clears the cache.
        key = (row, index == self.cursor, index % 2, age)
        cached = self._lines.get(name)
        if cached is not None and cached[0] == key:
            return cached[1]
        styles = self._styles
        on_cursor = index == self.cursor
        background = styles["even"] if index % 2 else Style()
        segments = []
        for position, (column, width) in enumerate(zip(COLUMNS, layout.widths, strict=True)):
            shown = age if column.key == "last" else column.text(row, now, layout.compact)
            text = _fit(shown, width, column.right, layout)
            if on_cursor:
                # The selected row is one colour: role colours on the cursor would be unreadable.
                segments.append(Segment(text, styles["cursor"]))
                continue
            role = row.status if column.role == "status" else column.role
            style = styles.get(role, Style()) if role else Style()
            if position == 0:
                style = styles["fixed"] + style
            segments.append(Segment(text, style + background))
        line = Strip(segments, layout.total)
        self._lines[name] = (key, line)
        return line

    # --- moving --------------------------------------------------------------------------

    def _move_to(self, index: int) -> None:
        if not self.order:
            return
        index = max(0, min(index, len(self.order) - 1))
        if index != self.cursor:
            self.refresh_line(self.cursor + 1)
            self.refresh_line(index + 1)
            self.cursor = index
        self._scroll_to_cursor()

    def _scroll_to_cursor(self) -> None:
        if self.order and self.is_mounted:
            region = Region(self.scroll_offset.x, self.cursor, 1, 1)
            # The header takes the first line, so the cursor's row sits one line lower.
            self.scroll_to_region(region.translate((0, 1)), animate=False, force=True, spacing=None)
            if self.cursor < self.scroll_offset.y:
                self.scroll_to(y=self.cursor, animate=False, force=True)

    def action_cursor(self, step: int) -> None:
        self._move_to(self.cursor + step)

    def action_page(self, direction: int) -> None:
        self._move_to(self.cursor + direction * max(1, self.scrollable_content_region.height - 2))

    def action_jump(self, where: int) -> None:
        self._move_to(len(self.order) - 1 if where < 0 else 0)

    def action_choose(self) -> None:
        name = self.selected_worker
        if name is not None:
            self.post_message(self.WorkerChosen(name))

    def on_click(self, event: events.Click) -> None:
        if event.y < 1:
            return
        index = self.scroll_offset.y + event.y - 1
        if index == self.cursor:
            self.action_choose()
        else:
            self._move_to(index)


def _fit(text: str, width: int, right: bool, layout: TableLayout) -> str:
    """`text` made safe and padded (or cut, with an ellipsis) to exactly `width` cells, plus the
    layout's blank cells. Counted in terminal cells, so wide characters (emoji) keep the columns
    aligned."""
    text = display_safe(text, width)
    gap = " " * (width - cell_len(text))
    padded = gap + text if right else text + gap
    return " " * layout.pad_left + padded + " " * layout.pad_right
