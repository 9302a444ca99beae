"""nBits, targets and difficulty (stratum reference §2.3).

Targets are ints and every comparison is an integer one; floats are only for display.
"""

import math
from decimal import Decimal
from fractions import Fraction
from numbers import Rational

DIFF1: int = 0xFFFF << 208
"""The difficulty-1 target ("bdiff"): the target of nBits ``1d00ffff`` (stratum ref §0, §2.3)."""

MAX_TARGET = (1 << 256) - 1
"""Largest 256-bit target; ``difficulty_to_target`` caps at this."""

_SIGN_BIT = 0x00800000
_MANTISSA_MASK = 0x007FFFFF


def bits_to_target(bits: int) -> int:
    """Expand compact nBits into a target, as Core's ``arith_uint256::SetCompact``.

    A mantissa that is (or shifts down to) zero gives target 0. ValueError when ``bits`` is not
    a u32, when the sign bit is set on a non-zero value (negative target), or when the target
    would not fit in 256 bits.
    """
    if isinstance(bits, bool) or not 0 <= bits <= 0xFFFFFFFF:
        raise ValueError(f"nBits must be a 32-bit unsigned integer: {bits!r}")
    size = bits >> 24
    mantissa = bits & _MANTISSA_MASK
    # The exponent counts bytes: shift the 3-byte mantissa right or left to its place.
    target = mantissa >> 8 * (3 - size) if size <= 3 else mantissa << 8 * (size - 3)
    # Core flags sign and overflow only when the shifted value is non-zero: 0x01803456 is 0.
    if target == 0:
        return 0
    if bits & _SIGN_BIT:
        raise ValueError(f"nBits {bits:08x} encodes a negative target")
    if target >> 256:
        raise ValueError(f"nBits {bits:08x} overflows 256 bits")
    return target


def target_to_bits(target: int) -> int:
    """Compress a target into nBits, as Core's ``arith_uint256::GetCompact``.

    Keeps the top 3 significant bytes (truncating the rest) and never sets the sign bit.
    ValueError for a negative target or one of 2**256 or more.
    """
    if isinstance(target, bool) or not 0 <= target <= MAX_TARGET:
        raise ValueError("target must be an integer in 0 .. 2**256-1")
    size = (target.bit_length() + 7) // 8
    mantissa = target << 8 * (3 - size) if size <= 3 else target >> 8 * (size - 3)
    # A set top bit would read back as a sign: move one byte into the exponent instead.
    if mantissa & _SIGN_BIT:
        mantissa >>= 8
        size += 1
    return (size << 24) | mantissa


def target_to_difficulty(target: int) -> float:
    """Return DIFF1 / target (bdiff), correctly rounded. ValueError for target <= 0."""
    if target <= 0:
        raise ValueError("target must be positive")
    return DIFF1 / target


def bits_to_difficulty(bits: int) -> float:
    """Return the bdiff of nBits (``1d00ffff`` is 1.0; regtest's ``207fffff`` is 4.66e-10)."""
    return target_to_difficulty(bits_to_target(bits))


def difficulty_to_target(difficulty: float | Fraction) -> int:
    """Return floor(DIFF1 / difficulty), computed exactly, capped at 2**256 - 1.

    Accepts int, float, Fraction (any Rational) and Decimal; a float is taken at its exact binary
    value. ValueError for bool, NaN, infinities, zero, negatives and non-numbers.
    """
    if isinstance(difficulty, bool):
        raise ValueError("difficulty must be a number, not a bool")
    if isinstance(difficulty, Rational):
        numerator, denominator = difficulty.numerator, difficulty.denominator
    elif isinstance(difficulty, float):
        if not math.isfinite(difficulty):
            raise ValueError(f"difficulty must be finite: {difficulty!r}")
        numerator, denominator = difficulty.as_integer_ratio()
    elif isinstance(difficulty, Decimal):
        if not difficulty.is_finite():
            raise ValueError(f"difficulty must be finite: {difficulty!r}")
        numerator, denominator = difficulty.as_integer_ratio()
    else:
        raise ValueError(f"difficulty must be a number: {difficulty!r}")
    if numerator <= 0:
        raise ValueError(f"difficulty must be positive: {difficulty!r}")
    return min(DIFF1 * denominator // numerator, MAX_TARGET)


def hash_to_int(h: bytes) -> int:
    """Read a 32-byte hash (internal order) as the little-endian integer compared to targets."""
    return int.from_bytes(h, "little")


def hash_difficulty(h: bytes) -> float:
    """Return the difficulty a hash meets, DIFF1 / H (``inf`` for the all-zero hash)."""
    value = int.from_bytes(h, "little")
    if value == 0:
        return math.inf
    return DIFF1 / value
