"""Holding the hash rate to a limit, so demo miners differ and tests know how fast shares come."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class Throttle:
    """A timeline of reservations at ``rate`` hashes per second, shared by all hashing workers.

    Each chunk reserves ``count / rate`` seconds starting where the previous reservation ended
    (or now, if that is later) and waits for its slot, so the long-run rate never exceeds ``rate``
    and idle time is not saved up into a burst. ``rate=None`` means no limit.
    """

    def __init__(
        self,
        rate: float | None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate is not None and not rate > 0:
            raise ValueError("hash rate limit must be positive")
        self.rate = rate
        self._clock = clock
        self._sleep = sleep
        self._free_at = 0.0

    def chunk_cap(self, workers: int, seconds: float) -> int | None:
        """Most nonces a worker should take per chunk to stay near ``seconds`` per chunk."""
        if self.rate is None:
            return None
        return max(1, int(self.rate / workers * seconds))

    async def take(self, count: int) -> None:
        """Wait until ``count`` more hashes fit under the limit."""
        if self.rate is None:
            return
        now = self._clock()
        begin = max(now, self._free_at)
        self._free_at = begin + count / self.rate
        if begin > now:
            await self._sleep(begin - now)
