"""The console's port to a pool: the `PoolApi` protocol and the errors its methods raise.

`client.PoolClient` (owner key) and `client.WatcherClient` (watcher token) implement it over HTTP;
tests and the benchmark use `synthetic.SyntheticPool`. Every method returns a model from
`backend.api.schemas`, the one wire contract (STYLE rule 22).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from backend.api.schemas import (
    AccountCreated,
    AccountsPage,
    DailyRewards,
    Interval,
    MinerHashrate,
    MinerStats,
    PayoutDestination,
    PayoutDestinationEdit,
    PoolOverview,
    PoolStats,
    RewardsStats,
    Transactions,
    WatcherLinkCreate,
    WatcherLinkCreated,
    WatcherLinkRevoked,
    WatcherLinks,
    WatcherScope,
    WorkerHashrateV1,
    Workers,
)

EVENT_KINDS = ("worker", "hashrate", "block", "reward", "payout")
"""Kinds of event the pool's stream sends (watcher-api-v1.md #11)."""


class ApiError(Exception):
    """Base of everything a `PoolApi` method raises on purpose."""


class PoolUnavailable(ApiError):
    """The pool cannot be reached or cannot answer right now (connection refused, timeout, 5xx,
    429). Worth retrying: `retry_after` is the pool's own hint in seconds, when it gave one."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ApiRejected(ApiError):
    """The pool answered and refused the request (4xx): `message` and per-field `errors` come from
    the API's error body and are shown to the user (safely)."""

    def __init__(
        self, status: int, message: str, errors: dict[str, list[str]] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or {}

    def describe(self) -> str:
        """One line for the user: the field errors when there are any, else the message."""
        if not self.errors:
            return self.message
        parts = [f"{field}: {', '.join(texts)}" for field, texts in self.errors.items()]
        return "; ".join(parts)


class AccessDenied(ApiRejected):
    """401/403: a bad, expired or revoked key or token, or a permission this caller lacks."""


class EventsUnsupported(ApiError):
    """The pool does not serve the event stream (404/405): poll instead."""


class PoolApi(Protocol):
    """Everything the console asks of a pool. Owner-only methods raise `AccessDenied` on a watcher
    connection; `is_owner` tells the screens which actions to offer."""

    @property
    def base_url(self) -> str:
        """The pool's API address, shown in the status line."""
        ...

    @property
    def is_owner(self) -> bool:
        """True with an owner key (v4 writes allowed), False with a watcher token."""
        ...

    async def scope(self) -> WatcherScope:
        """GET /api/v1/watcher: the accounts and permissions this caller may see."""
        ...

    async def pool_stats(self) -> PoolStats:
        """GET /api/v1/pool/btc/stats."""
        ...

    async def pool_overview(self) -> PoolOverview:
        """GET /api/v4/public/mining-pool (stratum URLs, recent blocks)."""
        ...

    async def accounts(self) -> AccountsPage:
        """POST /api/v4/mining/accounts (owner)."""
        ...

    async def create_account(self, name: str) -> AccountCreated:
        """POST /api/v4/mining/accounts/create (owner)."""
        ...

    async def miner_stats(self, account: str) -> MinerStats:
        """GET /api/v1/accounts/{account}/btc/miner/stats (dashboard)."""
        ...

    async def miner_hashrate(self, account: str, interval: Interval) -> MinerHashrate:
        """GET /api/v1/accounts/{account}/btc/miner/hashrate (dashboard)."""
        ...

    async def workers(self, account: str) -> Workers:
        """GET /api/v1/accounts/{account}/btc/miner/workers?status=all (workers)."""
        ...

    async def worker_hashrate(
        self, account: str, worker: str, interval: Interval
    ) -> WorkerHashrateV1:
        """GET /api/v1/accounts/{account}/btc/miner/workers/{worker}/hashrate (workers)."""
        ...

    async def rewards_stats(self, account: str) -> RewardsStats:
        """GET /api/v1/accounts/{account}/btc/rewards-stats (rewards)."""
        ...

    async def daily_rewards(self, account: str, limit: int = 30) -> DailyRewards:
        """GET /api/v1/accounts/{account}/btc/rewards (rewards)."""
        ...

    async def transactions(self, account: str, limit: int = 30) -> Transactions:
        """GET /api/v1/accounts/{account}/transactions (rewards): rewards, fees and payouts."""
        ...

    async def payout_destination(self, account: str) -> PayoutDestination:
        """POST /api/v4/mining/payout-destination (owner)."""
        ...

    async def set_payout_destination(self, edit: PayoutDestinationEdit) -> PayoutDestination:
        """POST /api/v4/mining/payout-destination/edit (owner)."""
        ...

    async def watcher_links(self, account: str) -> WatcherLinks:
        """POST /api/v4/mining/watcher-links/list (owner)."""
        ...

    async def create_watcher_link(self, request: WatcherLinkCreate) -> WatcherLinkCreated:
        """POST /api/v4/mining/watcher-links/create (owner)."""
        ...

    async def revoke_watcher_link(self, link_id: str) -> WatcherLinkRevoked:
        """POST /api/v4/mining/watcher-links/revoke (owner, extension)."""
        ...

    def events(self, account: str) -> AsyncIterator[tuple[str, dict]]:
        """GET /api/v1/accounts/{account}/btc/events: (kind, data) pairs until the stream ends.
        Raises `EventsUnsupported` when the pool has no stream, `PoolUnavailable` when it breaks."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
