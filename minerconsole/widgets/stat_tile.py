"""A stat tile: a small label over a big value."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class StatTile(Static):
    """Label and value; `-warn` / `-bad` classes let the stylesheet colour the value by role."""

    def __init__(self, label: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.label = label
        self.value: Text = Text("—")

    def set_value(self, value: Text | str, level: str = "") -> None:
        """Show `value` (a str is taken literally, never as markup); `level` "warn" or "bad"."""
        value = value if isinstance(value, Text) else Text(value)
        same_level = (self.has_class("-warn"), self.has_class("-bad")) == (
            level == "warn",
            level == "bad",
        )
        if value == self.value and same_level:
            return  # nothing to redraw: live ticks mostly repeat the same numbers
        self.value = value
        self.set_class(level == "warn", "-warn")
        self.set_class(level == "bad", "-bad")
        self.refresh()

    def render(self) -> Text:
        value = self.value.copy()
        value.stylize("bold")
        return Text.assemble(Text(self.label, style="dim"), "\n", value, no_wrap=True, end="")
