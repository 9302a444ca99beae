"""v1 read API for anonymous miners (watcher-api-v1 #12): the shapes of #3-#10 for the account
that mines to a BTC address, without any token.

Anyone who knows the address may read it (as on public pools); an address no miner has mined to
is 404. Calls are limited per IP with a watcher token's budget (100 a minute, 1000 an hour).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from backend.api.context import ApiContext
from backend.api.errors import v1_rate_limited, v1_status
from backend.api.ownership import find_account
from backend.api.ratelimit import retry_after
from backend.api.routes.v1_accounts import account_routes
from backend.api.routing import client_ip, context
from backend.api.schemas import ReadError

NOT_MINED = "No miner has mined to this address."
"""404 message for an address without an anonymous account."""

ANONYMOUS_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ReadError, "description": "request.invalid"},
    404: {"model": ReadError, "description": "account.not_found"},
    429: {"model": ReadError, "description": "rate_limit.exceeded; see Retry-After"},
}


async def open_anonymous(
    request: Request, token: str | None, account: str, permission: str | None
) -> ApiContext:
    """Admit the request if `account` is an anonymous account (the token is not needed)."""
    ctx = context(request)
    waited = ctx.token_budgets.take(("ip", client_ip(request)))
    if waited:
        raise v1_rate_limited(retry_after(waited))
    found = await find_account(ctx, account)
    if found is None or not found.anonymous:
        raise v1_status(404, "account.not_found", NOT_MINED)
    return ctx


router = APIRouter(prefix="/api/v1/anonymous/{account}", tags=["v1 anonymous"])
account_routes(router, open_anonymous, ANONYMOUS_ERRORS, secured=False)
