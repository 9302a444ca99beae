"""The alerts raised since the console started, newest first."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from minerconsole.alerts import Alert
from minerconsole.formatting import format_time, safe_text
from minerconsole.widgets.record_table import RecordTable

KIND_LABELS = {
    "worker_offline": "offline",
    "worker_low": "low",
    "hashrate_low": "hashrate",
}


class AlertsTable(RecordTable[Alert]):
    """Time, account, kind, subject, detail."""

    COLUMNS = (
        ("time", "Time", 17),
        ("account", "Account", 14),
        ("kind", "Kind", 8),
        ("subject", "Worker / account", 20),
        ("detail", "Detail", 40),
    )
    # The detail is cut first (a toast showed it whole when the alert was raised).
    FLEX = {"detail": 16, "subject": 12, "account": 10}
    EMPTY = "no alerts"

    def key(self, record: Alert) -> str:
        return f"{record.at}:{record.account}:{record.kind}:{record.subject}"

    def cells(self, record: Alert) -> Iterable[Text]:
        return [
            Text(format_time(record.at), end=""),
            safe_text(record.account, 14),
            Text(KIND_LABELS[record.kind], end=""),
            safe_text(record.subject, 20),
            safe_text(record.detail, 60),
        ]
