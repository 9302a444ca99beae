"""v4 public: the pool overview (§6.1), unauthenticated, 1000 requests per 10 s per IP."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from backend.api import pool_views
from backend.api.errors import v4_rate_limited
from backend.api.ratelimit import retry_after
from backend.api.routing import client_ip, context, json_response
from backend.api.schemas import PoolOverview, V4Error

router = APIRouter(tags=["v4 public"])


@router.get(
    "/api/v4/public/mining-pool",
    name="pool_overview",
    summary="Pool overview",
    response_model=None,
    responses={200: {"model": PoolOverview}, 429: {"model": V4Error}},
)
async def pool_overview(request: Request) -> Response:
    """Pool-wide hashrate, workers, recent blocks and stratum links (snake_case keys, the
    current revision of the reference)."""
    ctx = context(request)
    waited = ctx.public_budgets.take((client_ip(request), "pool_overview"))
    if waited:
        raise v4_rate_limited(retry_after(waited))
    return json_response(await pool_views.overview(ctx))
