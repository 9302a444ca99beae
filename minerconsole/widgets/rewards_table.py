"""Daily rewards of an account, newest first."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from backend.api.schemas import DailyReward
from minerconsole.formatting import display_safe, format_btc, format_date, format_hashrate
from minerconsole.widgets.record_table import RecordTable


def _right(value: str) -> Text:
    return Text(value, justify="right", end="")


class RewardsTable(RecordTable[DailyReward]):
    """Date, gross, net, fee, hashrate, status."""

    COLUMNS = (
        ("date", "Date", 10),
        ("total", "Total BTC", 10),
        ("reward", "Net BTC", 10),
        ("fee", "Fee BTC", 10),
        ("hashrate", "Hashrate", 9),
        ("status", "Status", 10),
    )
    EMPTY = "no rewards yet"

    def key(self, record: DailyReward) -> str:
        return str(record.date)

    def cells(self, record: DailyReward) -> Iterable[Text]:
        return [
            Text(format_date(record.date), end=""),
            _right(format_btc(record.total_reward, unit=False)),
            _right(format_btc(record.reward, unit=False)),
            _right(format_btc(record.fee, unit=False)),
            _right(format_hashrate(record.hashrate)),
            Text(display_safe(record.status, 10), end=""),
        ]
