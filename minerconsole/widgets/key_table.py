"""The help screen's list of keys: every binding of the screen help was opened from, and the
app's own."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rich.text import Text

from minerconsole.widgets.record_table import RecordTable


@dataclass(frozen=True, slots=True)
class KeyHelp:
    """One key: what to press, what it does, where."""

    keys: str
    description: str
    where: str


class KeyTable(RecordTable[KeyHelp]):
    """Key, action, where it applies."""

    COLUMNS = (("keys", "Key", 8), ("description", "Does", 52), ("where", "Where", 10))

    def key(self, record: KeyHelp) -> str:
        return f"{record.where}:{record.keys}"

    def cells(self, record: KeyHelp) -> Iterable[Text]:
        return [
            Text(record.keys, style="bold", end=""),
            Text(record.description, end=""),
            Text(record.where, style="dim", end=""),
        ]
