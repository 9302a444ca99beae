"""RIPEMD-160 in pure Python, used only when the platform's hashlib lacks it.

OpenSSL 3 moved RIPEMD-160 to its "legacy" provider, so ``hashlib.new("ripemd160")`` raises on
some distributions. HASH160 (addresses, P2PKH scripts) needs it, and it is never on the share
path, so a slow but dependency-free fallback is the right trade.
"""

import struct

_MASK = 0xFFFFFFFF

# Message word order and rotation amounts for the left and right lines, five rounds of 16 steps.
_R_LEFT = (
    *range(16),
    *(7, 4, 13, 1, 10, 6, 15, 3, 12, 0, 9, 5, 2, 14, 11, 8),
    *(3, 10, 14, 4, 9, 15, 8, 1, 2, 7, 0, 6, 13, 11, 5, 12),
    *(1, 9, 11, 10, 0, 8, 12, 4, 13, 3, 7, 15, 14, 5, 6, 2),
    *(4, 0, 5, 9, 7, 12, 2, 10, 14, 1, 3, 8, 11, 6, 15, 13),
)
_R_RIGHT = (
    *(5, 14, 7, 0, 9, 2, 11, 4, 13, 6, 15, 8, 1, 10, 3, 12),
    *(6, 11, 3, 7, 0, 13, 5, 10, 14, 15, 8, 12, 4, 9, 1, 2),
    *(15, 5, 1, 3, 7, 14, 6, 9, 11, 8, 12, 2, 10, 0, 4, 13),
    *(8, 6, 4, 1, 3, 11, 15, 0, 5, 12, 2, 13, 9, 7, 10, 14),
    *(12, 15, 10, 4, 1, 5, 8, 7, 6, 2, 13, 14, 0, 3, 9, 11),
)
_S_LEFT = (
    *(11, 14, 15, 12, 5, 8, 7, 9, 11, 13, 14, 15, 6, 7, 9, 8),
    *(7, 6, 8, 13, 11, 9, 7, 15, 7, 12, 15, 9, 11, 7, 13, 12),
    *(11, 13, 6, 7, 14, 9, 13, 15, 14, 8, 13, 6, 5, 12, 7, 5),
    *(11, 12, 14, 15, 14, 15, 9, 8, 9, 14, 5, 6, 8, 6, 5, 12),
    *(9, 15, 5, 11, 6, 8, 13, 12, 5, 12, 13, 14, 11, 8, 5, 6),
)
_S_RIGHT = (
    *(8, 9, 9, 11, 13, 15, 15, 5, 7, 7, 8, 11, 14, 14, 12, 6),
    *(9, 13, 15, 7, 12, 8, 9, 11, 7, 7, 12, 7, 6, 15, 13, 11),
    *(9, 7, 15, 11, 8, 6, 6, 14, 12, 13, 5, 14, 13, 13, 7, 5),
    *(15, 5, 8, 11, 14, 14, 6, 14, 6, 9, 12, 9, 12, 5, 15, 8),
    *(8, 5, 12, 9, 12, 5, 14, 6, 8, 13, 6, 5, 15, 13, 11, 11),
)
_K_LEFT = (0x00000000, 0x5A827999, 0x6ED9EBA1, 0x8F1BBCDC, 0xA953FD4E)
_K_RIGHT = (0x50A28BE6, 0x5C4DD124, 0x6D703EF3, 0x7A6D76E9, 0x00000000)
_INITIAL = (0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0)


def _rotl(x: int, n: int) -> int:
    return ((x << n) | (x >> (32 - n))) & _MASK


def _f(round_: int, x: int, y: int, z: int) -> int:
    if round_ == 0:
        return x ^ y ^ z
    if round_ == 1:
        return (x & y) | (~x & z)
    if round_ == 2:
        return (x | ~y) ^ z
    if round_ == 3:
        return (x & z) | (y & ~z)
    return x ^ (y | ~z)


def _compress(state: tuple[int, ...], block: bytes) -> tuple[int, ...]:
    words = struct.unpack("<16I", block)
    al, bl, cl, dl, el = state
    ar, br, cr, dr, er = state
    for j in range(80):
        round_ = j >> 4
        t = (al + _f(round_, bl, cl, dl) + words[_R_LEFT[j]] + _K_LEFT[round_]) & _MASK
        t = (_rotl(t, _S_LEFT[j]) + el) & _MASK
        al, el, dl, cl, bl = el, dl, _rotl(cl, 10), bl, t
        # The right line runs the boolean functions in reverse round order.
        t = (ar + _f(4 - round_, br, cr, dr) + words[_R_RIGHT[j]] + _K_RIGHT[round_]) & _MASK
        t = (_rotl(t, _S_RIGHT[j]) + er) & _MASK
        ar, er, dr, cr, br = er, dr, _rotl(cr, 10), br, t
    h0, h1, h2, h3, h4 = state
    return (
        (h1 + cl + dr) & _MASK,
        (h2 + dl + er) & _MASK,
        (h3 + el + ar) & _MASK,
        (h4 + al + br) & _MASK,
        (h0 + bl + cr) & _MASK,
    )


def ripemd160(data: bytes) -> bytes:
    """Return the 20-byte RIPEMD-160 digest of ``data``."""
    length_bits = (len(data) * 8) & 0xFFFFFFFFFFFFFFFF
    # MD4-style padding: 0x80, zeros to 56 mod 64, then the bit length little-endian.
    padded = bytes(data) + b"\x80" + b"\x00" * ((55 - len(data)) % 64)
    padded += struct.pack("<Q", length_bits)
    state: tuple[int, ...] = _INITIAL
    for offset in range(0, len(padded), 64):
        state = _compress(state, padded[offset : offset + 64])
    return struct.pack("<5I", *state)
