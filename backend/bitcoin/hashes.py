"""Hash functions and the display/internal byte-order conversions.

``sha256d`` runs once per share, so it goes straight to hashlib with no intermediate copies.
"""

import hashlib
from collections.abc import Callable

from backend.bitcoin.ripemd160 import ripemd160 as _pure_ripemd160

_sha256 = hashlib.sha256
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")

HASH_HEX_LENGTH = 64
"""Characters in the display hex of a 32-byte hash; ``from_display`` accepts exactly this many."""


def _pick_ripemd160() -> Callable[[bytes], bytes]:
    # OpenSSL 3 without the legacy provider refuses RIPEMD-160; fall back to the pure version.
    try:
        hashlib.new("ripemd160", b"")
    except ValueError:
        return _pure_ripemd160

    def openssl_ripemd160(data: bytes) -> bytes:
        return hashlib.new("ripemd160", data).digest()

    return openssl_ripemd160


_ripemd160 = _pick_ripemd160()


def sha256(data: bytes) -> bytes:
    """Return the single SHA-256 digest of ``data``."""
    return _sha256(data).digest()


def sha256d(data: bytes) -> bytes:
    """Return SHA-256 applied twice (block hashes, txids, merkle nodes), in internal order."""
    return _sha256(_sha256(data).digest()).digest()


def hash160(data: bytes) -> bytes:
    """Return RIPEMD-160(SHA-256(data)), the 20-byte hash inside P2PKH and P2WPKH outputs."""
    return _ripemd160(_sha256(data).digest())


def to_display(h: bytes) -> str:
    """Return the display hex (byte-reversed, as RPC and explorers print it) of an internal hash."""
    return h[::-1].hex()


def from_display(text: str) -> bytes:
    """Parse display hex into an internal-order 32-byte hash.

    Strict: exactly 64 hex digits (either case), nothing else, no whitespace or ``0x`` prefix.
    Raises ValueError otherwise.
    """
    if not isinstance(text, str):
        raise ValueError("hash must be a hex string")
    if len(text) != HASH_HEX_LENGTH or not _HEX_DIGITS.issuperset(text):
        raise ValueError(f"hash must be exactly {HASH_HEX_LENGTH} hex digits")
    return bytes.fromhex(text)[::-1]
