"""The wire contract of the pool's HTTP API: one pydantic model per request and response body.

Imported by the API routes and by the console's client, so there is exactly one copy of every
shape (STYLE rule 22). Field names are Python snake_case; on the wire they are camelCase, except
the public pool overview, whose current WhiteBIT revision uses snake_case
(whitebit-v4-mining-api.md §6.1). Amounts and hashrates are decimal strings where the contracts
say so; counts and Unix-second timestamps are integers.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Interval = Literal["5m", "1h", "24h"]
LiveUntil = Literal["1h", "24h", "7d", "always"]
Permission = Literal["dashboard", "rewards", "workers"]
Destination = Literal["main_balance", "external_address"]
RewardStatus = Literal["pending", "successful", "canceled"]
WorkerStatus = Literal["online", "low", "offline"]

Name = Annotated[str, Field(max_length=255)]
"""A mining account or worker name in a request: at most 255 characters (§6.2, §6.8-§6.12)."""
Limit = Annotated[int, Field(ge=1, le=100, strict=True)]
"""A page size: 1-100 (§6.4, §6.9)."""
Offset = Annotated[int, Field(ge=0, le=10000, strict=True)]
"""A page offset: 0-10000 (§6.4, §6.9)."""
Timestamp = Annotated[int, Field(ge=0, le=2**53, strict=True)]
"""Unix seconds in a request."""


def camel(name: str) -> str:
    """`reject_rate1h` → `rejectRate1h`: capitals only after underscores, so the contracts'
    `hashrate5m` and `accepted24h` keep their lower-case unit suffixes."""
    head, *rest = name.rstrip("_").split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


class Wire(BaseModel):
    """camelCase on the wire, snake_case in Python; unknown fields ignored on read."""

    model_config = ConfigDict(alias_generator=camel, populate_by_name=True, extra="ignore")


class SnakeWire(BaseModel):
    """Shapes whose wire keys are snake_case already (the public pool overview)."""

    model_config = ConfigDict(extra="ignore")


# --- errors ------------------------------------------------------------------------------------


class V4Error(Wire):
    """Private v4 error body: `{"code": 0, "message": "Validation failed", "errors": {...}}`."""

    code: int
    message: str
    errors: dict[str, list[str]] | None = None


class ReadError(Wire):
    """Read API v1 error body (`auth.unauthorized`, `auth.unexpected_error`, ...)."""

    code: str
    message: str
    redirect: str | None = None
    errors: dict[str, list[str]] | None = None


# --- v4 public ---------------------------------------------------------------------------------


class HashratePointSnake(SnakeWire):
    timestamp: int
    hashrate: str


class FoundBlockSnake(SnakeWire):
    block_found_at: int
    block_height: int


class PoolOverviewData(SnakeWire):
    connection_links: list[str]
    location: str
    assets: list[str]
    reward_schemes: list[str]
    workers: int
    current_hash_rate: str
    last7days_hash_rate: list[HashratePointSnake]
    blocks: list[FoundBlockSnake]


class PoolOverview(SnakeWire):
    """GET /api/v4/public/mining-pool (§6.1, current snake_case revision)."""

    data: PoolOverviewData


# --- v4 signed: accounts -------------------------------------------------------------------------


class AccountCreateRequest(Wire):
    name: str
    """Checked by `backend.accounts.names` (letters, digits, underscore; at most 255)."""
    referral_code: Annotated[str, Field(max_length=50)] | None = None
    """Accepted and ignored: this pool has no referral programme."""


class AccountItem(Wire):
    name: str
    created_at: int


class AccountCreated(Wire):
    """POST /api/v4/mining/accounts/create (§6.2)."""

    data: AccountItem


class AccountsRequest(Wire):
    name: Name | None = None
    """Exact-match filter."""
    limit: Limit = 30
    """Extension: the reference echoes `limit`/`offset` but accepts none (gap 13)."""
    offset: Offset = 0


class AccountsPage(Wire):
    """POST /api/v4/mining/accounts (§6.3)."""

    data: list[AccountItem]
    limit: int
    offset: int


# --- v4 signed: rewards and hashrate -----------------------------------------------------------


class RewardsRequest(Wire):
    account: Name | None = None
    from_: Timestamp | None = None
    to: Timestamp | None = None
    limit: Limit = 30
    offset: Offset = 0


class MiningReward(Wire):
    """One daily reward (§6.4)."""

    mining_account_name: str
    payout_destination: Destination
    payout_transaction_hash: str | None
    payout_address: str | None
    payout_time: int | None
    reward_currency: str
    total_reward: str
    reward: str
    fee: str
    fpps_rate: str
    hash_rate: str
    date: int
    status: RewardStatus


class RewardsPage(Wire):
    """POST /api/v4/mining/rewards (§6.4)."""

    offset: int
    limit: int
    data: list[MiningReward]


class HashrateRequest(Wire):
    account: Name
    from_: Timestamp | None = None
    to: Timestamp | None = None
    interval: Interval = "1h"


class AccountHashratePoint(Wire):
    timestamp: int
    hashrate: str
    reject_rate: float


class AccountHashrateData(Wire):
    account: str
    hashrate: list[AccountHashratePoint]


class AccountHashrate(Wire):
    """POST /api/v4/mining/hashrate (§6.5)."""

    data: AccountHashrateData


# --- v4 signed: payout destination --------------------------------------------------------------


class PayoutDestinationRequest(Wire):
    account_name: Name


class PayoutDestinationEdit(Wire):
    account_name: Name
    destination: Destination
    address: Annotated[str, Field(max_length=100)] | None = None
    """Required for external_address; a BTC address of the pool's network (§6.7, gap 16)."""


class PayoutDestination(Wire):
    """Both payout-destination endpoints: top level, no `data` envelope (§6.6, §6.7)."""

    payout_destination: Destination
    external_address: str | None


# --- v4 signed: miners and workers ------------------------------------------------------------


class AccountRequest(Wire):
    """Body of the endpoints that name one account as `account`."""

    account: Name


class WorkerCounts(Wire):
    online: int
    offline: int
    low: int


class StratumEndpoint(Wire):
    url: str
    workers_count: int


class MinersInfoData(Wire):
    fee: str
    workers: WorkerCounts
    stratum: list[StratumEndpoint]


class MinersInfo(Wire):
    """POST /api/v4/mining/miners/info (§6.8)."""

    data: MinersInfoData


class WorkerNamesRequest(Wire):
    account: Name
    offset: Offset = 0
    limit: Limit = 100


class WorkerNamesData(Wire):
    workers: list[str]


class WorkerNames(Wire):
    """POST /api/v4/mining/workers/names (§6.9): online workers, name ascending."""

    data: WorkerNamesData
    limit: int
    offset: int


class WorkerHashrateRequest(Wire):
    account: Name
    worker: Name
    interval: Interval = "1h"
    from_: Timestamp | None = None
    to: Timestamp | None = None


class WorkerHashratePoint(Wire):
    time: int
    hashrate: str


class WorkerHashrateData(Wire):
    hashrates: list[WorkerHashratePoint]


class WorkerHashrate(Wire):
    """POST /api/v4/mining/workers/hashrate (§6.10): hashrate in TH/s as the current text."""

    data: WorkerHashrateData


# --- v4 signed: watcher links ---------------------------------------------------------------


class WatcherLinkCreate(Wire):
    accounts: Annotated[list[Name], Field(min_length=1, max_length=100)]
    name: Annotated[str, Field(max_length=255, pattern=r"^[a-zA-Z0-9_]+$")]
    permissions: Annotated[list[Permission], Field(min_length=1, max_length=3)]
    live_until: LiveUntil


class WatcherLinkCreatedData(Wire):
    id: str
    link: str
    live_until: int | None
    created_at: int


class WatcherLinkCreated(Wire):
    """POST /api/v4/mining/watcher-links/create (§6.11), status 201. `link` carries the token,
    shown this once."""

    data: WatcherLinkCreatedData


class WatcherLink(Wire):
    id: str
    accounts: list[str]
    name: str
    link: str
    """The link with its token masked: the token is never shown again after creation."""
    permissions: list[Permission]
    live_until: int | None
    created_at: int


class WatcherLinks(Wire):
    """POST /api/v4/mining/watcher-links/list (§6.12)."""

    data: list[WatcherLink]


# --- v4 extensions (marked as such in the OpenAPI document) --------------------------------


class WatcherLinkRevoke(Wire):
    id: Annotated[str, Field(max_length=64)]


class WatcherLinkRevokedData(Wire):
    id: str
    revoked: bool


class WatcherLinkRevoked(Wire):
    """Extension: POST /api/v4/mining/watcher-links/revoke."""

    data: WatcherLinkRevokedData


class BalanceData(Wire):
    account: str
    available: str
    """BTC, 8 decimals: credited and not reserved for a payout."""
    immature: str
    """BTC credited from blocks that are not yet confirmed (PPLNS)."""
    pending_payout: str
    """BTC reserved for payouts that have not confirmed yet."""
    total_paid: str
    total_earned: str
    payout_threshold: str


class Balance(Wire):
    """Extension: POST /api/v4/mining/balance."""

    data: BalanceData


class PayoutHistoryRequest(Wire):
    account: Name
    limit: Limit = 30
    offset: Offset = 0


class PayoutItem(Wire):
    id: str
    amount: str
    address: str
    txid: str | None
    status: Literal["reserved", "sent", "confirmed", "released"]
    created_at: int
    sent_at: int | None
    confirmed_at: int | None


class PayoutHistory(Wire):
    """Extension: POST /api/v4/mining/payouts."""

    data: list[PayoutItem]
    limit: int
    offset: int


# --- read API v1 (watcher-api-v1.md) -------------------------------------------------------


class LastBlock(Wire):
    height: int
    hash: str
    found_at: int


class PoolStats(Wire):
    """GET /api/v1/pool/btc/stats."""

    hashrate5m: float
    hashrate1h: float
    hashrate24h: float
    active_workers: int
    active_accounts: int
    reward_scheme: str
    pool_fee_pct: str
    network_difficulty: float
    network_hashrate: float
    block_height: int
    round_effort_pct: float
    last_block: LastBlock | None


class WatcherScope(Wire):
    """GET /api/v1/watcher: what this caller may see."""

    accounts: list[str]
    permissions: list[Permission]
    live_until: int | None


class ShareCounts(Wire):
    accepted24h: int
    rejected24h: int
    stale24h: int


class MinerStats(Wire):
    """GET /api/v1/accounts/{account}/btc/miner/stats."""

    hashrate5m: float
    hashrate1h: float
    hashrate24h: float
    workers: WorkerCounts
    shares: ShareCounts
    reject_rate1h: float
    last_share_at: int | None
    best_share: float
    current_difficulty: float | None


class PayoutTarget(Wire):
    type: Destination
    address: str | None


class RewardsStats(Wire):
    """GET /api/v1/accounts/{account}/btc/rewards-stats (amounts: BTC, 8 decimals)."""

    total_paid: str
    total_earned: str
    unpaid: str
    today_estimated: str
    yesterday: str
    last7d: str
    last30d: str
    payout_threshold: str
    payout_destination: PayoutTarget
    last_payout_at: int | None
    reward_scheme: str
    pool_fee_pct: str


class DailyReward(Wire):
    date: int
    total_reward: str
    reward: str
    fee: str
    fpps_rate: str
    hashrate: float
    status: RewardStatus


class DailyRewards(Wire):
    """GET /api/v1/accounts/{account}/btc/rewards."""

    rewards: list[DailyReward]
    limit: int
    offset: int


class MinerHashratePoint(Wire):
    timestamp: int
    hashrate: float
    reject_rate: float
    active_workers: int


class MinerHashrate(Wire):
    """GET /api/v1/accounts/{account}/btc/miner/hashrate."""

    interval: Interval
    points: list[MinerHashratePoint]


class WorkerRow(Wire):
    name: str
    status: WorkerStatus
    hashrate5m: float
    hashrate1h: float
    hashrate24h: float
    accepted24h: int
    rejected24h: int
    stale24h: int
    reject_rate: float
    last_share_at: int | None
    current_difficulty: float | None
    best_share: float
    connected_at: int | None
    user_agent: str | None


class Workers(Wire):
    """GET /api/v1/accounts/{account}/btc/miner/workers."""

    workers: list[WorkerRow]
    totals: WorkerCounts


class WorkerHashratePointV1(Wire):
    timestamp: int
    hashrate: float
    reject_rate: float


class WorkerHashrateV1(Wire):
    """GET /api/v1/accounts/{account}/btc/miner/workers/{worker}/hashrate."""

    points: list[WorkerHashratePointV1]


class Transaction(Wire):
    id: str
    type: Literal[
        "TX_TYPE_MINING_REWARD",
        "TX_TYPE_SCHEDULED_USER_MINING_REWARDS_WITHDRAWAL",
        "TX_TYPE_POOL_FEE",
    ]
    value: str
    created_at: int
    status: str
    txid: str | None
    address: str | None


class Transactions(Wire):
    """GET /api/v1/accounts/{account}/transactions."""

    transactions: list[Transaction]
    limit: int
    offset: int


class BlockRow(Wire):
    height: int
    hash: str
    found_at: int
    status: Literal["pending", "confirmed", "orphaned"]
    confirmations: int
    value: str
    worker: str | None


class Blocks(Wire):
    """GET /api/v1/accounts/{account}/btc/blocks."""

    blocks: list[BlockRow]
    limit: int
    offset: int
