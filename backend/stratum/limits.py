"""The listener's limits, and the small bounded tables that enforce them.

``StratumLimits`` is the one settings model for the Stratum listener (STYLE rule 21): each field
says what it bounds and cites where its default comes from — ``security-and-reliability.md``
(§1.x, §2.1, §3) or ``stratum-v1-and-pool-mechanics.md``. The classes below keep per-connection and
per-IP state that can never grow without bound (security reference §2.1, "bounded state"): every
keyed table has a capacity and forgets its least recently used entry when full.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K")


@dataclass(frozen=True, slots=True)
class StratumLimits:
    """Limits and protocol settings of the Stratum listener, with the reference defaults."""

    max_line_bytes: int = 4096
    """Longest inbound line, without its newline. A longer line (or a partial line that grows past
    it) disconnects; the rest is never parsed (security reference §0.3, §1.9, §3: 4096 B)."""

    first_message_timeout: float = 60.0
    """Seconds a new socket has to send its first complete line (security §3; ckpool
    ``IDLE_ACCEPT_TIMEOUT``)."""

    authorize_timeout: float = 60.0
    """Seconds from connect until some worker must be authorized (security §3; ckpool's
    unauthorised reaper)."""

    idle_timeout: float = 600.0
    """Seconds an authorized connection may go without a share before it is dropped; 0 turns it off
    (security §3; NOMP and Miningcore use 600 s)."""

    blocked_write_timeout: float = 60.0
    """Seconds outbound data may stay queued without draining before the connection is dropped
    (security §1.9, §3; ckpool)."""

    max_send_queue: int = 64 * 1024
    """Bytes queued for one slow reader before the connection is dropped (security §3: 64 KiB)."""

    socket_send_buffer: int = 64 * 1024
    """Kernel send buffer asked for each miner socket (SO_SNDBUF; Linux doubles it). Left to
    autotuning, loopback and LAN sockets grow to MiBs, which hides a slow reader from
    ``max_send_queue`` and lets the kernel hold far more than a miner ever needs (a notify is
    under 1 KiB). 0 keeps the OS default (security §1.9, bounded per-connection memory)."""

    message_rate: float = 20.0
    """Sustained inbound lines per second per connection; the token bucket refills at this rate
    (security §3: 20 msg/s)."""

    message_burst: int = 100
    """Token bucket size for inbound lines; a connection that empties it is dropped as a flood
    (security §3: burst 100)."""

    max_connections: int = 50_000
    """Global cap on open connections; beyond it a new socket is accepted and closed at once, so
    the listen backlog keeps draining (security §2.1, §3; ckpool ``maxclients``)."""

    max_unauthenticated_per_ip: int = 64
    """Open sockets per IP (IPv6: per /64) that have not authorized a worker yet. Authorized
    sockets are not capped, because farms sit behind one NAT address (security §2.1, §3)."""

    new_connection_rate_per_ip: float = 20.0
    """New connections per second per IP (token bucket rate; security §3: 20/s)."""

    new_connection_burst_per_ip: int = 100
    """New connections per IP that may arrive at once (token bucket size; security §3: 100)."""

    invalid_share_min_shares: int = 50
    """Shares a connection must submit before its invalid ratio is judged; the counters restart
    after each judgement (security §2.1, §3; Miningcore's example ban settings)."""

    invalid_share_ratio: float = 0.5
    """Invalid fraction at or above which the connection is dropped and the account is banned from
    that IP (security §3: >= 50 % after >= 50 shares)."""

    invalid_share_ban: float = 600.0
    """Seconds the account's connections from that IP are refused after an invalid-share ban
    (security §3: 600 s)."""

    junk_ban_threshold: int = 3
    """Undecodable or oversize lines from one IP within ``junk_window`` that trigger an IP ban.
    Junk always disconnects; the ban waits for repeats because of NAT (security §3: >= 3)."""

    junk_window: float = 600.0
    """Window for counting junk from one IP (security §3: 10 min)."""

    junk_ban: float = 180.0
    """Seconds an IP is refused after repeated junk (security §1.10, §3; Miningcore's 3 min)."""

    auth_backoff_initial: float = 3.0
    """Seconds a username is refused after its first failed authorize; each further failure doubles
    it (security §1.17, §3; ckpool)."""

    auth_backoff_max: float = 600.0
    """Cap on the failed-authorize back-off (security §1.17, §3; ckpool)."""

    extranonce2_size: int = 4
    """Bytes of extranonce2 the miner rolls, sent in the subscribe reply. Must match the job
    builder's slot. 4 is what public-pool and Miningcore use; never above 8, which breaks
    WhatsMiners and S9-era cgminer (stratum reference §1.3, §7 checklist 3)."""

    max_workers_per_connection: int = 64
    """Distinct workers one connection may authorize (proxies authorize several; stratum reference
    §1.3). Bounds per-connection state."""

    max_username_length: int = 160
    """Longest ``mining.authorize`` username passed to the authorizer: a 90-character address, a
    dot and a 64-character worker name fit (security §1.11: worker part 1-64 characters)."""

    max_password_length: int = 256
    """Longest ``mining.authorize`` password passed to the authorizer (security §1.11 bounds names
    to short strings; passwords carry options such as ``d=``)."""

    max_user_agent_length: int = 128
    """Longest user agent kept from ``mining.subscribe``; longer ones are cut (bounded state)."""

    max_pending_lines: int = 32
    """Lines read ahead while an authorize is in flight before reading pauses (pipelining miners
    send 2-3; stratum reference §1.1)."""

    table_capacity: int = 65_536
    """Entries in each per-IP or per-username table (rate buckets, bans, junk counts, back-offs)
    before the least recently used one is forgotten (security §2.1, bounded state)."""

    sweep_interval: float = 1.0
    """Seconds between sweeps of the one loop-level timer that enforces the deadlines above and
    lets vardiff lower the difficulty of quiet connections."""

    stop_grace: float = 5.0
    """Seconds a graceful stop waits for ``client.reconnect`` to drain before closing hard."""


class TokenBucket:
    """A token bucket: ``rate`` tokens per second, at most ``burst`` held, starting full."""

    __slots__ = ("burst", "rate", "stamp", "tokens")

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.stamp = now

    def take(self, now: float, cost: float = 1.0) -> bool:
        """Spend ``cost`` tokens if there are enough; False (and nothing spent) otherwise."""
        elapsed = now - self.stamp
        if elapsed > 0:
            self.tokens = min(self.burst, self.tokens + elapsed * self.rate)
            self.stamp = now
        if self.tokens >= cost:
            self.tokens -= cost
            return True
        return False


class _LruTable(Generic[K]):
    """A dict with a capacity: touching a key makes it newest; inserting past capacity forgets the
    oldest. Forgetting is always the lenient direction (a fresh bucket, no ban), so an attacker
    who floods the table only makes it forget, never makes it block someone else."""

    __slots__ = ("_capacity", "_entries")

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._entries: dict[K, object] = {}

    def _pop(self, key: K) -> object | None:
        return self._entries.pop(key, None)

    def _put(self, key: K, value: object) -> None:
        entries = self._entries
        entries[key] = value
        while len(entries) > self._capacity:
            del entries[next(iter(entries))]

    def __len__(self) -> int:
        return len(self._entries)


class BucketTable(_LruTable[K]):
    """Token buckets keyed by IP (or anything), bounded to ``capacity`` keys."""

    __slots__ = ("_burst", "_rate")

    def __init__(self, rate: float, burst: float, capacity: int) -> None:
        super().__init__(capacity)
        self._rate = rate
        self._burst = burst

    def take(self, key: K, now: float) -> bool:
        """Spend one token from ``key``'s bucket; False when it is empty."""
        bucket = self._pop(key)
        if not isinstance(bucket, TokenBucket):
            bucket = TokenBucket(self._rate, self._burst, now)
        self._put(key, bucket)
        return bucket.take(now)


class ExpiryTable(_LruTable[K]):
    """Keys that stay active until a time (bans), bounded to ``capacity`` keys."""

    __slots__ = ()

    def activate(self, key: K, until: float) -> None:
        """Make ``key`` active until ``until`` (a later call replaces an earlier one)."""
        self._pop(key)
        self._put(key, float(until))

    def remaining(self, key: K, now: float) -> float:
        """Seconds ``key`` stays active; 0.0 when it is not (expired entries are dropped)."""
        until = self._entries.get(key)
        if not isinstance(until, float):
            return 0.0
        if until <= now:
            self._pop(key)
            return 0.0
        return until - now


class EventCounter(_LruTable[K]):
    """Counts events per key in a sliding window; reports when ``threshold`` is reached."""

    __slots__ = ("_threshold", "_window")

    def __init__(self, threshold: int, window: float, capacity: int) -> None:
        super().__init__(capacity)
        self._threshold = threshold
        self._window = window

    def hit(self, key: K, now: float) -> bool:
        """Record one event; True when ``threshold`` events fell within the window (then reset)."""
        times = self._pop(key)
        recent = [t for t in times if now - t < self._window] if isinstance(times, list) else []
        recent.append(now)
        if len(recent) >= self._threshold:
            return True
        self._put(key, recent)
        return False


class Backoff(_LruTable[K]):
    """Failed-attempt back-off per key: ``initial`` seconds after the first failure, doubling with
    each further one up to ``maximum`` (security reference §1.17, ckpool's authorize back-off)."""

    __slots__ = ("_initial", "_maximum")

    def __init__(self, initial: float, maximum: float, capacity: int) -> None:
        super().__init__(capacity)
        self._initial = initial
        self._maximum = maximum

    def remaining(self, key: K, now: float) -> float:
        """Seconds ``key`` must still wait; 0.0 when it may try."""
        state = self._entries.get(key)
        if not isinstance(state, tuple):
            return 0.0
        return max(0.0, state[1] - now)

    def fail(self, key: K, now: float) -> float:
        """Record a failure; returns the wait it imposes."""
        state = self._pop(key)
        failures = state[0] + 1 if isinstance(state, tuple) else 1
        wait = min(self._maximum, self._initial * 2 ** min(failures - 1, 32))
        self._put(key, (failures, now + wait))
        return wait

    def succeed(self, key: K) -> None:
        """Forget ``key``'s failures."""
        self._pop(key)
