"""When the console raises an alert: a worker going offline or low, an account's hashrate falling
below the threshold its owner set. Pure: rows and times in, `Alert` values out.

This brings the integration pattern the WhiteBIT docs recommend (poll the workers, alert on status
changes) into the console itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from backend.api.schemas import WorkerRow
from minerconsole.formatting import format_hashrate

AlertKind = Literal["worker_offline", "worker_low", "hashrate_low"]


@dataclass(frozen=True, slots=True)
class Alert:
    """One thing the user should know about. `subject` is untrusted (a worker name): show it
    with `safe_text`."""

    at: float
    """Unix time the console noticed it."""
    account: str
    kind: AlertKind
    subject: str
    """The worker name, or the account name for hashrate alerts."""
    detail: str
    """A short sentence without the subject, e.g. "went offline" or "1.2 TH/s < 2 TH/s"."""


def worker_alerts(
    account: str, before: Mapping[str, WorkerRow], after: Iterable[WorkerRow], now: float
) -> list[Alert]:
    """Alerts for workers whose status got worse between two views of an account.

    Only transitions count: a worker seen for the first time already offline raises nothing, and
    a worker that stays low does not repeat its alert every tick.
    """
    alerts: list[Alert] = []
    for row in after:
        previous = before.get(row.name)
        if previous is None or previous.status == row.status:
            continue
        if row.status == "offline":
            alerts.append(Alert(now, account, "worker_offline", row.name, "went offline"))
        elif row.status == "low" and previous.status == "online":
            alerts.append(Alert(now, account, "worker_low", row.name, "hashrate is low"))
    return alerts


class HashrateWatch:
    """Remembers which accounts are below their threshold, so each fall raises one alert and the
    alert re-arms once the hashrate is back at or above the threshold."""

    def __init__(self) -> None:
        self._below: set[str] = set()

    def check(
        self, account: str, hashrate: float, threshold: float | None, now: float
    ) -> Alert | None:
        """An alert when `hashrate` (H/s, the 5-minute average) has just fallen below
        `threshold`; None otherwise, and always None without a threshold."""
        if threshold is None or threshold <= 0 or hashrate >= threshold:
            self._below.discard(account)
            return None
        if account in self._below:
            return None
        self._below.add(account)
        detail = f"hashrate {format_hashrate(hashrate)} is below {format_hashrate(threshold)}"
        return Alert(now, account, "hashrate_low", account, detail)
