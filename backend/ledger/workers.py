"""A worker as the store remembers it: its connection, agent, difficulty and share history.

The stratum session reports connections (``WorkerEvents``); the recorder turns them into
``WorkerUpdate`` rows per stratum process, and the store folds those and the share buckets into
one ``WorkerRecord`` per (account, worker). Status (online / low / offline) is not stored: it
depends on *now*, so readers compute it with ``backend.ledger.status.worker_status``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WorkerUpdate:
    """One stratum process's view of one worker, as of ``seq``.

    The store keeps the newest update per (account, worker, node) by ``seq``, so a batch replayed
    late from the recovery file cannot turn a newer view back into an older one.
    """

    account: str
    """The account the worker mines for."""
    worker: str
    """The worker name."""
    node: int
    """The stratum process (``PoolSettings.instance_id``)."""
    connections: int
    """Open connections of this worker on that process (0: none)."""
    connected_at: int | None
    """When the oldest of those connections was authorized, Unix seconds; None when none."""
    user_agent: str | None
    """The user agent of the newest connection (as the miner sent it, cut to the stratum
    limit); None when unknown."""
    difficulty: float | None
    """The share difficulty most recently set on one of its connections; None before any."""
    seq: int
    """Orders updates of one process: nanoseconds since the epoch when it was taken."""


@dataclass(frozen=True, slots=True)
class WorkerRecord:
    """A worker across every stratum process (the contract's ``Store.workers`` row)."""

    account: str
    """The account."""
    name: str
    """The worker name."""
    connected: bool
    """Whether any stratum process holds a connection of it."""
    connected_at: int | None
    """When its oldest open connection was authorized; None when not connected."""
    user_agent: str | None
    """The user agent of its newest connection."""
    difficulty: float | None
    """Its current share difficulty (the newest reported)."""
    last_share_at: int | None
    """Time of its newest accepted share, None before any."""
    best_share: float
    """Highest hash difficulty among its accepted shares (0 before any)."""
    first_seen: int
    """When it first connected or first had a share accepted, whichever came first."""
