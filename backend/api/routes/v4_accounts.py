"""v4 mining accounts: create (§6.2) and list (§6.3)."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter

from backend.accounts.registry import InvalidAccountName
from backend.api.context import ApiContext
from backend.api.errors import validation_failed
from backend.api.ownership import owner_accounts
from backend.api.routing import signed_route
from backend.api.schemas import (
    AccountCreated,
    AccountCreateRequest,
    AccountItem,
    AccountsPage,
    AccountsRequest,
)
from backend.api.signing import SignedCall
from backend.store.records import AccountExists
from backend.text import loggable

log = logging.getLogger("minerpool.api")

router = APIRouter(tags=["v4 accounts"])

TAKEN = "The name has already been taken."
"""§6.2: the name exists (for any owner: names are global, they are stratum usernames; gap 7)."""

MAX_ACCOUNTS = "miningPool.validation.maxAccounts"
"""§6.2: the owner's account cap is reached (translation key kept as documented; gap 18)."""


@signed_route(
    router,
    "/api/v4/mining/accounts/create",
    name="accounts_create",
    scope="accounts",
    request_model=AccountCreateRequest,
    response_model=AccountCreated,
    summary="Create mining account",
)
async def create_account(
    ctx: ApiContext, call: SignedCall, body: AccountCreateRequest
) -> AccountCreated:
    """Create a mining account; miners then use `<name>.<worker>` as their stratum user."""
    owner = call.key.owner
    existing = await owner_accounts(ctx, owner)
    if len(existing) >= ctx.limits.accounts_per_owner:
        raise validation_failed({"error": [MAX_ACCOUNTS]})
    try:
        account = await asyncio.to_thread(ctx.accounts.create, body.name, owner)
    except InvalidAccountName as exc:
        raise validation_failed({"name": [str(exc)]}) from None
    except AccountExists:
        raise validation_failed({"name": [TAKEN]}) from None
    log.info("account %s created by owner %s", loggable(account.name), loggable(owner))
    return AccountCreated(data=AccountItem(name=account.name, created_at=account.created_at))


@signed_route(
    router,
    "/api/v4/mining/accounts",
    name="accounts_list",
    scope="read",
    request_model=AccountsRequest,
    response_model=AccountsPage,
    summary="Get mining accounts",
)
async def list_accounts(ctx: ApiContext, call: SignedCall, body: AccountsRequest) -> AccountsPage:
    """The caller's mining accounts, newest first, optionally only the one named `name`."""
    accounts = await owner_accounts(ctx, call.key.owner)
    if body.name is not None:
        accounts = [account for account in accounts if account.name == body.name]
    page = accounts[body.offset : body.offset + body.limit]
    return AccountsPage(
        data=[AccountItem(name=a.name, created_at=a.created_at) for a in page],
        limit=body.limit,
        offset=body.offset,
    )
