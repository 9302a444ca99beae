"""Object-level authorisation: which mining accounts a caller may name (OWASP API1).

An owner's key sees only that owner's named accounts. Every lookup answers "not yours" and "does
not exist" the same way, so no caller can probe which names exist.
"""

from __future__ import annotations

import asyncio

from backend.api.context import ApiContext
from backend.store.records import Account

KNOWN_ACCOUNTS = 100_000
"""Accounts remembered in memory; accounts are never deleted or moved to another owner, so a
found account stays right (the registry caches them the same way)."""


async def find_account(ctx: ApiContext, name: str) -> Account | None:
    """The account called `name` (named or anonymous), or None; found ones are remembered so
    the hot path does not leave the event loop."""
    known: dict[str, Account] = ctx.views.setdefault("accounts", {})
    account = known.get(name)
    if account is None:
        account = await asyncio.to_thread(ctx.accounts.lookup, name)
        if account is not None:
            if len(known) >= KNOWN_ACCOUNTS:
                known.clear()
            known[name] = account
    return account


async def owned_account(ctx: ApiContext, owner: str, name: str | None) -> Account | None:
    """The named account `name` when it belongs to `owner`, else None."""
    if not name:
        return None
    account = await find_account(ctx, name)
    if account is None or account.anonymous or account.owner != owner:
        return None
    return account


async def owner_accounts(ctx: ApiContext, owner: str) -> list[Account]:
    """`owner`'s named accounts, newest first."""
    return await asyncio.to_thread(ctx.accounts.list, owner)
