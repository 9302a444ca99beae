"""Object-level authorisation: which mining accounts a caller may name (OWASP API1).

An owner's key sees only that owner's named accounts. Every lookup answers "not yours" and "does
not exist" the same way, so no caller can probe which names exist.
"""

from __future__ import annotations

import asyncio

from backend.api.context import ApiContext
from backend.store.records import Account


async def owned_account(ctx: ApiContext, owner: str, name: str | None) -> Account | None:
    """The named account `name` when it belongs to `owner`, else None."""
    if not name:
        return None
    account = await asyncio.to_thread(ctx.accounts.lookup, name)
    if account is None or account.anonymous or account.owner != owner:
        return None
    return account


async def owner_accounts(ctx: ApiContext, owner: str) -> list[Account]:
    """`owner`'s named accounts, newest first."""
    return await asyncio.to_thread(ctx.accounts.list, owner)
