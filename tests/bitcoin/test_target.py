"""nBits, targets and difficulty (stratum reference §2.3, §8.3, §8.4, §8.6, §8.8)."""

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.bitcoin.target import (
    DIFF1,
    MAX_TARGET,
    bits_to_difficulty,
    bits_to_target,
    difficulty_to_target,
    hash_difficulty,
    hash_to_int,
    target_to_bits,
    target_to_difficulty,
)


def test_diff1() -> None:
    assert DIFF1 == 26959535291011309493156476344723991336010898738574164086137773096960
    assert f"{DIFF1:064x}" == "00000000ffff" + "0" * 52


# Stratum reference §2.3: nbits → target (64 hex digits) → bdiff.
NBITS_TABLE = [
    (0x1D00FFFF, "00000000ffff" + "0" * 52, 1.0),
    (0x207FFFFF, "7fffff" + "0" * 58, 4.6565423739069247e-10),
    (0x1A44B9F2, "00000000000044b9f2" + "0" * 46, 244112.48777433642),
    (0x1705AE3A, "00000000000000000005ae3a" + "0" * 40, 49549703178592.68),
]


@pytest.mark.parametrize(("bits", "target_hex", "difficulty"), NBITS_TABLE)
def test_nbits_table(bits: int, target_hex: str, difficulty: float) -> None:
    target = bits_to_target(bits)
    assert f"{target:064x}" == target_hex
    assert target_to_bits(target) == bits
    assert bits_to_difficulty(bits) == difficulty
    assert target_to_difficulty(target) == difficulty


def test_regtest_difficulty_as_core_prints_it() -> None:
    # Core's GetDifficulty divides in floating point step by step and lands one ulp away from
    # the correctly rounded DIFF1 / target; §8.8 quotes Core's figure.
    assert bits_to_difficulty(0x207FFFFF) == pytest.approx(4.656542373906925e-10, rel=1e-15)


# Bitcoin Core's arith_uint256 SetCompact/GetCompact cases: (nbits, target, canonical nbits).
CORE_COMPACT_CASES = [
    (0x00000000, 0, 0),
    (0x00123456, 0, 0),
    (0x01003456, 0, 0),
    (0x02000056, 0, 0),
    (0x03000000, 0, 0),
    (0x04000000, 0, 0),
    (0x00923456, 0, 0),
    (0x01803456, 0, 0),
    (0x02800056, 0, 0),
    (0x03800000, 0, 0),
    (0x04800000, 0, 0),
    (0x01123456, 0x12, 0x01120000),
    (0x02123456, 0x1234, 0x02123400),
    (0x03123456, 0x123456, 0x03123456),
    (0x04123456, 0x12345600, 0x04123456),
    (0x05009234, 0x92340000, 0x05009234),
    (0x20123456, 0x123456 << 232, 0x20123456),
]


@pytest.mark.parametrize(("bits", "target", "canonical"), CORE_COMPACT_CASES)
def test_core_compact_cases(bits: int, target: int, canonical: int) -> None:
    assert bits_to_target(bits) == target
    assert target_to_bits(target) == canonical


def test_target_to_bits_moves_a_set_top_bit_into_the_exponent() -> None:
    assert target_to_bits(0x80) == 0x02008000
    assert target_to_bits(0x800000) == 0x04008000


@pytest.mark.parametrize(
    ("bits", "reason"),
    [
        (0x01FEDCBA, "negative"),
        (0x04923456, "negative"),
        (0xFF123456, "overflows"),
        (0x23000100, "overflows"),
        (0x22010000, "overflows"),
        (0x2200FFFF, "overflows"),
        (0x21010000, "overflows"),
        (0x23000001, "overflows"),
        (-1, "32-bit"),
        (2**32, "32-bit"),
        (True, "32-bit"),
    ],
)
def test_bits_to_target_rejects(bits: int, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        bits_to_target(bits)


def test_largest_exponents_that_still_fit() -> None:
    assert bits_to_target(0x220000FF) == 0xFF << 248
    assert bits_to_target(0x2100FFFF) == 0xFFFF << 240
    assert bits_to_target(0x207FFFFF) == 0x7FFFFF << 232


@pytest.mark.parametrize("target", [-1, 2**256, True])
def test_target_to_bits_rejects(target: int) -> None:
    with pytest.raises(ValueError):
        target_to_bits(target)


@st.composite
def canonical_bits(draw: st.DrawFn) -> int:
    # GetCompact's output: no sign bit, and a mantissa that does not start with a zero byte
    # unless the next byte has its top bit set.
    exponent = draw(st.integers(min_value=3, max_value=32))
    mantissa = draw(st.integers(min_value=0x8000, max_value=0x7FFFFF))
    return (exponent << 24) | mantissa


@given(canonical_bits())
def test_canonical_bits_round_trip(bits: int) -> None:
    assert target_to_bits(bits_to_target(bits)) == bits


@given(st.integers(min_value=0, max_value=MAX_TARGET))
def test_compact_form_truncates_to_three_bytes(target: int) -> None:
    bits = target_to_bits(target)
    truncated = bits_to_target(bits)
    assert truncated <= target
    assert target - truncated < 1 << max(0, target.bit_length() - 16)
    assert target_to_bits(truncated) == bits


@pytest.mark.parametrize(
    ("difficulty", "target"),
    [
        (1, DIFF1),
        (1.0, DIFF1),
        (2, DIFF1 // 2),
        (Fraction(1, 3), DIFF1 * 3),
        (Decimal("0.5"), DIFF1 * 2),
        (512, DIFF1 // 512),
        (3, DIFF1 // 3),
        (1e-80, MAX_TARGET),
        (Fraction(1, 2**100), MAX_TARGET),
    ],
)
def test_difficulty_to_target(difficulty: float | Fraction, target: int) -> None:
    assert difficulty_to_target(difficulty) == target


@pytest.mark.parametrize(
    "difficulty",
    [
        True,
        False,
        math.nan,
        math.inf,
        -math.inf,
        0,
        0.0,
        -0.0,
        -1,
        Fraction(-1, 2),
        Decimal("NaN"),
        Decimal("Infinity"),
        Decimal("-1"),
        Decimal(0),
        "1",
        None,
        1j,
    ],
)
def test_difficulty_to_target_rejects(difficulty: object) -> None:
    with pytest.raises(ValueError):
        difficulty_to_target(difficulty)  # type: ignore[arg-type]


@given(
    st.one_of(
        st.floats(min_value=1e-12, max_value=1e15, allow_nan=False, allow_infinity=False),
        st.fractions(min_value=Fraction(1, 10**6), max_value=10**12).filter(lambda f: f > 0),
        st.integers(min_value=1, max_value=2**64),
    )
)
def test_difficulty_to_target_is_the_exact_floor(difficulty: float | Fraction | int) -> None:
    target = difficulty_to_target(difficulty)
    exact = Fraction(difficulty)
    if target == MAX_TARGET:
        # Capped: the exact quotient is at least 2**256 - 1.
        assert MAX_TARGET * exact <= DIFF1
    else:
        # floor(DIFF1 / d): target * d <= DIFF1 < (target + 1) * d, in exact arithmetic.
        assert target * exact <= DIFF1 < (target + 1) * exact


def test_hash_to_int_is_little_endian() -> None:
    assert hash_to_int(b"\x01" + bytes(31)) == 1
    assert hash_to_int(bytes(31) + b"\x01") == 1 << 248


# Stratum reference §8.3, §8.4 and §8.6: header hashes (display) and the share difficulty each
# meets, as the reference pools compute it.
SHARE_DIFFICULTIES = [
    ("00000000005fe144efbc66241c0094b8fdc2702b7729226fdfed70ca8094c0b5", 683.5109367312982),
    ("000000000e30101020e2ec8c9302a9ee56b2b2bef354b63489a0801f5789ed19", 18.043465815769544),
    ("000000000061d52983863e5c424c00d9e0981874fddf6a8493433e73928a3e4e", 669.8682919563083),
    ("24f81c5fe7889f8817fa96d7dd4b3a033cc90aa97449b9ffb6df920a5f295c7f", 1.6122545997632697e-09),
]


@pytest.mark.parametrize(("display", "difficulty"), SHARE_DIFFICULTIES)
def test_hash_difficulty(display: str, difficulty: float) -> None:
    h = bytes.fromhex(display)[::-1]
    assert hash_difficulty(h) == difficulty


def test_the_regtest_share_meets_the_regtest_target() -> None:
    h = bytes.fromhex(SHARE_DIFFICULTIES[3][0])[::-1]
    assert hash_to_int(h) <= bits_to_target(0x207FFFFF)
    assert hash_to_int(h) > difficulty_to_target(1)


def test_hash_difficulty_of_zero_hash_is_infinite() -> None:
    assert hash_difficulty(bytes(32)) == math.inf


@pytest.mark.parametrize("target", [0, -1])
def test_target_to_difficulty_rejects_non_positive(target: int) -> None:
    with pytest.raises(ValueError):
        target_to_difficulty(target)
