"""v4 extensions the console needs: an account's balance and its payout history."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter

from backend.api.amounts import btc
from backend.api.context import ApiContext
from backend.api.errors import account_not_found
from backend.api.ownership import owned_account
from backend.api.routing import signed_route
from backend.api.schemas import (
    AccountRequest,
    Balance,
    BalanceData,
    PayoutHistory,
    PayoutHistoryRequest,
    PayoutItem,
)
from backend.api.signing import SignedCall
from backend.ledger.payouts import PayoutState

router = APIRouter(tags=["v4 extensions"])


@signed_route(
    router,
    "/api/v4/mining/balance",
    name="balance",
    scope="read",
    request_model=AccountRequest,
    response_model=Balance,
    summary="Account balance",
    extension=True,
)
async def balance(ctx: ApiContext, call: SignedCall, body: AccountRequest) -> Balance:
    """What the account holds, in BTC with 8 decimals, and its payout threshold."""
    if await owned_account(ctx, call.key.owner, body.account) is None:
        raise account_not_found(body.account)

    def read():
        return ctx.store.balance(body.account), ctx.store.payout_setting(body.account)

    view, setting = await asyncio.to_thread(read)
    return Balance(
        data=BalanceData(
            account=body.account,
            available=btc(view.available),
            immature=btc(view.immature),
            pending_payout=btc(view.pending_payout),
            total_paid=btc(view.total_paid),
            total_earned=btc(view.total_earned),
            payout_threshold=btc(setting.threshold),
        )
    )


@signed_route(
    router,
    "/api/v4/mining/payouts",
    name="payouts",
    scope="read",
    request_model=PayoutHistoryRequest,
    response_model=PayoutHistory,
    summary="Payout history",
    extension=True,
)
async def payouts(ctx: ApiContext, call: SignedCall, body: PayoutHistoryRequest) -> PayoutHistory:
    """The account's payouts to its external address, newest first: reserved → sent →
    confirmed, or released when it provably never left."""
    if await owned_account(ctx, call.key.owner, body.account) is None:
        raise account_not_found(body.account)
    rows = await asyncio.to_thread(ctx.store.payouts, body.account, body.limit, body.offset)
    return PayoutHistory(
        data=[
            PayoutItem(
                id=p.id,
                amount=btc(p.amount),
                address=p.address,
                txid=p.txid,
                status=p.state.value,
                created_at=p.reserved_at,
                sent_at=p.sent_at,
                confirmed_at=p.finished_at if p.state is PayoutState.CONFIRMED else None,
            )
            for p in rows
        ],
        limit=body.limit,
        offset=body.offset,
    )
