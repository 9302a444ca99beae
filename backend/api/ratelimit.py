"""Rate limiters with bounded state (security-and-reliability.md §4.3).

- `TokenBuckets`: one token bucket per caller key (key and endpoint, watcher token, IP), refilled
  continuously: bursts up to the capacity, then the refill rate. A caller can hold several
  buckets at once (a watcher token's per-minute and per-hour budgets).
- `FailureWindow`: a sliding-window count of failed authentications per IP.

Both forget the least recently seen caller once they track `max_entries`, so an attacker rotating
keys, tokens or addresses cannot grow memory; a forgotten caller starts again with a full budget,
which only ever favours the caller. Time is injected (monotonic seconds).
"""

from __future__ import annotations

import math
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Budget:
    """`requests` per `seconds`, as a token bucket of that capacity refilled at that rate."""

    requests: int
    """Capacity, and the number of requests refilled per `seconds`."""
    seconds: float
    """The period over which `requests` are refilled."""


class TokenBuckets:
    """Token buckets for any number of callers, each under the same budgets."""

    def __init__(
        self, budgets: tuple[Budget, ...], max_entries: int, clock: Callable[[], float]
    ) -> None:
        if not budgets:
            raise ValueError("at least one budget")
        self._budgets = budgets
        self._max = max_entries
        self._clock = clock
        self._state: OrderedDict[Hashable, tuple[float, list[float]]] = OrderedDict()

    def take(self, caller: Hashable) -> float:
        """Spend one request for `caller`: 0.0 when allowed, else the seconds until it would be
        (nothing is spent then)."""
        now = self._clock()
        held = self._state.get(caller)
        if held is None:
            levels = [float(budget.requests) for budget in self._budgets]
        else:
            stamp, levels = held
            elapsed = max(now - stamp, 0.0)
            levels = [
                min(float(b.requests), level + elapsed * b.requests / b.seconds)
                for b, level in zip(self._budgets, levels, strict=True)
            ]
        wait = 0.0
        for budget, level in zip(self._budgets, levels, strict=True):
            if level < 1.0:
                wait = max(wait, (1.0 - level) * budget.seconds / budget.requests)
        if wait == 0.0:
            levels = [level - 1.0 for level in levels]
        self._state[caller] = (now, levels)
        self._state.move_to_end(caller)
        if len(self._state) > self._max:
            self._state.popitem(last=False)
        return wait

    def __len__(self) -> int:
        return len(self._state)


class FailureWindow:
    """Failed attempts per caller over a sliding window of `seconds`."""

    def __init__(
        self, limit: int, seconds: float, max_entries: int, clock: Callable[[], float]
    ) -> None:
        self._limit = limit
        self._seconds = seconds
        self._max = max_entries
        self._clock = clock
        self._state: OrderedDict[Hashable, deque[float]] = OrderedDict()

    def _recent(self, caller: Hashable, now: float) -> deque[float] | None:
        times = self._state.get(caller)
        if times is None:
            return None
        while times and times[0] <= now - self._seconds:
            times.popleft()
        if not times:
            del self._state[caller]
            return None
        return times

    def blocked(self, caller: Hashable) -> float:
        """0.0 when `caller` may try again, else the seconds until its oldest failure ages out."""
        now = self._clock()
        times = self._recent(caller, now)
        if times is None or len(times) < self._limit:
            return 0.0
        return max(times[0] + self._seconds - now, 0.001)

    def fail(self, caller: Hashable) -> None:
        """Count one failure for `caller` (at most `limit` are kept, which is all it needs)."""
        now = self._clock()
        times = self._recent(caller, now)
        if times is None:
            times = self._state[caller] = deque(maxlen=self._limit)
        times.append(now)
        self._state.move_to_end(caller)
        if len(self._state) > self._max:
            self._state.popitem(last=False)

    def __len__(self) -> int:
        return len(self._state)


def retry_after(seconds: float) -> str:
    """The `Retry-After` header value: whole seconds, rounded up, at least 1 (RFC 9110 §10.2.3)."""
    return str(max(1, math.ceil(seconds)))
