"""An in-memory pool that implements `PoolApi` with generated, deterministic data.

The benchmark drives the console with it (thousands of workers without a pool), and the console
tests use it as their fake pool: the same time always gives the same numbers, it can be taken
offline and back (`online`), and tests push events into its stream (`publish`). Writes are checked
as the real API checks them (account name rules, address decoding for the pool's network, the
watcher-link cap) and fail with the same error shapes.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field

from backend.api.schemas import (
    AccountCreated,
    AccountItem,
    AccountsPage,
    DailyRewards,
    Interval,
    MinerHashrate,
    MinerStats,
    PayoutDestination,
    PayoutDestinationEdit,
    PayoutTarget,
    PoolOverview,
    PoolStats,
    RewardsStats,
    ShareCounts,
    Transactions,
    WatcherLink,
    WatcherLinkCreate,
    WatcherLinkCreated,
    WatcherLinkCreatedData,
    WatcherLinkRevoked,
    WatcherLinkRevokedData,
    WatcherLinks,
    WatcherScope,
    WorkerHashrateV1,
    WorkerRow,
    Workers,
)
from backend.bitcoin.address import AddressError, decode_address
from backend.bitcoin.network import REGTEST, Network
from minerconsole import samples
from minerconsole.api import AccessDenied, ApiRejected, EventsUnsupported, PoolUnavailable

LINK_CAP = 3
"""Active watcher links per account (whitebit-v4-mining-api.md §6.11: currently 3)."""

_NAME = re.compile(r"[A-Za-z0-9_]{1,255}", re.ASCII)


@dataclass
class SyntheticAccount:
    """One account's mutable state."""

    name: str
    created_at: int
    workers: dict[str, WorkerRow] = field(default_factory=dict)
    destination: PayoutDestination = field(
        default_factory=lambda: PayoutDestination(
            payout_destination="main_balance", external_address=None
        )
    )
    unpaid: str = "0.00000000"
    links: list[WatcherLink] = field(default_factory=list)


class SyntheticPool:
    """A `PoolApi` over in-memory accounts. `clock` fixes "now" for every generated number."""

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        network: Network = REGTEST,
        owner: bool = True,
        permissions: Iterable[str] = ("dashboard", "rewards", "workers"),
        base_url: str = "http://synthetic.pool",
    ) -> None:
        self.clock = clock
        self.network = network
        self.owner = owner
        self.permissions = list(permissions)
        self._base_url = base_url
        self.state: dict[str, SyntheticAccount] = {}
        self.online = True
        """False: every call raises PoolUnavailable and open streams break."""
        self.events_supported = True
        self.calls: list[tuple[str, tuple]] = []
        """Every call as (method, arguments), for tests to assert on."""
        self._streams: dict[str, list[asyncio.Queue]] = {}
        self._next_link = 1

    # --- set-up ---------------------------------------------------------------------------

    def add_account(self, name: str, workers: Iterable[WorkerRow] = (), unpaid: str = "0") -> None:
        """Add an account with the given workers."""
        now = int(self.clock())
        account = SyntheticAccount(name, now - 30 * 86400 + len(self.state) * 3600)
        account.workers = {w.name: w for w in workers}
        account.unpaid = f"{float(unpaid):.8f}"
        self.state[name] = account

    def add_generated(self, name: str, count: int, unpaid: str = "0.01234567") -> None:
        """Add an account with `count` generated workers (see `samples.generated_workers`)."""
        self.add_account(name, samples.generated_workers(count, int(self.clock())), unpaid)

    def set_worker(self, account: str, row: WorkerRow) -> None:
        """Replace (or add) a worker row; no event is sent (see `publish`)."""
        self.state[account].workers[row.name] = row

    def publish(self, account: str, kind: str, data: dict) -> None:
        """Send an event to every open stream of `account`."""
        for queue in self._streams.get(account, []):
            queue.put_nowait((kind, data))

    def go_offline(self) -> None:
        """Stop answering, and break the open event streams."""
        self.online = False
        for queues in self._streams.values():
            for queue in queues:
                queue.put_nowait(None)

    # --- PoolApi --------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self._base_url

    @property
    def is_owner(self) -> bool:
        return self.owner

    def _enter(self, method: str, *args: object) -> None:
        self.calls.append((method, args))
        if not self.online:
            raise PoolUnavailable(f"cannot reach {self._base_url}: ConnectError")

    def _account(self, name: str, permission: str | None = None) -> SyntheticAccount:
        if permission is not None and permission not in self.permissions:
            raise AccessDenied(403, "permission check failed")
        if name not in self.state:
            raise ApiRejected(400, "Validation failed", {"user": ["Mining account not found."]})
        return self.state[name]

    def _owner_only(self) -> None:
        if not self.owner:
            raise AccessDenied(403, "a watcher link is read-only")

    async def scope(self) -> WatcherScope:
        self._enter("scope")
        return WatcherScope(
            accounts=list(self.state), permissions=self.permissions, live_until=None
        )  # type: ignore[arg-type]

    async def pool_stats(self) -> PoolStats:
        self._enter("pool_stats")
        rows = [w for a in self.state.values() for w in a.workers.values()]
        total = sum(w.hashrate5m for w in rows)
        active = sum(1 for w in rows if w.status != "offline")
        return samples.pool_stats(total, active, len(self.state), int(self.clock()))

    async def pool_overview(self) -> PoolOverview:
        self._enter("pool_overview")
        workers = sum(len(a.workers) for a in self.state.values())
        return samples.pool_overview(workers, int(self.clock()))

    async def accounts(self) -> AccountsPage:
        self._enter("accounts")
        self._owner_only()
        items = [AccountItem(name=a.name, created_at=a.created_at) for a in self.state.values()]
        return AccountsPage(data=items, limit=30, offset=0)

    async def create_account(self, name: str) -> AccountCreated:
        self._enter("create_account", name)
        self._owner_only()
        if not _NAME.fullmatch(name):
            problem = "The name may only contain letters, digits and underscores."
            raise ApiRejected(400, "Validation failed", {"name": [problem]})
        if name in self.state:
            raise ApiRejected(
                400, "Validation failed", {"name": ["The name has already been taken."]}
            )
        self.add_account(name)
        return AccountCreated(data=AccountItem(name=name, created_at=int(self.clock())))

    async def miner_stats(self, account: str) -> MinerStats:
        self._enter("miner_stats", account)
        workers = list(self._account(account, "dashboard").workers.values())
        counts = samples.counts(workers)
        accepted = sum(w.accepted24h for w in workers)
        rejected = sum(w.rejected24h for w in workers)
        stale = sum(w.stale24h for w in workers)
        return MinerStats(
            hashrate5m=sum(w.hashrate5m for w in workers),
            hashrate1h=sum(w.hashrate1h for w in workers),
            hashrate24h=sum(w.hashrate24h for w in workers),
            workers=counts,
            shares=ShareCounts(accepted24h=accepted, rejected24h=rejected, stale24h=stale),
            reject_rate1h=(rejected + stale) / max(accepted + rejected + stale, 1),
            last_share_at=max((w.last_share_at or 0 for w in workers), default=None) or None,
            best_share=max((w.best_share for w in workers), default=0.0),
            current_difficulty=max((w.current_difficulty or 0 for w in workers), default=None)
            or None,
        )

    async def miner_hashrate(self, account: str, interval: Interval) -> MinerHashrate:
        self._enter("miner_hashrate", account, interval)
        workers = self._account(account, "dashboard").workers.values()
        level = sum(w.hashrate24h for w in workers)
        points = samples.account_series(
            level, len(workers), interval, int(self.clock()), len(account)
        )
        return MinerHashrate(interval=interval, points=points)

    async def workers(self, account: str) -> Workers:
        self._enter("workers", account)
        rows = sorted(self._account(account, "workers").workers.values(), key=lambda w: w.name)
        return Workers(workers=rows, totals=samples.counts(rows))

    async def worker_hashrate(
        self, account: str, worker: str, interval: Interval
    ) -> WorkerHashrateV1:
        self._enter("worker_hashrate", account, worker, interval)
        row = self._account(account, "workers").workers.get(worker)
        if row is None:
            raise ApiRejected(400, "Validation failed", {"worker": ["Worker not found."]})
        return WorkerHashrateV1(points=samples.worker_series(row, interval, int(self.clock())))

    async def rewards_stats(self, account: str) -> RewardsStats:
        self._enter("rewards_stats", account)
        state = self._account(account, "rewards")
        dest = state.destination
        return RewardsStats(
            total_paid="0.52000000",
            total_earned=f"{0.52 + float(state.unpaid):.8f}",
            unpaid=state.unpaid,
            today_estimated="0.00061000",
            yesterday="0.00062500",
            last7d="0.00431000",
            last30d="0.01850000",
            payout_threshold="0.00100000",
            payout_destination=PayoutTarget(
                type=dest.payout_destination, address=dest.external_address
            ),
            last_payout_at=int(self.clock()) - 2 * 86400,
            reward_scheme="FPPS",
            pool_fee_pct="2.0",
        )

    async def daily_rewards(self, account: str, limit: int = 30) -> DailyRewards:
        self._enter("daily_rewards", account)
        self._account(account, "rewards")
        rows = samples.daily_rewards(int(self.clock()), min(limit, 14))
        return DailyRewards(rewards=rows, limit=limit, offset=0)

    async def transactions(self, account: str, limit: int = 30) -> Transactions:
        self._enter("transactions", account)
        self._account(account, "rewards")
        rows = samples.payouts(int(self.clock()), min(limit, 5))
        return Transactions(transactions=rows, limit=limit, offset=0)

    async def payout_destination(self, account: str) -> PayoutDestination:
        self._enter("payout_destination", account)
        self._owner_only()
        return self._account(account).destination

    async def set_payout_destination(self, edit: PayoutDestinationEdit) -> PayoutDestination:
        self._enter("set_payout_destination", edit)
        self._owner_only()
        state = self._account(edit.account_name)
        if edit.destination == "external_address":
            if not edit.address:
                key = "miningPool.validation.payoutDestination.btcAddressRequired"
                raise ApiRejected(400, "Validation failed", {"address": [key]})
            try:
                decode_address(edit.address, self.network)
            except AddressError:
                key = "miningPool.validation.payoutDestination.invalidBtcAddress"
                raise ApiRejected(400, "Validation failed", {"address": [key]}) from None
        address = edit.address if edit.destination == "external_address" else None
        state.destination = PayoutDestination(
            payout_destination=edit.destination, external_address=address
        )
        return state.destination

    async def watcher_links(self, account: str) -> WatcherLinks:
        self._enter("watcher_links", account)
        self._owner_only()
        return WatcherLinks(data=list(self._account(account).links))

    async def create_watcher_link(self, request: WatcherLinkCreate) -> WatcherLinkCreated:
        self._enter("create_watcher_link", request)
        self._owner_only()
        states = [self._account(name) for name in request.accounts]
        if any(len(s.links) >= LINK_CAP for s in states):
            raise ApiRejected(400, "Validation failed", {"user": ["Limit exceeded"]})
        now = int(self.clock())
        link_id = f"wl{self._next_link:04d}"
        self._next_link += 1
        token = f"wt_{link_id}_{'s3cr3t' * 4}"
        durations = {"1h": 3600, "24h": 86400, "7d": 7 * 86400}
        until = now + durations[request.live_until] if request.live_until in durations else None
        link = f"{self._base_url}/watch?token={token}"
        masked = WatcherLink(
            id=link_id,
            accounts=request.accounts,
            name=request.name,
            link=f"{self._base_url}/watch?token=wt_…",
            permissions=request.permissions,
            live_until=until,
            created_at=now,
        )
        for state in states:
            state.links.append(masked)
        return WatcherLinkCreated(
            data=WatcherLinkCreatedData(id=link_id, link=link, live_until=until, created_at=now)
        )

    async def revoke_watcher_link(self, link_id: str) -> WatcherLinkRevoked:
        self._enter("revoke_watcher_link", link_id)
        self._owner_only()
        found = False
        for state in self.state.values():
            kept = [link for link in state.links if link.id != link_id]
            found |= len(kept) != len(state.links)
            state.links = kept
        if not found:
            raise ApiRejected(400, "Validation failed", {"id": ["Watcher link not found."]})
        return WatcherLinkRevoked(data=WatcherLinkRevokedData(id=link_id, revoked=True))

    async def events(self, account: str) -> AsyncIterator[tuple[str, dict]]:
        self._enter("events", account)
        self._account(account, "dashboard")
        if not self.events_supported:
            raise EventsUnsupported("no event stream (404)")
        queue: asyncio.Queue = asyncio.Queue()
        self._streams.setdefault(account, []).append(queue)
        try:
            while True:
                item = await queue.get()
                if item is None:
                    raise PoolUnavailable("event stream broke: RemoteProtocolError")
                yield item
        finally:
            self._streams[account].remove(queue)

    async def close(self) -> None:
        self.calls.append(("close", ()))
