"""v1 live events: `GET /api/v1/accounts/{account}/btc/events` as Server-Sent Events.

The stream opens with the caller's credentials like any v1 read (permission `dashboard`), then
sends `event: <kind>` / `data: <row JSON>` messages (`backend.api.event_stream`) and a comment
line when idle, so proxies keep it open. A watcher token is checked again at every tick: once it
expires or is revoked the stream ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from backend.api.context import ApiContext
from backend.api.event_stream import AccountWatch
from backend.api.readers import Reader, allow, presented_token, reader
from backend.api.routes.v1_common import READ_ERRORS, READ_SECURITY, Token
from backend.api.routing import context

router = APIRouter(tags=["v1 events"])

RETRY_MS = 5000
"""`retry:` sent first: how long a client waits before reconnecting after a drop."""


@router.get(
    "/api/v1/accounts/{account}/btc/events",
    summary="Live events",
    response_model=None,
    responses={
        200: {
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
            "description": "event: worker | hashrate | block | reward | payout; data: row JSON",
        },
        **READ_ERRORS,
    },
    openapi_extra={"security": READ_SECURITY, "x-permission": "dashboard"},
)
async def events(request: Request, account: str, token: Token = None) -> StreamingResponse:
    """Live changes of the account: worker status, a hashrate tick every few seconds, blocks,
    rewards and payouts, each as the JSON of the matching read-API row."""
    route = getattr(request.scope.get("route"), "path", request.url.path)
    who = await reader(request, token, route)
    ctx = context(request)
    await allow(ctx, who, account, "dashboard")
    presented = presented_token(request, token) if who.link is not None else None
    return StreamingResponse(
        _stream(ctx, who, account, presented),
        media_type="text/event-stream",
        headers={"X-Accel-Buffering": "no"},
    )


async def _still_valid(ctx: ApiContext, who: Reader, token: str | None) -> bool:
    if who.link is None or token is None:
        return True
    return await ctx.watchers.resolve(token) is not None


async def _stream(
    ctx: ApiContext, who: Reader, account: str, token: str | None
) -> AsyncIterator[bytes]:
    watch = AccountWatch(ctx, account, who.permissions)
    wake = asyncio.Event()
    pump = asyncio.create_task(_pump(ctx, account, wake)) if ctx.feed is not None else None
    closing = asyncio.create_task(ctx.closing.wait())
    try:
        yield f"retry: {RETRY_MS}\n: connected\n\n".encode()
        await watch.changes()
        idle = 0.0
        tick = ctx.limits.sse_tick
        while not ctx.closing.is_set():
            woke = asyncio.create_task(wake.wait())
            await asyncio.wait({woke, closing}, timeout=tick, return_when=asyncio.FIRST_COMPLETED)
            woke.cancel()
            wake.clear()
            if ctx.closing.is_set() or not await _still_valid(ctx, who, token):
                break
            sent = False
            for kind, data in await watch.changes():
                yield f"event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()
                sent = True
            idle = 0.0 if sent else idle + tick
            if idle >= ctx.limits.sse_heartbeat:
                idle = 0.0
                yield b": keep-alive\n\n"
    finally:
        closing.cancel()
        if pump is not None:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump


async def _pump(ctx: ApiContext, account: str, wake: asyncio.Event) -> None:
    """Turn the ledger feed's events for `account` into wake-ups of the stream."""
    async for _ in ctx.feed.subscribe(account):
        wake.set()
