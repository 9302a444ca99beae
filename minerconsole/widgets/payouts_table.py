"""Payout history: the withdrawals among an account's transactions, newest first."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from backend.api.schemas import Transaction
from minerconsole.formatting import display_safe, format_btc, format_date, safe_text
from minerconsole.widgets.record_table import RecordTable

TXID_CELLS = 16
"""Cells of a txid shown (its start, enough to find it in an explorer)."""


class PayoutsTable(RecordTable[Transaction]):
    """Date, amount, status, address, txid."""

    COLUMNS = (
        ("date", "Date", 10),
        ("amount", "BTC", 10),
        ("status", "Status", 9),
        ("address", "Address", 24),
        ("txid", "Txid", TXID_CELLS),
    )
    FLEX = {"address": 14}
    EMPTY = "no payouts yet"

    def key(self, record: Transaction) -> str:
        return record.id

    def cells(self, record: Transaction) -> Iterable[Text]:
        return [
            Text(format_date(record.created_at), end=""),
            Text(format_btc(record.value, unit=False), justify="right", end=""),
            Text(display_safe(record.status, 9), end=""),
            safe_text(record.address or "main balance", 24),
            safe_text(record.txid or "—", TXID_CELLS),
        ]
