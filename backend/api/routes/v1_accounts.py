"""v1 read API per account (watcher-api-v1 #3-#10), for watcher tokens and the owner.

`account_routes` declares the eight endpoints once; the anonymous family
(`backend.api.routes.v1_anonymous`) registers the same handlers under its own prefix with its own
way of opening an account.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request, Response

from backend.api import readmodel, v1_views
from backend.api.context import ApiContext
from backend.api.routes.v1_common import (
    READ_ERRORS,
    READ_SECURITY,
    FromQuery,
    IntervalQuery,
    LimitQuery,
    OffsetQuery,
    StatusQuery,
    Token,
    ToQuery,
    json_bytes,
    open_account,
)
from backend.api.routing import json_response
from backend.api.schemas import (
    Blocks,
    DailyRewards,
    MinerHashrate,
    MinerStats,
    RewardsStats,
    Transactions,
    WorkerHashrateV1,
    Workers,
)

Opener = Callable[[Request, str | None, str, str | None], Awaitable[ApiContext]]
"""Authenticates a request for an account and a permission, returning the context."""


def account_routes(
    router: APIRouter, opener: Opener, errors: dict[int | str, dict[str, Any]], secured: bool
) -> None:
    """Register the eight per-account endpoints on `router` (whose prefix holds `{account}`)."""

    def doc(model: type, permission: str) -> dict[str, Any]:
        extra: dict[str, Any] = {"x-permission": permission}
        if secured:
            extra["security"] = READ_SECURITY
        return {
            "response_model": None,
            "responses": {200: {"model": model}, **errors},
            "openapi_extra": extra,
        }

    @router.get("/btc/miner/stats", summary="Miner stats", **doc(MinerStats, "dashboard"))
    async def miner_stats(request: Request, account: str, token: Token = None) -> Response:
        """Hashrates, worker counts, 24-hour share counts, reject rate, best share. Permission
        `dashboard`."""
        ctx = await opener(request, token, account, "dashboard")
        return json_response(await readmodel.miner_stats(ctx, account))

    @router.get("/btc/rewards-stats", summary="Rewards stats", **doc(RewardsStats, "rewards"))
    async def rewards_stats(request: Request, account: str, token: Token = None) -> Response:
        """Balances, recent earnings and the payout setting. Permission `rewards`."""
        ctx = await opener(request, token, account, "rewards")
        return json_response(await v1_views.rewards_stats(ctx, account))

    @router.get("/btc/rewards", summary="Daily rewards", **doc(DailyRewards, "rewards"))
    async def rewards(
        request: Request,
        account: str,
        token: Token = None,
        limit: LimitQuery = 30,
        offset: OffsetQuery = 0,
        from_: FromQuery = None,
        to: ToQuery = None,
    ) -> Response:
        """Closed daily rewards, newest first. Permission `rewards`."""
        ctx = await opener(request, token, account, "rewards")
        return json_response(await v1_views.daily_rewards(ctx, account, limit, offset, from_, to))

    @router.get(
        "/btc/miner/hashrate", summary="Account hashrate", **doc(MinerHashrate, "dashboard")
    )
    async def miner_hashrate(
        request: Request,
        account: str,
        token: Token = None,
        interval: IntervalQuery = "1h",
        from_: FromQuery = None,
        to: ToQuery = None,
    ) -> Response:
        """The account's series with each bucket's reject rate and active workers. Permission
        `dashboard`."""
        ctx = await opener(request, token, account, "dashboard")
        return json_response(await v1_views.miner_hashrate(ctx, account, interval, from_, to))

    @router.get("/btc/miner/workers", summary="Workers", **doc(Workers, "workers"))
    async def workers(
        request: Request, account: str, token: Token = None, status: StatusQuery = "all"
    ) -> Response:
        """Every worker with status and figures; `totals` counts all of them. Permission
        `workers`."""
        ctx = await opener(request, token, account, "workers")

        async def build() -> bytes:
            table = await v1_views.workers(ctx, account, status)
            return table.model_dump_json(by_alias=True).encode()

        return json_bytes(await readmodel.cache(ctx).get(("workers-json", account, status), build))

    @router.get(
        "/btc/miner/workers/{worker}/hashrate",
        summary="Worker hashrate",
        **doc(WorkerHashrateV1, "workers"),
    )
    async def worker_hashrate(
        request: Request,
        account: str,
        worker: str,
        token: Token = None,
        interval: IntervalQuery = "1h",
        from_: FromQuery = None,
        to: ToQuery = None,
    ) -> Response:
        """One worker's series. Permission `workers`."""
        ctx = await opener(request, token, account, "workers")
        return json_response(
            await v1_views.worker_hashrate(ctx, account, worker, interval, from_, to)
        )

    @router.get("/transactions", summary="Transactions", **doc(Transactions, "rewards"))
    async def transactions(
        request: Request,
        account: str,
        token: Token = None,
        limit: LimitQuery = 30,
        offset: OffsetQuery = 0,
    ) -> Response:
        """Rewards, fees and withdrawals from the balance journal, newest first. Permission
        `rewards`."""
        ctx = await opener(request, token, account, "rewards")
        return json_response(await v1_views.transactions(ctx, account, limit, offset))

    @router.get("/btc/blocks", summary="Blocks", **doc(Blocks, "dashboard"))
    async def blocks(
        request: Request,
        account: str,
        token: Token = None,
        limit: LimitQuery = 30,
        offset: OffsetQuery = 0,
    ) -> Response:
        """Blocks the account's workers found, newest first. Permission `dashboard`."""
        ctx = await opener(request, token, account, "dashboard")
        return json_response(await v1_views.blocks(ctx, account, limit, offset))


router = APIRouter(prefix="/api/v1/accounts/{account}", tags=["v1 accounts"])
account_routes(router, open_account, READ_ERRORS, secured=True)
