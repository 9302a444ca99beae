"""The status line: how the link to the pool stands and how old the data on screen is."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from minerconsole.formatting import display_safe, format_age
from minerconsole.messages import Connection

SYMBOLS = {"connecting": "◌", "connected": "●", "reconnecting": "◌", "offline": "✕"}
VIA = {"events": "live", "polling": "polling", "": ""}


class StatusLine(Static):
    """One line: state, how data arrives, the data's age, the pool's address.

    The age is computed from the injected clock each time the line is drawn, and the line redraws
    itself every second, so "data 12s old" keeps counting while the pool is away.
    """

    connection: reactive[Connection] = reactive(Connection("connecting"))

    def __init__(self, clock: Callable[[], float], address: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.address = address

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick)

    def _tick(self) -> None:
        # A status line on a screen underneath would make Textual repaint the whole top screen.
        if self.screen.is_current:
            self.refresh()

    def watch_connection(self, connection: Connection) -> None:
        for state in SYMBOLS:
            self.set_class(connection.state == state, f"-{state}")

    def render(self) -> Text:
        connection = self.connection
        parts = [f"{SYMBOLS[connection.state]} {connection.state}"]
        if connection.state == "connected" and VIA[connection.via]:
            parts.append(VIA[connection.via])
        if connection.data_at is None:
            parts.append("no data yet")
        else:
            parts.append(f"data {format_age(connection.data_at, self.clock())} old")
        if connection.state in {"reconnecting", "offline"} and connection.retry_in is not None:
            parts.append(f"retry in {connection.retry_in:.0f}s")
        if connection.detail and connection.state != "connected":
            parts.append(display_safe(connection.detail, 40))
        parts.append(display_safe(self.address, 40))
        return Text(" · ".join(parts), no_wrap=True, overflow="ellipsis", end="")
