"""The search space of the current work, handed out in disjoint chunks."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from backend.miner.job import Work, spread_bits

NONCE_LIMIT = 1 << 32
"""Values the 32-bit header nonce can take."""


@dataclass(frozen=True, slots=True)
class Chunk:
    """A range of nonces over one header prefix, ready for a hashing worker.

    ``version_bits`` is the 6th submit parameter (``rolled XOR job version``) when version rolling
    was negotiated, else None and the submit has five parameters.
    """

    work: Work
    extranonce2: bytes
    version: int
    version_bits: int | None
    prefix: bytes
    start: int
    count: int


class WorkCursor:
    """Walks the current work's search space so that no two chunks overlap.

    Order: the nonces of one header prefix (``nonce_span`` of them), then the next rolled version
    when version rolling is on, then the next extranonce2. The extranonce2 counter runs on across
    jobs of a session (a fresh value per job), so a pool that resends a job with the same coinbase
    and ntime never gets a duplicate header; it restarts at zero for a new extranonce1.
    All hashing workers share one cursor, which is how they get disjoint ranges.
    """

    def __init__(self, nonce_span: int = NONCE_LIMIT) -> None:
        if not 1 <= nonce_span <= NONCE_LIMIT:
            raise ValueError("nonce_span must be in 1 .. 2**32")
        self._span = nonce_span
        self._work: Work | None = None
        self._mask: int | None = None
        self._next_extranonce2 = 0
        self._extranonce2 = b""
        self._version_index = 0
        self._version = 0
        self._prefix = b""
        self._nonce = 0
        self._ready = asyncio.Event()

    @property
    def work(self) -> Work | None:
        """The work being hashed, or None while there is none (not connected, not authorized)."""
        return self._work

    @property
    def version_mask(self) -> int | None:
        """The negotiated version-rolling mask, or None when version rolling is off."""
        return self._mask

    def start(self, work: Work, version_mask: int | None) -> None:
        """Switch to new work (a new job); the old work's remaining space is abandoned."""
        self._work = work
        self._mask = version_mask
        self._fresh_extranonce2()
        self._ready.set()

    def set_version_mask(self, mask: int) -> None:
        """Apply a ``mining.set_version_mask`` at once (BIP 310), starting a fresh extranonce2."""
        self._mask = mask
        if self._work is not None:
            self._fresh_extranonce2()

    def restart_extranonce2(self) -> None:
        """Start counting extranonce2 from zero again (a new session or a new extranonce1)."""
        self._next_extranonce2 = 0

    def clear(self) -> None:
        """Drop the work: workers wait until ``start`` is called again."""
        self._work = None
        self._ready.clear()

    async def wait_for_work(self) -> None:
        """Return once there is work to hash."""
        await self._ready.wait()

    def take(self, count: int) -> Chunk | None:
        """Return the next chunk of at most ``count`` nonces, or None when there is no work."""
        work = self._work
        if work is None:
            return None
        if self._nonce >= self._span:
            self._roll()
        start = self._nonce
        size = max(1, min(count, self._span - start))
        self._nonce = start + size
        return Chunk(
            work=work,
            extranonce2=self._extranonce2,
            version=self._version,
            version_bits=None if self._mask is None else self._version ^ work.job.version,
            prefix=self._prefix,
            start=start,
            count=size,
        )

    def _roll(self) -> None:
        # Rolling version bits is cheaper than a new extranonce2 (no new merkle root), so it goes
        # first; the extranonce2 moves on once every mask value has been used.
        bits = 0 if self._mask is None else self._mask.bit_count()
        if bits and self._version_index + 1 < (1 << bits):
            self._version_index += 1
            self._rebuild()
        else:
            self._fresh_extranonce2()

    def _fresh_extranonce2(self) -> None:
        assert self._work is not None
        self._extranonce2 = self._work.extranonce2(self._next_extranonce2)
        self._next_extranonce2 += 1
        self._version_index = 0
        self._rebuild()

    def _rebuild(self) -> None:
        work = self._work
        assert work is not None
        rolled = spread_bits(self._version_index, self._mask or 0)
        # ESP-Miner's rule: the hashed version is the job version with the rolled bits flipped, and
        # the submit carries the XOR delta (reference §2.8). Pools clear the mask bits from the job
        # version, so XOR, OR and BIP 310 all give the same header.
        self._version = work.job.version ^ rolled
        self._prefix = work.header_prefix(self._extranonce2, self._version)
        self._nonce = 0
