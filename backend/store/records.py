"""The rows the store hands out, as plain frozen dataclasses, and the store's own errors."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Account:
    """A mining account: the name miners put before the dot of their stratum username."""

    name: str
    """Unique account name (or, for an anonymous account, the BTC address it mines to)."""
    owner: str | None
    """The owner the account belongs to (API keys see only their owner's accounts); None when
    anonymous."""
    created_at: int
    """Unix seconds, UTC."""
    anonymous: bool = False
    """True for an account created implicitly by a miner authorizing with a BTC address."""


class StoreError(Exception):
    """Base class for errors the store raises on purpose."""


class AccountExists(StoreError):
    """An account with that name already exists."""


class SchemaTooNew(StoreError):
    """The database was migrated by a newer minerpool than this one."""
