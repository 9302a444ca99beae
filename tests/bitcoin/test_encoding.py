"""CompactSize varints, script pushes, CScriptNum and the BIP34 height prefix."""

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.bitcoin.encoding import (
    MAX_BIP34_HEIGHT,
    bip34_height_script,
    push_data,
    read_varint,
    script_number,
    u32le,
    u64le,
    varint,
)

VARINTS = [
    (0, "00"),
    (0xFC, "fc"),
    (0xFD, "fdfd00"),
    (0xFFFF, "fdffff"),
    (0x10000, "fe00000100"),
    (0xFFFFFFFF, "feffffffff"),
    (0x100000000, "ff0000000001000000"),
    (2**64 - 1, "ffffffffffffffffff"),
]


@pytest.mark.parametrize(("value", "encoded"), VARINTS)
def test_varint_boundaries(value: int, encoded: str) -> None:
    assert varint(value).hex() == encoded
    assert read_varint(bytes.fromhex(encoded), 0) == (value, len(encoded) // 2)


@pytest.mark.parametrize("value", [-1, 2**64])
def test_varint_out_of_range(value: int) -> None:
    with pytest.raises(ValueError):
        varint(value)


def test_read_varint_at_an_offset() -> None:
    buf = bytes.fromhex("aabb" + "fd3412" + "cc")
    assert read_varint(buf, 2) == (0x1234, 5)


@pytest.mark.parametrize(
    "encoded",
    [
        "fdfc00",  # 0xfc fits in one byte
        "fd0000",
        "feffff0000",  # 0xffff fits in the fd form
        "ffffffffff00000000",  # 0xffffffff fits in the fe form
    ],
)
def test_read_varint_rejects_non_canonical(encoded: str) -> None:
    with pytest.raises(ValueError, match="non-canonical"):
        read_varint(bytes.fromhex(encoded), 0)


@pytest.mark.parametrize("encoded", ["", "fd", "fd00", "fe000001", "ff00000000000001"])
def test_read_varint_rejects_truncation(encoded: str) -> None:
    with pytest.raises(ValueError, match="truncated"):
        read_varint(bytes.fromhex(encoded), 0)


@pytest.mark.parametrize("pos", [-1, 3, 10])
def test_read_varint_rejects_positions_outside_the_buffer(pos: int) -> None:
    with pytest.raises(ValueError, match="truncated"):
        read_varint(b"\x01\x02\x03", pos)


@given(st.integers(min_value=0, max_value=2**64 - 1), st.binary(max_size=4), st.binary(max_size=4))
def test_varint_round_trip(value: int, prefix: bytes, suffix: bytes) -> None:
    encoded = varint(value)
    assert read_varint(prefix + encoded + suffix, len(prefix)) == (
        value,
        len(prefix) + len(encoded),
    )


@given(st.binary(min_size=1, max_size=10))
def test_read_varint_accepts_only_canonical_encodings(buf: bytes) -> None:
    # Whatever read_varint accepts must be exactly what varint writes: one encoding per value.
    try:
        value, end = read_varint(buf, 0)
    except ValueError:
        return
    assert buf[:end] == varint(value)


@pytest.mark.parametrize(
    ("length", "prefix"),
    [
        (0, "00"),
        (1, "01"),
        (75, "4b"),
        (76, "4c4c"),
        (255, "4cff"),
        (256, "4d0001"),
        (65535, "4dffff"),
        (65536, "4e00000100"),
    ],
)
def test_push_data_opcodes(length: int, prefix: str) -> None:
    data = bytes(range(256)) * (length // 256) + bytes(range(length % 256))
    assert push_data(data) == bytes.fromhex(prefix) + data


def test_push_data_never_uses_small_integer_opcodes() -> None:
    # Core's CScript << vector writes a length byte even for one-byte values 1..16.
    assert push_data(b"\x05") == b"\x01\x05"


@pytest.mark.parametrize(
    ("number", "encoded"),
    [
        (0, ""),
        (1, "01"),
        (-1, "81"),
        (16, "10"),
        (127, "7f"),
        (-127, "ff"),
        (128, "8000"),
        (-128, "8080"),
        (255, "ff00"),
        (256, "0001"),
        (-256, "0081"),
        (32767, "ff7f"),
        (32768, "008000"),
        (-32768, "008080"),
        (840000, "40d10c"),
        (2**31 - 1, "ffffff7f"),
        (-(2**31), "0000008080"),
    ],
)
def test_script_number(number: int, encoded: str) -> None:
    assert script_number(number).hex() == encoded


# Stratum reference §3.2: what Core's ``CScript() << height`` writes, plus OP_0 for height 0.
BIP34_TABLE = [
    (0, "00"),
    (1, "51"),
    (16, "60"),
    (17, "0111"),
    (127, "017f"),
    (128, "028000"),
    (255, "02ff00"),
    (256, "020001"),
    (32768, "03008000"),
    (840000, "0340d10c"),
    (8388608, "0400008000"),
    (MAX_BIP34_HEIGHT, "04ffffff7f"),
]


@pytest.mark.parametrize(("height", "prefix"), BIP34_TABLE)
def test_bip34_height_script(height: int, prefix: str) -> None:
    assert bip34_height_script(height).hex() == prefix


@pytest.mark.parametrize("height", range(1, 17))
def test_bip34_small_heights_are_single_opcodes(height: int) -> None:
    assert bip34_height_script(height) == bytes((0x50 + height,))


@pytest.mark.parametrize("height", [-1, MAX_BIP34_HEIGHT + 1, True])
def test_bip34_height_out_of_range(height: int) -> None:
    with pytest.raises(ValueError):
        bip34_height_script(height)


def test_fixed_width_integers() -> None:
    assert u32le(0x20000000).hex() == "00000020"
    assert u32le(0xFFFFFFFF).hex() == "ffffffff"
    assert u64le(5_000_000_000).hex() == "00f2052a01000000"
    assert u64le(2**64 - 1).hex() == "ff" * 8


@pytest.mark.parametrize(
    ("function", "value"), [(u32le, -1), (u32le, 2**32), (u64le, -1), (u64le, 2**64)]
)
def test_fixed_width_integers_out_of_range(function: Callable[[int], bytes], value: int) -> None:
    with pytest.raises(ValueError):
        function(value)
