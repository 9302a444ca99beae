"""v4 watcher links: create (§6.11), list (§6.12), and revoke (extension)."""

from __future__ import annotations

import logging

from fastapi import APIRouter

from backend.api.context import ApiContext
from backend.api.errors import account_not_found, validation_failed
from backend.api.ownership import owned_account
from backend.api.routing import signed_route
from backend.api.schemas import (
    AccountRequest,
    WatcherLink,
    WatcherLinkCreate,
    WatcherLinkCreated,
    WatcherLinkCreatedData,
    WatcherLinkRevoke,
    WatcherLinkRevoked,
    WatcherLinkRevokedData,
    WatcherLinks,
)
from backend.api.signing import SignedCall
from backend.api.watchers import LinkLimitReached
from backend.text import loggable

log = logging.getLogger("minerpool.api")

router = APIRouter(tags=["v4 watcher links"])

LIMIT_EXCEEDED = "Limit exceeded"
"""§6.11: an account already has its maximum of active links."""


@signed_route(
    router,
    "/api/v4/mining/watcher-links/create",
    name="watcher_links_create",
    scope="watchers",
    request_model=WatcherLinkCreate,
    response_model=WatcherLinkCreated,
    summary="Create watcher link",
    status=201,
)
async def create_link(
    ctx: ApiContext, call: SignedCall, body: WatcherLinkCreate
) -> WatcherLinkCreated:
    """A read-only link for the named accounts; its token appears in `link` this once."""
    owner = call.key.owner
    for name in body.accounts:
        if await owned_account(ctx, owner, name) is None:
            raise account_not_found(name)
    try:
        record, token = await ctx.watchers.create(
            owner, body.accounts, body.name, body.permissions, body.live_until
        )
    except LinkLimitReached:
        raise validation_failed({"user": [LIMIT_EXCEEDED]}) from None
    log.info("watcher link %s created by owner %s", record.id, loggable(owner))
    return WatcherLinkCreated(
        data=WatcherLinkCreatedData(
            id=record.id,
            link=ctx.watchers.link(record.id, token),
            live_until=record.live_until,
            created_at=record.created_at,
        )
    )


@signed_route(
    router,
    "/api/v4/mining/watcher-links/list",
    name="watcher_links_list",
    scope="read",
    request_model=AccountRequest,
    response_model=WatcherLinks,
    summary="List watcher links",
)
async def list_links(ctx: ApiContext, call: SignedCall, body: AccountRequest) -> WatcherLinks:
    """The active links that include `account`; tokens are masked."""
    owner = call.key.owner
    if await owned_account(ctx, owner, body.account) is None:
        raise account_not_found(body.account)
    links = await ctx.watchers.active(owner, body.account)
    return WatcherLinks(
        data=[
            WatcherLink(
                id=link.id,
                accounts=list(link.accounts),
                name=link.name,
                link=ctx.watchers.link(link.id, None),
                permissions=list(link.permissions),
                live_until=link.live_until,
                created_at=link.created_at,
            )
            for link in links
        ]
    )


@signed_route(
    router,
    "/api/v4/mining/watcher-links/revoke",
    name="watcher_links_revoke",
    scope="watchers",
    request_model=WatcherLinkRevoke,
    response_model=WatcherLinkRevoked,
    summary="Revoke watcher link",
    extension=True,
)
async def revoke_link(
    ctx: ApiContext, call: SignedCall, body: WatcherLinkRevoke
) -> WatcherLinkRevoked:
    """Revoke a link by id: its token is refused from this moment. Revoking twice is harmless."""
    if not await ctx.watchers.revoke(call.key.owner, body.id):
        raise validation_failed({"id": ["Watcher link not found."]})
    log.info("watcher link %s revoked", loggable(body.id))
    return WatcherLinkRevoked(data=WatcherLinkRevokedData(id=body.id, revoked=True))
