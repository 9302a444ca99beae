"""Replay protection for signed requests: the nonce rules of whitebit-v4 §3.1.

Two modes, chosen per request by the signed body:

- **counter** (default): the nonce must be larger than the last one accepted for the key. The
  check and the update happen in one synchronous step on the event loop, so N concurrent copies
  of a request cannot all pass (security §4.1 step 7). The new high-water mark is then written
  to the store by a group commit — many requests share one transaction — and the request is
  answered only once it is durable, so a restart cannot reopen a used nonce.
- **window** (`nonceWindow: true`): the nonce is Unix milliseconds within ±`nonce_window_ms` of
  server time and unique per key; used nonces are remembered for `nonce_cache_ms`, longer than
  the window, in a bounded cache. The two modes are independent: a windowed request neither
  needs nor moves the counter.

One API process per database holds this state (DESIGN: one process has the API role).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable

from backend.api.limits import ApiLimits

TOO_MANY = "Too many requests."
"""The reference's message for a nonce that is not larger than the last (not the HTTP 429)."""

OUT_OF_WINDOW = "Your nonce is more than 5 seconds lesser than the current nonce"
"""The reference's message for a windowed nonce too far from server time."""


class NonceGuard:
    """Accepts or refuses nonces per key and makes accepted counters durable."""

    def __init__(self, store, limits: ApiLimits, clock_ms: Callable[[], int]) -> None:
        self._store = store
        self._limits = limits
        self._clock_ms = clock_ms
        self._last: dict[str, int] = {}
        self._seen: OrderedDict[tuple[str, int], int] = OrderedDict()
        self._pending: dict[str, int] = {}
        self._next: asyncio.Future[None] | None = None
        self._writer: asyncio.Task | None = None

    def check(self, key: str, stored_last: int, nonce: int, window: bool) -> str | None:
        """Accept `nonce` for `key` now (None) or return the reference's refusal message.

        `stored_last` is the key's last nonce as read from the store; the larger of it and what
        this process accepted since is the bar. Synchronous: call it without awaiting in between
        reading and accepting.
        """
        if window:
            return self._check_window(key, nonce)
        last = max(self._last.get(key, 0), stored_last)
        if nonce <= last:
            return TOO_MANY
        self._last[key] = nonce
        self._pending[key] = max(self._pending.get(key, 0), nonce)
        return None

    def _check_window(self, key: str, nonce: int) -> str | None:
        now = self._clock_ms()
        if abs(nonce - now) > self._limits.nonce_window_ms:
            return OUT_OF_WINDOW
        seen = self._seen
        while seen:
            oldest, expiry = next(iter(seen.items()))
            if expiry > now:
                break
            del seen[oldest]
        entry = (key, nonce)
        if entry in seen or len(seen) >= self._limits.nonce_cache_entries:
            return TOO_MANY
        seen[entry] = now + self._limits.nonce_cache_ms
        return None

    async def durable(self) -> None:
        """Wait until every counter accepted so far is written to the store."""
        if not self._pending and self._next is None:
            return
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
        future = self._next
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="nonce-commit")
        await asyncio.shield(future)

    async def _write(self) -> None:
        while self._pending:
            batch, future = self._pending, self._next
            self._pending, self._next = {}, None
            try:
                await asyncio.to_thread(self._store.advance_nonces, sorted(batch.items()))
            except Exception as exc:  # the waiting requests fail; the next batch tries again
                if future is not None:
                    future.set_exception(exc)
                    future.exception()  # retrieved here too, so an unawaited one never warns
                continue
            if future is not None:
                future.set_result(None)

    @property
    def remembered(self) -> int:
        """Windowed nonces currently remembered (bounded by `nonce_cache_entries`)."""
        return len(self._seen)
