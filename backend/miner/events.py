"""What the miner reports: small event values for callbacks, and running totals."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Share:
    """One submitted share, as sent (hex and integers) plus what the miner knows about it."""

    job_id: str
    extranonce2: str
    ntime: int
    nonce: int
    version_bits: int | None
    hash_hex: str
    """The header hash as display hex."""
    difficulty: float
    """The share difficulty of the job it was found on (what it was submitted against)."""
    is_block: bool
    """Its hash also meets the job's nbits target."""

    def params(self, worker: str) -> list[str]:
        """The ``mining.submit`` params: five, or six with version rolling (reference §1.3)."""
        params = [worker, self.job_id, self.extranonce2, f"{self.ntime:08x}", f"{self.nonce:08x}"]
        if self.version_bits is not None:
            params.append(f"{self.version_bits:08x}")
        return params


@dataclass(frozen=True, slots=True)
class MinerEvent:
    """Base class of everything passed to ``on_event``."""


@dataclass(frozen=True, slots=True)
class Connected(MinerEvent):
    """Subscribed and authorized: the pool may now send work."""

    url: str
    extranonce1: str
    extranonce2_size: int
    version_mask: int | None
    """The negotiated version-rolling mask, None when version rolling is off."""


@dataclass(frozen=True, slots=True)
class Disconnected(MinerEvent):
    """An authorized session ended; the miner will reconnect unless it is stopping."""

    reason: str


@dataclass(frozen=True, slots=True)
class JobReceived(MinerEvent):
    """A ``mining.notify`` was accepted as the work to hash."""

    job_id: str
    clean: bool
    difficulty: float


@dataclass(frozen=True, slots=True)
class DifficultyChanged(MinerEvent):
    """A ``mining.set_difficulty`` arrived; it governs jobs received after it."""

    difficulty: float


@dataclass(frozen=True, slots=True)
class ShareSubmitted(MinerEvent):
    """A share was written to the pool."""

    share: Share


@dataclass(frozen=True, slots=True)
class ShareAccepted(MinerEvent):
    """The pool answered a submit with ``true``."""

    share: Share


@dataclass(frozen=True, slots=True)
class ShareRejected(MinerEvent):
    """The pool refused a share; ``reason`` is its message, ``code`` its error code if any."""

    share: Share
    reason: str
    code: int | None


@dataclass(frozen=True, slots=True)
class PoolMessage(MinerEvent):
    """Text from ``client.show_message``."""

    text: str


@dataclass(slots=True)
class MinerStats:
    """Running totals since the miner started. Updated in place on the event loop."""

    hashes: int = 0
    """Header hashes computed."""
    submitted: int = 0
    accepted: int = 0
    rejected: int = 0
    reject_reasons: dict[str, int] = field(default_factory=dict)
    """Rejected shares per reason text, taken from the pool's error."""
    blocks: int = 0
    """Submitted shares whose hash met the job's nbits target."""
    discarded: int = 0
    """Shares found but not sent: their job was cleared or the connection was gone."""
    unanswered: int = 0
    """Shares sent whose connection closed before the pool answered."""
    difficulty: float = 1.0
    """The last difficulty the pool set (1 until it sets one, as cpuminer assumes)."""
    connected: bool = False
    """Subscribed and authorized right now."""
    connections: int = 0
    """Sessions that got as far as authorized."""
    job_id: str | None = None
    """The job being hashed."""
    started_at: float = 0.0
    """``time.monotonic()`` when the miner started."""

    def hashrate(self, now: float) -> float:
        """Average hashes per second from ``started_at`` to ``now`` (a monotonic time)."""
        elapsed = now - self.started_at
        return self.hashes / elapsed if elapsed > 0 else 0.0

    def count_reject(self, reason: str) -> None:
        """Record one rejected share under ``reason``."""
        self.rejected += 1
        self.reject_reasons[reason] = self.reject_reasons.get(reason, 0) + 1
