"""Watcher links: read-only bearer tokens scoped to named accounts and permissions.

The token is 256 random bits, shown once inside the link that creation returns, and stored only
as its SHA-256 (a fast hash suits a high-entropy token: security §4.1 "Secret storage"). A token
resolves to its link only while the link is active: never after its `liveUntil`, never after it
was revoked — the check runs on every request against the injected clock, and revoking evicts
the link from this process's cache at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from collections.abc import Callable, Sequence

from backend.store.api_tables import WatcherLinkRecord

TOKEN_BYTES = 32
"""Random bytes in a watcher token: 256 bits (security §3 "Watcher token")."""

LIVE_SECONDS: dict[str, int | None] = {"1h": 3600, "24h": 86400, "7d": 7 * 86400, "always": None}
"""`liveUntil` tokens (whitebit-v4 §6.11) as durations; `always` never expires (null)."""

PERMISSIONS = ("dashboard", "rewards", "workers")
"""What a link can grant, in canonical order (whitebit-v4 §6.11)."""

LINK_CACHE_SECONDS = 5.0
"""How long a resolved token is trusted without the store. Expiry is still checked on every use
and a revocation in this process evicts at once; this only bounds how late a revocation made by
another process is seen."""

LINK_CACHE_ENTRIES = 10_000
"""Most tokens cached; the cache is emptied when full (unknown tokens are never cached)."""

MASK = "********"
"""What stands for the token in listed links."""


def token_hash(token: str) -> str:
    """Hex SHA-256 of a token's text: the only form in which tokens are stored."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class LinkLimitReached(Exception):
    """An account already has the maximum number of active links."""

    def __init__(self, account: str) -> None:
        super().__init__(account)
        self.account = account


class WatcherLinks:
    """Creates, lists, revokes and resolves watcher links over the store."""

    def __init__(
        self, store, public_url: str, cap: int, clock: Callable[[], float] = time.time
    ) -> None:
        self._store = store
        self.public_url = public_url.rstrip("/")
        self._cap = cap
        self._clock = clock
        self._cache: dict[str, tuple[float, WatcherLinkRecord]] = {}

    def link(self, link_id: str, token: str | None) -> str:
        """The link URL; with `token` None, the token is masked."""
        return f"{self.public_url}/mining-pool/watcher-link/{link_id}?token={token or MASK}"

    async def create(
        self,
        owner: str,
        accounts: Sequence[str],
        name: str,
        permissions: Sequence[str],
        live_until: str,
    ) -> tuple[WatcherLinkRecord, str]:
        """Create a link; returns it with its token (the only time the token is seen).

        Accounts and permissions are de-duplicated (first occurrence kept; permissions in
        canonical order). Raises LinkLimitReached when an account is at its cap.
        """
        now = int(self._clock())
        duration = LIVE_SECONDS[live_until]
        token = secrets.token_urlsafe(TOKEN_BYTES)
        record = WatcherLinkRecord(
            id=secrets.token_hex(8),
            owner=owner,
            name=name,
            token_hash=token_hash(token),
            accounts=tuple(dict.fromkeys(accounts)),
            permissions=tuple(p for p in PERMISSIONS if p in set(permissions)),
            live_until=None if duration is None else now + duration,
            created_at=now,
        )
        full = await asyncio.to_thread(self._store.create_watcher_link, record, self._cap, now)
        if full is not None:
            raise LinkLimitReached(full)
        return record, token

    async def active(self, owner: str, account: str) -> list[WatcherLinkRecord]:
        """`owner`'s active links that include `account`, newest first."""
        now = int(self._clock())
        return await asyncio.to_thread(self._store.active_watcher_links, owner, account, now)

    async def revoke(self, owner: str, link_id: str) -> bool:
        """Revoke `owner`'s link; False when there is none. Effective at once."""
        found = await asyncio.to_thread(
            self._store.revoke_watcher_link, link_id, owner, int(self._clock())
        )
        if found:
            for digest, (_, record) in list(self._cache.items()):
                if record.id == link_id:
                    del self._cache[digest]
        return found

    async def resolve(self, token: str) -> WatcherLinkRecord | None:
        """The active link `token` opens, or None (unknown, expired or revoked)."""
        digest = token_hash(token)
        held = self._cache.get(digest)
        if held is not None and time.monotonic() - held[0] < LINK_CACHE_SECONDS:
            record = held[1]
        else:
            record = await asyncio.to_thread(self._store.watcher_link_by_token, digest)
            if record is None:
                self._cache.pop(digest, None)
                return None
            if len(self._cache) >= LINK_CACHE_ENTRIES:
                self._cache.clear()
            self._cache[digest] = (time.monotonic(), record)
        return record if record.active(int(self._clock())) else None
