"""App-wide messages: what the live feed reports and what screens ask the app to do.

Widgets declare their own messages as nested classes; these are the ones that cross screens.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from textual.message import Message

from backend.api.schemas import MinerHashrate, MinerStats, WatcherScope, WorkerRow
from minerconsole.alerts import Alert
from minerconsole.events import PoolEvent

LinkState = Literal["connecting", "connected", "reconnecting", "offline"]


@dataclass(frozen=True, slots=True)
class Connection:
    """How the console's link to the pool stands; the status line draws it."""

    state: LinkState
    data_at: float | None = None
    """Unix time of the newest data received (the status line shows its age)."""
    via: Literal["events", "polling", ""] = ""
    """How live data arrives while connected."""
    detail: str = ""
    """The last error, in a few words (untrusted when it quotes the pool)."""
    retry_in: float | None = None
    """Seconds until the next attempt, while reconnecting or offline."""


@dataclass(frozen=True, slots=True)
class AccountSummary:
    """One row of the account selection screen. `stats` / `unpaid` are None when this caller may
    not see them (watcher permissions) or they could not be loaded."""

    name: str
    stats: MinerStats | None
    unpaid: str | None
    """Unpaid balance, BTC decimal string from the rewards stats."""


@dataclass(frozen=True, slots=True)
class LiveSnapshot:
    """The latest view of the followed account, handed to the screens at each UI tick."""

    account: str
    workers: Mapping[str, WorkerRow]
    """Every worker by name (the full current map; do not mutate)."""
    changed: frozenset[str]
    """Names whose rows changed since the previous tick (added ones included)."""
    removed: frozenset[str]
    """Names gone since the previous tick."""
    stats: MinerStats | None
    series: MinerHashrate | None
    at: float
    """Unix time of the data."""
    workers_allowed: bool = True
    """False when a watcher link lacks the `workers` permission."""


@dataclass
class ConnectionChanged(Message):
    """The link to the pool changed state."""

    connection: Connection


@dataclass
class ScopeLoaded(Message):
    """The pool said which accounts and permissions this caller has."""

    scope: WatcherScope


@dataclass
class AccountsUpdated(Message):
    """Fresh numbers for every account (the account selection screen)."""

    accounts: tuple[AccountSummary, ...]


@dataclass
class LiveUpdated(Message):
    """One coalesced UI tick of the followed account."""

    snapshot: LiveSnapshot


@dataclass
class AlertsRaised(Message):
    """New alerts (worker offline or low, account hashrate under its threshold)."""

    alerts: tuple[Alert, ...]


@dataclass
class PoolEventReceived(Message):
    """A block, reward or payout event from the stream (the screens showing them reload)."""

    account: str
    event: PoolEvent


@dataclass
class AccountChosen(Message):
    """The user picked an account to follow."""

    account: str


@dataclass
class AccountCreated(Message):
    """An account was created from the console; the account list should reload."""

    account: str


@dataclass
class ThresholdSet(Message):
    """The user set (or cleared, with None) an account's hashrate alert threshold in H/s."""

    account: str
    threshold: float | None = field(default=None)
