"""v4 rewards (§6.4) and account hashrate (§6.5)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter

from backend.api import readmodel
from backend.api.amounts import btc, hashrate_text, ratio
from backend.api.context import ApiContext
from backend.api.errors import incorrect_timestamp, validation_failed
from backend.api.ownership import owned_account, owner_accounts
from backend.api.routing import signed_route
from backend.api.schemas import (
    AccountHashrate,
    AccountHashrateData,
    AccountHashratePoint,
    HashrateRequest,
    MiningReward,
    RewardsPage,
    RewardsRequest,
)
from backend.api.series import BadWindow, window
from backend.api.signing import SignedCall
from backend.ledger.rewards import DailyReward

router = APIRouter(tags=["v4 rewards and hashrate"])


def mining_reward(reward: DailyReward) -> MiningReward:
    """One daily reward on the v4 wire (amounts BTC, `hashRate` H/s as text)."""
    return MiningReward(
        mining_account_name=reward.account,
        payout_destination=reward.payout_destination.value,
        payout_transaction_hash=reward.payout_txid,
        payout_address=reward.payout_address,
        payout_time=reward.payout_time,
        reward_currency=reward.currency,
        total_reward=btc(reward.total_reward),
        reward=btc(reward.reward),
        fee=btc(reward.fee),
        fpps_rate=format(reward.fpps_rate, "f"),
        hash_rate=str(reward.hash_rate),
        date=reward.date,
        status=reward.status.value,
    )


@signed_route(
    router,
    "/api/v4/mining/rewards",
    name="rewards",
    scope="read",
    request_model=RewardsRequest,
    response_model=RewardsPage,
    summary="Get rewards",
)
async def rewards(ctx: ApiContext, call: SignedCall, body: RewardsRequest) -> RewardsPage:
    """Daily rewards, newest first. `account` is not validated: an unknown or foreign name gives
    an empty page; without it, every account of the caller. `from`/`to` bound the reward date
    (inclusive)."""
    if body.from_ is not None and body.to is not None and body.from_ > body.to:
        raise incorrect_timestamp()
    owner = call.key.owner
    if body.account is not None:
        account = await owned_account(ctx, owner, body.account)
        names = [account.name] if account else []
    else:
        names = [account.name for account in await owner_accounts(ctx, owner)]
    until = None if body.to is None else body.to + 1
    window_size = body.offset + body.limit

    def read() -> list[DailyReward]:
        merged: list[DailyReward] = []
        for name in names:
            merged += ctx.store.daily_rewards(name, body.from_, until, window_size, 0)
        merged.sort(key=lambda r: (-r.date, r.account))
        return merged[body.offset : window_size]

    page = await asyncio.to_thread(read)
    return RewardsPage(offset=body.offset, limit=body.limit, data=[mining_reward(r) for r in page])


@signed_route(
    router,
    "/api/v4/mining/hashrate",
    name="hashrate",
    scope="read",
    request_model=HashrateRequest,
    response_model=AccountHashrate,
    summary="Account hashrate",
)
async def hashrate(ctx: ApiContext, call: SignedCall, body: HashrateRequest) -> AccountHashrate:
    """The account's hashrate series (H/s, two decimals) with each bucket's reject rate."""
    if await owned_account(ctx, call.key.owner, body.account) is None:
        raise validation_failed({"account": ["Account not found"]})
    try:
        span = window(body.from_, body.to, body.interval, ctx.now())
    except BadWindow:
        raise incorrect_timestamp() from None
    series = await readmodel.series(ctx, body.account, None, span, shared=body.from_ is None)
    return AccountHashrate(
        data=AccountHashrateData(
            account=body.account,
            hashrate=[
                AccountHashratePoint(
                    timestamp=p.start,
                    hashrate=hashrate_text(p.hashrate),
                    reject_rate=ratio(p.reject_rate),
                )
                for p in series
            ],
        )
    )
