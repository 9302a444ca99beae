"""An account's watcher links (their tokens masked: a link is shown in full only once)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.text import Text

from backend.api.schemas import WatcherLink
from minerconsole.formatting import display_safe, format_expiry, format_time, safe_text
from minerconsole.widgets.record_table import RecordTable


class LinksTable(RecordTable[WatcherLink]):
    """Name, accounts, permissions, expiry, created, masked link."""

    COLUMNS = (
        ("name", "Name", 16),
        ("accounts", "Accounts", 16),
        ("permissions", "Permissions", 24),
        ("expires", "Expires", 12),
        ("created", "Created", 17),
        ("link", "Link", 30),
    )
    # In 80 columns: name, accounts, permissions and expiry; the masked link and the creation
    # time come back as the terminal widens (the link is only a reminder: it was shown once).
    FLEX = {"link": 16}
    OPTIONAL = ("link", "created")
    EMPTY = "no watcher links — press n to create one"

    def __init__(self, clock: Callable[[], float], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock

    def key(self, record: WatcherLink) -> str:
        return record.id

    def cells(self, record: WatcherLink) -> Iterable[Text]:
        return [
            safe_text(record.name, 16),
            safe_text(", ".join(record.accounts), 16),
            Text(display_safe(", ".join(record.permissions), 24), end=""),
            Text(format_expiry(record.live_until, self.clock()), end=""),
            Text(format_time(record.created_at), end=""),
            safe_text(record.link, 30),
        ]
