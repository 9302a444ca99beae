"""``EmbeddedSource``: the embedded chain as a ``TemplateSource`` on the pool's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from backend.chain.source import ChainInfo, ChainUnavailable
from backend.mining.template import BlockTemplate

if TYPE_CHECKING:
    from backend.chain.embedded import EmbeddedChain

_T = TypeVar("_T")


class EmbeddedSource:
    """``TemplateSource`` over an ``EmbeddedChain`` in the same process.

    Chain calls are quick (a block check is a few milliseconds) and run inline on the event loop.
    ``wait_for_template`` sleeps on an ``asyncio.Event`` that a tip listener sets with
    ``call_soon_threadsafe``, so a block submitted from any thread (the RPC server's, a test's)
    wakes it. It also wakes when the stall rule is about to lower the difficulty, so the pool
    hands out the easier work then. ``close`` closes the chain only when ``owns_chain``.
    """

    def __init__(self, chain: EmbeddedChain, *, owns_chain: bool = False) -> None:
        self.chain = chain
        """The chain served."""
        self._owns_chain = owns_chain
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._waiters_lock = threading.Lock()
        chain.add_listener(self._wake)

    def _wake(self, _tip: bytes = b"") -> None:
        with self._waiters_lock:
            waiters = list(self._waiters)
        for loop, event in waiters:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:
                continue  # that waiter's loop is closed; nobody is left to wake

    def _call(self, fn: Callable[[], _T]) -> _T:
        try:
            return fn()
        except sqlite3.Error as exc:
            raise ChainUnavailable(f"embedded chain store failed: {exc}") from exc

    async def get_template(self) -> BlockTemplate:
        """A template on the current tip."""
        return self._call(self.chain.template)

    async def wait_for_template(self, longpollid: str, timeout: float) -> BlockTemplate:  # noqa: ASYNC109 - the contract's signature
        """Return when the tip moves, at once when ``longpollid`` is already stale (tip or mempool
        changed), or after ``timeout`` seconds; in every case with the current template."""
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        with self._waiters_lock:
            self._waiters.add(waiter)
        try:
            # Registered before comparing, so a tip change in between still sets the event.
            if self._call(lambda: self.chain.longpollid) == longpollid:
                wait = max(0.0, timeout)
                until_stall = self._call(self.chain.min_difficulty_time) - self.chain.clock()
                if until_stall > 0:
                    wait = min(wait, until_stall)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await waiter[1].wait()
        finally:
            with self._waiters_lock:
                self._waiters.discard(waiter)
        return await self.get_template()

    async def submit_block(self, block: bytes) -> str | None:
        """Check and store a block; Core's submitblock result (``EmbeddedChain.submit_block``)."""
        return self._call(lambda: self.chain.submit_block(block))

    async def chain_info(self) -> ChainInfo:
        """Summary of the tip."""
        return self._call(self.chain.info)

    async def block_hash_at(self, height: int) -> bytes | None:
        """The active chain's block hash at ``height`` (internal order); None above the tip."""
        try:
            return self._call(lambda: self.chain.block_hash(height))
        except IndexError:
            return None

    async def close(self) -> None:
        """Stop listening (waking any waiter) and close the chain if this source owns it."""
        self.chain.remove_listener(self._wake)
        self._wake()
        if self._owns_chain:
            self.chain.close()
