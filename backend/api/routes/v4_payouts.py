"""v4 payout destination: read (§6.6) and edit (§6.7). Both answer at top level, no `data`.

Editing needs the key's `payout` scope (security §1.15); watcher tokens never reach it (the v4
router does not know tokens). Every change is logged as an audit line with the old and the new
destination.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

from fastapi import APIRouter

from backend.api.context import ApiContext
from backend.api.errors import validation_failed
from backend.api.ownership import owned_account
from backend.api.routing import signed_route
from backend.api.schemas import (
    PayoutDestination,
    PayoutDestinationEdit,
    PayoutDestinationRequest,
)
from backend.api.signing import SignedCall
from backend.bitcoin.address import AddressError, decode_address
from backend.ledger.payouts import PayoutDestination as Destination
from backend.ledger.payouts import PayoutSetting
from backend.text import loggable

log = logging.getLogger("minerpool.api.audit")

router = APIRouter(tags=["v4 payout destination"])

NOT_FOUND = "Mining account not found."
"""§6.6/§6.7: `user` error for an unknown (or foreign) account."""

ADDRESS_REQUIRED = "miningPool.validation.payoutDestination.btcAddressRequired"
"""§6.7: external_address without an address (current revision's key)."""

ADDRESS_INVALID = "miningPool.validation.payoutDestination.invalidBtcAddress"
"""§6.7: the address is not a valid address of the pool's network."""


def _answer(setting: PayoutSetting) -> PayoutDestination:
    return PayoutDestination(
        payout_destination=setting.destination.value, external_address=setting.address
    )


@signed_route(
    router,
    "/api/v4/mining/payout-destination",
    name="payout_destination",
    scope="read",
    request_model=PayoutDestinationRequest,
    response_model=PayoutDestination,
    summary="Get payout destination",
)
async def get_destination(
    ctx: ApiContext, call: SignedCall, body: PayoutDestinationRequest
) -> PayoutDestination:
    """Where the account's rewards go."""
    if await owned_account(ctx, call.key.owner, body.account_name) is None:
        raise validation_failed({"user": [NOT_FOUND]})
    return _answer(await asyncio.to_thread(ctx.store.payout_setting, body.account_name))


@signed_route(
    router,
    "/api/v4/mining/payout-destination/edit",
    name="payout_destination_edit",
    scope="payout",
    request_model=PayoutDestinationEdit,
    response_model=PayoutDestination,
    summary="Set payout destination",
)
async def edit_destination(
    ctx: ApiContext, call: SignedCall, body: PayoutDestinationEdit
) -> PayoutDestination:
    """Keep rewards as the pool balance (`main_balance`) or pay them to a BTC address of the
    pool's network (`external_address`: P2PKH, P2SH, P2WPKH, P2WSH or P2TR). The payout
    threshold is left as it is."""
    account = body.account_name
    if await owned_account(ctx, call.key.owner, account) is None:
        raise validation_failed({"user": [NOT_FOUND]})
    address = None
    if body.destination == Destination.EXTERNAL_ADDRESS.value:
        if not body.address:
            raise validation_failed({"address": [ADDRESS_REQUIRED]})
        try:
            decode_address(body.address, ctx.network)
        except AddressError:
            raise validation_failed({"address": [ADDRESS_INVALID]}) from None
        address = body.address
    current = await asyncio.to_thread(ctx.store.payout_setting, account)
    updated = replace(current, destination=Destination(body.destination), address=address)
    await asyncio.to_thread(ctx.store.set_payout_setting, updated)
    log.warning(
        "payout destination of %s changed by key %s…: %s %s -> %s %s",
        loggable(account),
        call.key.key[:8],
        current.destination.value,
        loggable(current.address or "-"),
        updated.destination.value,
        loggable(updated.address or "-"),
    )
    return _answer(updated)
