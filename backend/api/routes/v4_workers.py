"""v4 miners info (§6.8), worker names (§6.9) and worker hashrate (§6.10)."""

from __future__ import annotations

from fastapi import APIRouter

from backend.api import readmodel
from backend.api.amounts import terahash_text
from backend.api.context import ApiContext
from backend.api.errors import account_not_found, incorrect_timestamp
from backend.api.ownership import owned_account
from backend.api.routing import signed_route
from backend.api.schemas import (
    AccountRequest,
    MinersInfo,
    MinersInfoData,
    StratumEndpoint,
    WorkerHashrate,
    WorkerHashrateData,
    WorkerHashratePoint,
    WorkerHashrateRequest,
    WorkerNames,
    WorkerNamesData,
    WorkerNamesRequest,
)
from backend.api.series import BadWindow, window
from backend.api.signing import SignedCall

router = APIRouter(tags=["v4 miners and workers"])

WORKER_24H_SPAN = 14 * 86400
"""§6.10 (March-2026 revision): a worker's 24h series spans at most 14 days (30 for accounts)."""


@signed_route(
    router,
    "/api/v4/mining/miners/info",
    name="miners_info",
    scope="read",
    request_model=AccountRequest,
    response_model=MinersInfo,
    summary="Miner info",
)
async def miners_info(ctx: ApiContext, call: SignedCall, body: AccountRequest) -> MinersInfo:
    """The pool fee (percent), the account's workers by status, and the stratum URLs. This
    pool has one listener per process, so every connected worker of the account is counted on
    the first URL."""
    if await owned_account(ctx, call.key.owner, body.account) is None:
        raise account_not_found(body.account)
    table = await readmodel.workers(ctx, body.account)
    connected = sum(1 for row in table.workers if row.connected_at is not None)
    urls = ctx.facts.stratum_urls()
    return MinersInfo(
        data=MinersInfoData(
            fee=ctx.facts.pool_fee_pct,
            workers=table.totals,
            stratum=[
                StratumEndpoint(url=url, workers_count=connected if index == 0 else 0)
                for index, url in enumerate(urls)
            ],
        )
    )


@signed_route(
    router,
    "/api/v4/mining/workers/names",
    name="worker_names",
    scope="read",
    request_model=WorkerNamesRequest,
    response_model=WorkerNames,
    summary="Worker names",
)
async def worker_names(ctx: ApiContext, call: SignedCall, body: WorkerNamesRequest) -> WorkerNames:
    """Names of the account's online workers (status online or low), ascending."""
    if await owned_account(ctx, call.key.owner, body.account) is None:
        raise account_not_found(body.account)
    names = readmodel.online_names(await readmodel.workers(ctx, body.account))
    page = names[body.offset : body.offset + body.limit]
    return WorkerNames(data=WorkerNamesData(workers=page), limit=body.limit, offset=body.offset)


@signed_route(
    router,
    "/api/v4/mining/workers/hashrate",
    name="worker_hashrate",
    scope="read",
    request_model=WorkerHashrateRequest,
    response_model=WorkerHashrate,
    summary="Worker hashrate",
)
async def worker_hashrate(
    ctx: ApiContext, call: SignedCall, body: WorkerHashrateRequest
) -> WorkerHashrate:
    """One worker's series in TH/s (the current text's unit). A worker the account never had
    gives an empty series."""
    if await owned_account(ctx, call.key.owner, body.account) is None:
        raise account_not_found(body.account)
    if (
        body.interval == "24h"
        and body.from_ is not None
        and (body.to or ctx.now()) - body.from_ > WORKER_24H_SPAN
    ):
        raise incorrect_timestamp()
    try:
        span = window(body.from_, body.to, body.interval, ctx.now())
    except BadWindow:
        raise incorrect_timestamp() from None
    table = await readmodel.workers(ctx, body.account)
    if body.worker not in {row.name for row in table.workers}:
        return WorkerHashrate(data=WorkerHashrateData(hashrates=[]))
    series = await readmodel.series(ctx, body.account, body.worker, span, shared=body.from_ is None)
    return WorkerHashrate(
        data=WorkerHashrateData(
            hashrates=[
                WorkerHashratePoint(time=p.start, hashrate=terahash_text(p.hashrate))
                for p in series
            ]
        )
    )
