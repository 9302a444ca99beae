"""The 80-byte block header (stratum reference §2.1, vectors in §8.1)."""

import struct
from dataclasses import dataclass

from backend.bitcoin.hashes import sha256d

HEADER_SIZE = 80
"""Bytes in a serialized block header."""

_HEADER = struct.Struct("<I32s32sIII")


@dataclass(frozen=True, slots=True)
class BlockHeader:
    """A block header. Hashes are in internal order; integers are unsigned 32-bit.

    ``version`` is held unsigned (as stratum's u32 text carries it), so a header round-trips
    byte for byte whatever its top bit.
    """

    version: int
    prev_hash: bytes
    merkle_root: bytes
    time: int
    bits: int
    nonce: int

    def __post_init__(self) -> None:
        # struct's "32s" would silently pad or cut a wrong-sized hash; refuse it here instead.
        if len(self.prev_hash) != 32 or len(self.merkle_root) != 32:
            raise ValueError("prev_hash and merkle_root must be 32 bytes")

    def serialize(self) -> bytes:
        """Return the 80 bytes that are hashed: every integer little-endian."""
        try:
            return _HEADER.pack(
                self.version, self.prev_hash, self.merkle_root, self.time, self.bits, self.nonce
            )
        except struct.error as exc:
            raise ValueError(f"header field out of range: {exc}") from None

    @classmethod
    def parse(cls, data: bytes) -> "BlockHeader":
        """Parse exactly 80 bytes; ValueError for any other length."""
        if len(data) != HEADER_SIZE:
            raise ValueError(f"block header must be {HEADER_SIZE} bytes, got {len(data)}")
        version, prev_hash, merkle_root, time, bits, nonce = _HEADER.unpack(data)
        return cls(version, prev_hash, merkle_root, time, bits, nonce)

    def hash(self) -> bytes:
        """Return sha256d of the serialized header, in internal order."""
        return sha256d(self.serialize())

    def hash_hex(self) -> str:
        """Return the block hash as display hex (what RPC and explorers print)."""
        return sha256d(self.serialize())[::-1].hex()
