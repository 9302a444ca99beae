"""How the console's link to the pool stands, and how long to wait before trying again.

The live feed reports every success and failure here; the tracker turns them into `Connection`
states (connected / reconnecting / offline, with the data's age) and retry delays: exponential
back-off from 1 s doubling to a 30 s cap, spread by jitter, never shorter than the pool's own
`Retry-After` (security-and-reliability.md §4.5).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.message import Message

from minerconsole.messages import Connection, ConnectionChanged, LinkState


class ConnectionTracker:
    """Posts `ConnectionChanged` whenever the state (or what it shows) changes."""

    def __init__(
        self,
        post: Callable[[Message], object],
        clock: Callable[[], float],
        *,
        backoff_first: float,
        backoff_cap: float,
        offline_after: float,
        jitter: Callable[[], float],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._post = post
        self._clock = clock
        self._backoff_first = backoff_first
        self._backoff_cap = backoff_cap
        self._offline_after = offline_after
        self._jitter = jitter
        self._monotonic = monotonic
        self.current = Connection("connecting")
        self._failing_since: float | None = None
        self._failures = 0

    def _report(self, state: LinkState, **changes: object) -> None:
        fields: dict[str, object] = {
            "state": state,
            "data_at": self.current.data_at,
            "via": self.current.via,
            "detail": "",
            "retry_in": None,
        }
        fields.update(changes)
        connection = Connection(**fields)  # type: ignore[arg-type]
        if connection == self.current:
            return
        previous, self.current = self.current, connection
        # Fresh data alone is news once a second at most: the status line shows whole seconds,
        # and a busy stream would otherwise post a message per event.
        shown = (connection.state, connection.via, connection.detail, connection.retry_in)
        before = (previous.state, previous.via, previous.detail, previous.retry_in)
        if shown == before and int(previous.data_at or 0) == int(connection.data_at or 0):
            return
        self._post(ConnectionChanged(connection))

    def succeeded(self, via: str | None = None) -> None:
        """Data arrived (`via` "events" or "polling" when the way it arrives is known)."""
        self._failing_since, self._failures = None, 0
        self._report("connected", data_at=self._clock(), via=via or self.current.via or "")

    def failed(self, exc: Exception) -> float:
        """A call failed; returns how long to wait before the next attempt."""
        now = self._monotonic()
        if self._failing_since is None:
            self._failing_since = now
        self._failures += 1
        delay = min(self._backoff_cap, self._backoff_first * 2 ** (self._failures - 1))
        delay *= 0.5 + self._jitter() / 2
        hint = getattr(exc, "retry_after", None)
        if hint:
            delay = max(delay, min(hint, self._backoff_cap))
        offline = now - self._failing_since >= self._offline_after
        self._report("offline" if offline else "reconnecting", detail=str(exc), retry_in=delay)
        return delay
