"""The live event feed: in-process publish/subscribe of what happens to an account.

The recorder, the block tracker, the daily close and the payout runner publish; the API serves
each subscription as a server-sent event stream. Kinds: ``worker`` (a worker connected,
disconnected or got a new difficulty), ``hashrate`` (a batch of shares was recorded), ``block``
(found, confirmed, orphaned), ``reward`` (a day was closed), ``payout`` (a payout changed state).

Publishing never blocks and never fails: each subscriber has a bounded queue, and when it is full
the oldest event is dropped to make room (a slow reader loses history, the pool loses nothing).
``publish`` may be called from any thread; delivery happens on the subscriber's event loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

SUBSCRIBER_QUEUE = 256
"""Events a subscriber may fall behind by before the oldest are dropped: a few minutes of a busy
account (one ``hashrate`` event per recorder batch, about one a second)."""

KINDS = frozenset({"worker", "hashrate", "block", "reward", "payout"})
"""The event kinds the contract names."""

Event = tuple[str, dict[str, Any]]
"""(kind, data)."""


class _Subscriber:
    """One subscription: a bounded deque and the loop that reads it."""

    __slots__ = ("account", "dropped", "events", "loop", "wake")

    def __init__(self, account: str, size: int) -> None:
        self.account = account
        self.events: deque[Event] = deque(maxlen=size)
        self.loop = asyncio.get_running_loop()
        self.wake = asyncio.Event()
        self.dropped = 0

    def push(self, event: Event) -> None:
        # Runs on the subscriber's loop, so the deque and the event are only touched there.
        if len(self.events) == self.events.maxlen:
            self.dropped += 1
        self.events.append(event)
        self.wake.set()


class EventFeed:
    """Pub/sub of account events (module docstring)."""

    def __init__(self, queue_size: int = SUBSCRIBER_QUEUE) -> None:
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        self._queue_size = queue_size
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[_Subscriber]] = {}

    def publish(self, account: str, kind: str, data: dict[str, Any]) -> None:
        """Deliver ``(kind, data)`` to every subscriber of ``account``. Never blocks."""
        if kind not in KINDS:
            raise ValueError(f"unknown event kind {kind!r}")
        with self._lock:
            targets = list(self._subscribers.get(account, ()))
        for subscriber in targets:
            try:
                subscriber.loop.call_soon_threadsafe(subscriber.push, (kind, data))
            except RuntimeError:
                self._remove(subscriber)  # its loop is closed: nobody is reading any more

    def subscribers(self, account: str) -> int:
        """How many subscriptions ``account`` has (for tests and metrics)."""
        with self._lock:
            return len(self._subscribers.get(account, ()))

    async def subscribe(self, account: str) -> AsyncIterator[Event]:
        """Yield ``(kind, data)`` for ``account`` as they are published, until the consumer stops
        iterating (closing the generator ends the subscription)."""
        subscriber = _Subscriber(account, self._queue_size)
        with self._lock:
            self._subscribers.setdefault(account, set()).add(subscriber)
        try:
            while True:
                while subscriber.events:
                    yield subscriber.events.popleft()
                subscriber.wake.clear()
                await subscriber.wake.wait()
        finally:
            self._remove(subscriber)

    def _remove(self, subscriber: _Subscriber) -> None:
        with self._lock:
            group = self._subscribers.get(subscriber.account)
            if group is not None:
                group.discard(subscriber)
                if not group:
                    del self._subscribers[subscriber.account]
