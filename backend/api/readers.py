"""Who is reading the v1 API, and what they may read.

Two ways in (watcher-api-v1.md): a watcher token (`?token=` or `Authorization: Bearer`) opens
the link's accounts with the link's permissions, read-only by construction — this module is the
only place a token is ever resolved, and no v4 route consults it. The owner's signature (the v4
headers over `{"request": <path with query>, "nonce": ...}`) opens the owner's own accounts with
every permission. Without either: the seed's 401. A bad, expired or revoked token, a missing
permission, or an account outside the caller's scope: the seed's one 403, so nobody can probe
which accounts exist.

Limits: a token has 100 requests a minute and 1000 an hour (429 with `Retry-After`, not
executed); failed token lookups count against the caller IP's failed-authentication budget,
which, once spent, answers 429 before looking anything up.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from backend.api.context import ApiContext
from backend.api.errors import ApiError, forbidden_v1, unauthorized_v1, v1_rate_limited
from backend.api.ownership import owned_account
from backend.api.ratelimit import retry_after
from backend.api.routing import client_ip, context
from backend.api.watchers import PERMISSIONS
from backend.store.api_tables import WatcherLinkRecord

MAX_TOKEN_LENGTH = 256
"""Longest token looked up; ours are 43 characters."""


@dataclass(frozen=True, slots=True)
class Reader:
    """An authenticated v1 caller: an owner (signed) or a watcher link (token)."""

    owner: str | None = None
    """The owner whose key signed the request, when signed."""
    link: WatcherLinkRecord | None = None
    """The watcher link whose token was presented, when a token."""

    @property
    def permissions(self) -> tuple[str, ...]:
        """What the caller may read."""
        return self.link.permissions if self.link is not None else PERMISSIONS


def presented_token(request: Request, query_token: str | None) -> str | None:
    """The token from `?token=` or an `Authorization: Bearer` header."""
    if query_token:
        return query_token
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


async def reader(request: Request, query_token: str | None, route: str) -> Reader:
    """Authenticate a v1 request (module docstring); raises the seed's 401/403 or a 429."""
    ctx = context(request)
    if request.headers.get("x-txc-payload") or request.headers.get("x-txc-apikey"):
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        try:
            call = await ctx.signed.verify(
                request.headers, None, target, route, "read", client_ip(request)
            )
        except ApiError as error:
            raise error if error.status == 429 else forbidden_v1() from None
        return Reader(owner=call.key.owner)
    token = presented_token(request, query_token)
    if token is None:
        raise unauthorized_v1()
    ip = client_ip(request)
    waited = ctx.token_failures.blocked(ip)
    if waited:
        raise v1_rate_limited(retry_after(waited))
    link = None
    if len(token) <= MAX_TOKEN_LENGTH:
        link = await ctx.watchers.resolve(token)
    if link is None:
        ctx.token_failures.fail(ip)
        raise forbidden_v1()
    waited = ctx.token_budgets.take(link.id)
    if waited:
        raise v1_rate_limited(retry_after(waited))
    return Reader(link=link)


async def allow(ctx: ApiContext, who: Reader, account: str, permission: str | None) -> None:
    """Raise the seed's 403 unless `who` may read `account` with `permission` (None: any)."""
    if who.link is not None:
        if account not in who.link.accounts:
            raise forbidden_v1()
        if permission is not None and permission not in who.link.permissions:
            raise forbidden_v1()
        return
    if await owned_account(ctx, who.owner or "", account) is None:
        raise forbidden_v1()
