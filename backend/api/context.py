"""Everything a route needs, built once per app: the store, the account registry, the key and
token machinery, the limiters, the pool's facts, the live event feed and the clock.

Routes receive it as `request.app.state.context`; nothing in the API reaches for globals.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from backend.accounts.registry import AccountRegistry
from backend.api.facts import PoolFacts
from backend.api.keys import ApiKeys
from backend.api.limits import DEFAULT_LIMITS, ApiLimits
from backend.api.nonces import NonceGuard
from backend.api.ratelimit import Budget, FailureWindow, TokenBuckets
from backend.api.secretbox import SecretBox
from backend.api.signing import SignedRequests
from backend.api.watchers import WatcherLinks
from backend.bitcoin.network import Network


@dataclass
class ApiContext:
    """The API's collaborators. Build with `ApiContext.build`."""

    store: Any
    """The store (SqliteStore or PostgresStore): accounts, ledger reads, API tables."""
    accounts: AccountRegistry
    """Creating and looking up mining accounts."""
    network: Network
    """The chain's network, for payout address checks."""
    facts: PoolFacts
    """The running pool's settings, chain and counters."""
    limits: ApiLimits
    """Every API limit."""
    keys: ApiKeys
    """API keys."""
    signed: SignedRequests
    """Signed-request verification."""
    watchers: WatcherLinks
    """Watcher links and tokens."""
    token_budgets: TokenBuckets
    """Per watcher token: 100/min and 1000/h."""
    public_budgets: TokenBuckets
    """Per IP and public or anonymous endpoint."""
    token_failures: FailureWindow
    """Failed token lookups per IP."""
    feed: Any = None
    """The live event feed (`backend.ledger.feed.EventFeed`), None when there is none."""
    clock: Callable[[], float] = time.time
    """Wall clock, Unix seconds: decides expiry, time windows and "now" in every view."""
    views: dict[str, Any] = field(default_factory=dict)
    """Caches of computed views, by name (`backend.api.readmodel`)."""
    closing: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when the API shuts down: open event streams end."""

    @classmethod
    def build(
        cls,
        *,
        store: Any,
        accounts: AccountRegistry,
        network: Network,
        facts: PoolFacts,
        master_key: bytes,
        public_url: str,
        limits: ApiLimits = DEFAULT_LIMITS,
        feed: Any = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> ApiContext:
        """Wire the key, nonce, token and limiter machinery from its settings."""
        keys = ApiKeys(store, SecretBox(master_key), clock)
        failures = FailureWindow(
            limits.failed_auth, limits.failed_auth_window, limits.limiter_entries, monotonic
        )
        signed = SignedRequests(
            keys,
            NonceGuard(store, limits, lambda: int(clock() * 1000)),
            TokenBuckets(
                (Budget(limits.key_requests, limits.key_window),),
                limits.limiter_entries,
                monotonic,
            ),
            failures,
        )
        return cls(
            store=store,
            accounts=accounts,
            network=network,
            facts=facts,
            limits=limits,
            keys=keys,
            signed=signed,
            watchers=WatcherLinks(store, public_url, limits.watcher_links_per_account, clock),
            token_budgets=TokenBuckets(
                (Budget(limits.token_per_minute, 60.0), Budget(limits.token_per_hour, 3600.0)),
                limits.limiter_entries,
                monotonic,
            ),
            public_budgets=TokenBuckets(
                (Budget(limits.public_requests, limits.key_window),),
                limits.limiter_entries,
                monotonic,
            ),
            token_failures=failures,
            feed=feed,
            clock=clock,
        )

    def now(self) -> int:
        """The current Unix second."""
        return int(self.clock())
