"""v1 pool stats (#1, public), the caller's own scope (#2), and the watcher link landing URL."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from backend.api import pool_views
from backend.api.errors import forbidden_v1, v1_rate_limited
from backend.api.ownership import owner_accounts
from backend.api.ratelimit import retry_after
from backend.api.readers import reader
from backend.api.routes.v1_common import READ_ERRORS, READ_SECURITY, Token
from backend.api.routing import client_ip, context, json_response
from backend.api.schemas import PoolStats, ReadError, WatcherScope

router = APIRouter(tags=["v1 pool"])


@router.get(
    "/api/v1/pool/btc/stats",
    summary="Pool stats",
    response_model=None,
    responses={200: {"model": PoolStats}, 429: {"model": ReadError}},
)
async def pool_stats(request: Request) -> Response:
    """Pool-wide hashrate, workers, network figures and the last block (public)."""
    ctx = context(request)
    waited = ctx.public_budgets.take((client_ip(request), "pool_stats"))
    if waited:
        raise v1_rate_limited(retry_after(waited))
    return json_response(await pool_views.stats(ctx))


@router.get(
    "/api/v1/watcher",
    summary="What this caller may see",
    response_model=None,
    responses={200: {"model": WatcherScope}, **READ_ERRORS},
    openapi_extra={"security": READ_SECURITY},
)
async def watcher_scope(request: Request, token: Token = None) -> Response:
    """The accounts and permissions of the token (or, signed, of the owner: every account and
    permission, no expiry)."""
    who = await reader(request, token, "/api/v1/watcher")
    if who.link is not None:
        scope = WatcherScope(
            accounts=list(who.link.accounts),
            permissions=list(who.link.permissions),
            live_until=who.link.live_until,
        )
    else:
        assert who.owner is not None
        accounts = await owner_accounts(context(request), who.owner)
        scope = WatcherScope(
            accounts=[a.name for a in accounts], permissions=list(who.permissions), live_until=None
        )
    return json_response(scope)


@router.get(
    "/mining-pool/watcher-link/{link_id}",
    summary="Watcher link",
    response_model=None,
    responses={200: {"model": WatcherScope}, **READ_ERRORS},
    openapi_extra={"security": [{"watcherToken": []}]},
)
async def watcher_link(request: Request, link_id: str, token: Token = None) -> Response:
    """Where a watcher link points: with the link's token, its scope (as `/api/v1/watcher`).
    The console takes the token from the link and reads `/api/v1/...` with it."""
    who = await reader(request, token, "/mining-pool/watcher-link/{link_id}")
    if who.link is None or who.link.id != link_id:
        raise forbidden_v1()
    return json_response(
        WatcherScope(
            accounts=list(who.link.accounts),
            permissions=list(who.link.permissions),
            live_until=who.link.live_until,
        )
    )
