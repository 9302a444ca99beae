"""The account selection table: every account with hashrate, worker counts and unpaid balance."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from minerconsole.formatting import format_btc, format_hashrate, safe_text
from minerconsole.messages import AccountSummary
from minerconsole.widgets.record_table import EMPTY_KEY, RecordTable

ACCOUNT_CELLS = 24
"""Cells of an account name shown; longer names end in an ellipsis."""

ACCOUNT_MIN_CELLS = 12
"""Cells the account name keeps in a narrow terminal (80 columns leave it 15 to 17)."""


def _right(value: str, style: str = "") -> Text:
    return Text(value, style=style, justify="right", end="")


class AccountsTable(RecordTable[AccountSummary]):
    """One row per account; Enter opens it."""

    COLUMNS = (
        ("name", "Account", ACCOUNT_CELLS),
        ("h5m", "5m", 9),
        ("h1h", "1h", 9),
        ("h24h", "24h", 9),
        ("online", "On", 3),
        ("low", "Low", 3),
        ("offline", "Off", 3),
        ("unpaid", "Unpaid BTC", 11),
    )
    FLEX = {"name": ACCOUNT_MIN_CELLS}
    EMPTY = "no accounts yet — press n to create one"

    class Opened(Message):
        """The user opened an account."""

        def __init__(self, account: str) -> None:
            super().__init__()
            self.account = account

    def key(self, record: AccountSummary) -> str:
        return record.name

    def cells(self, record: AccountSummary) -> Iterable[Text]:
        stats = record.stats
        name = safe_text(record.name, ACCOUNT_CELLS)
        if stats is None:
            numbers = [_right("—")] * 6
        else:
            counts = stats.workers
            numbers = [
                _right(format_hashrate(stats.hashrate5m)),
                _right(format_hashrate(stats.hashrate1h)),
                _right(format_hashrate(stats.hashrate24h)),
                _right(str(counts.online)),
                _right(str(counts.low), "bold" if counts.low else ""),
                _right(str(counts.offline), "bold" if counts.offline else ""),
            ]
        unpaid = _right(format_btc(record.unpaid, unit=False) if record.unpaid is not None else "—")
        return [name, *numbers, unpaid]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value not in (None, EMPTY_KEY):
            self.post_message(self.Opened(event.row_key.value))
