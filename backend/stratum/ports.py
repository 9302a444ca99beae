"""What the Stratum listener needs from the rest of the pool, as small typed ports.

The session never reaches into the ledger, the store or the chain. It asks an ``Authorizer`` who a
username is and hands every judged share to a ``ShareSink``; the pool's composition root supplies
both (and tests supply doubles).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from backend.mining.shares import ShareResult


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a worker is: the account credited, the worker name, and whether the account is anonymous
    (a bare payout address rather than a registered account)."""

    account: str
    worker: str
    anonymous: bool


class AuthorizationError(Exception):
    """The authorizer refused a username. ``message`` is a short sentence safe to send to the miner
    (it goes out as the text of error 24)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Authorizer(Protocol):
    """Turns a ``mining.authorize`` username/password into an ``Identity``."""

    async def authorize(self, username: str, password: str) -> Identity:
        """The identity for ``username`` (``account.worker`` or ``<address>.worker``); raises
        ``AuthorizationError`` when the name is not acceptable."""
        ...


class ShareSink(Protocol):
    """Receives every share the domain judged, accepted or rejected."""

    def share(self, identity: Identity, result: ShareResult, peer: str) -> None:
        """Record one share. Must not block: the pool logs, counts and submits blocks from here."""
        ...


class WorkerWatcher(Protocol):
    """Receives the life of each authorized worker on a connection: when it joins, the share
    difficulty it is given, and when the connection closes. Must not block."""

    def worker_connected(self, identity: Identity, peer: str, user_agent: str) -> None:
        """The connection from ``peer`` authorized ``identity`` (``user_agent`` from subscribe)."""
        ...

    def worker_difficulty(self, identity: Identity, peer: str, difficulty: float) -> None:
        """The connection's share difficulty is now ``difficulty``."""
        ...

    def worker_disconnected(self, identity: Identity, peer: str) -> None:
        """The connection from ``peer`` closed."""
        ...


class NoWatcher:
    """A ``WorkerWatcher`` that ignores everything (the default when nothing records workers)."""

    def worker_connected(self, identity: Identity, peer: str, user_agent: str) -> None:
        """Ignored."""

    def worker_difficulty(self, identity: Identity, peer: str, difficulty: float) -> None:
        """Ignored."""

    def worker_disconnected(self, identity: Identity, peer: str) -> None:
        """Ignored."""
