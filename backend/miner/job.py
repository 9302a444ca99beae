"""Work as the miner holds it: a parsed ``mining.notify`` and the headers built from it.

Byte placement follows stratum reference §2.1: coinbase = coinb1 ‖ en1 ‖ en2 ‖ coinb2, the merkle
root is folded from sha256d(coinbase) with each branch entry on the right, the prevhash arrives
word-swapped, and every u32 text lands little-endian in the header.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from backend.bitcoin.hashes import sha256d
from backend.bitcoin.header import BlockHeader
from backend.bitcoin.target import bits_to_target, difficulty_to_target

NOTIFY_PARAMS = 9
"""Entries in ``mining.notify`` params (reference §1.3)."""

_HEX = re.compile(r"(?:[0-9a-fA-F]{2})*", re.ASCII)
_U32 = re.compile(r"[0-9a-fA-F]{8}", re.ASCII)


def parse_hex(value: object, field: str, size: int | None = None) -> bytes:
    """Decode strict hex (an even number of digits, nothing else) into bytes.

    ``bytes.fromhex`` alone would skip whitespace (reference §2.2), so the regex runs first.
    ValueError names ``field`` when the text is not hex or not ``size`` bytes long.
    """
    if not isinstance(value, str) or _HEX.fullmatch(value) is None:
        raise ValueError(f"{field} is not a hex string")
    raw = bytes.fromhex(value)
    if size is not None and len(raw) != size:
        raise ValueError(f"{field} must be {size} bytes, got {len(raw)}")
    return raw


def parse_u32(value: object, field: str) -> int:
    """Decode u32 text: exactly eight hex digits, most significant first (reference §0)."""
    if not isinstance(value, str) or _U32.fullmatch(value) is None:
        raise ValueError(f"{field} must be eight hex digits")
    return int(value, 16)


def unswap_prevhash(text: object) -> bytes:
    """Turn the word-swapped prevhash of a notify into internal byte order (reference §1.3)."""
    raw = parse_hex(text, "prevhash", 32)
    return b"".join(raw[i : i + 4][::-1] for i in range(0, 32, 4))


def spread_bits(index: int, mask: int) -> int:
    """Deposit the low bits of ``index`` into the set bits of ``mask``, lowest first.

    With the BIP 320 mask ``1fffe000`` this is ``index << 13``; the general form lets a pool hand
    out any mask. Bits of ``index`` beyond the mask's population are ignored.
    """
    result = 0
    while mask and index:
        lowest = mask & -mask
        if index & 1:
            result |= lowest
        index >>= 1
        mask ^= lowest
    return result


@dataclass(frozen=True, slots=True)
class StratumJob:
    """The fields of one ``mining.notify``, decoded (hashes in internal order)."""

    job_id: str
    prev_hash: bytes
    coinb1: bytes
    coinb2: bytes
    branch: tuple[bytes, ...]
    version: int
    bits: int
    ntime: int
    clean: bool

    @classmethod
    def from_notify(cls, params: object) -> StratumJob:
        """Parse notify params strictly; ValueError says which field is wrong."""
        if not isinstance(params, list) or len(params) < NOTIFY_PARAMS:
            raise ValueError(f"notify needs {NOTIFY_PARAMS} params")
        job_id, prevhash, coinb1, coinb2, branch, version, bits, ntime, clean = params[:9]
        if not isinstance(job_id, str) or not job_id:
            raise ValueError("job_id must be a non-empty string")
        if not isinstance(branch, list):
            raise ValueError("merkle_branch must be a list")
        job = cls(
            job_id=job_id,
            prev_hash=unswap_prevhash(prevhash),
            coinb1=parse_hex(coinb1, "coinb1"),
            coinb2=parse_hex(coinb2, "coinb2"),
            branch=tuple(parse_hex(item, "merkle_branch entry", 32) for item in branch),
            version=parse_u32(version, "version"),
            bits=parse_u32(bits, "nbits"),
            ntime=parse_u32(ntime, "ntime"),
            # cpuminer takes only a JSON true as clean (json_is_true).
            clean=clean is True,
        )
        bits_to_target(job.bits)  # refuse a negative or overflowing nBits up front
        return job


def valid_difficulty(value: object) -> float | None:
    """Return ``value`` as a share difficulty, or None when it is not a finite positive number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    if not math.isfinite(number) or number <= 0:
        return None
    return number


@dataclass(frozen=True, slots=True)
class Work:
    """A job bound to this connection's extranonce1 and the difficulty in force when it came.

    ``share_target`` is what a hash must meet to be submitted; ``block_target`` (from nbits) is what
    makes it a block.
    """

    job: StratumJob
    extranonce1: bytes
    extranonce2_size: int
    difficulty: float
    share_target: int
    block_target: int

    @classmethod
    def build(
        cls, job: StratumJob, extranonce1: bytes, extranonce2_size: int, difficulty: float
    ) -> Work:
        """Bind ``job`` to a session's extranonce and difficulty."""
        return cls(
            job=job,
            extranonce1=extranonce1,
            extranonce2_size=extranonce2_size,
            difficulty=difficulty,
            share_target=difficulty_to_target(difficulty),
            block_target=bits_to_target(job.bits),
        )

    def extranonce2(self, counter: int) -> bytes:
        """Encode an extranonce2 counter little-endian, as cpuminer and ESP-Miner do (§2.1)."""
        return (counter % (1 << (8 * self.extranonce2_size))).to_bytes(
            self.extranonce2_size, "little"
        )

    def merkle_root(self, extranonce2: bytes) -> bytes:
        """Return the merkle root (internal order) for one extranonce2."""
        job = self.job
        root = sha256d(job.coinb1 + self.extranonce1 + extranonce2 + job.coinb2)
        for node in job.branch:
            root = sha256d(root + node)
        return root

    def header(self, extranonce2: bytes, version: int, nonce: int) -> BlockHeader:
        """Return the full header for one extranonce2, rolled version and nonce."""
        job = self.job
        return BlockHeader(
            version=version,
            prev_hash=job.prev_hash,
            merkle_root=self.merkle_root(extranonce2),
            time=job.ntime,
            bits=job.bits,
            nonce=nonce,
        )

    def header_prefix(self, extranonce2: bytes, version: int) -> bytes:
        """Return the first 76 header bytes: everything but the nonce, which the scan appends."""
        return self.header(extranonce2, version, 0).serialize()[:76]
