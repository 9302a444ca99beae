"""Bech32 (BIP 173) and Bech32m (BIP 350) strings and the segwit address format on top of them.

This module applies the BIPs' format rules only. Which networks and witness versions the pool
accepts as a payout is policy, and lives in ``backend.bitcoin.address``.
"""

from collections.abc import Sequence
from enum import Enum

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
"""The 32 data symbols; value ``i`` is ``CHARSET[i]``."""

MAX_LENGTH = 90
"""Longest valid Bech32/Bech32m string, separator and checksum included (BIP 173)."""

MAX_HRP_LENGTH = 83
"""Longest human-readable part (BIP 173): 90 minus the separator and the 6 checksum symbols."""

CHECKSUM_LENGTH = 6
"""Checksum symbols at the end of the data part."""

MIN_PROGRAM_LENGTH = 2
"""Shortest witness program in bytes (BIP 141)."""

MAX_PROGRAM_LENGTH = 40
"""Longest witness program in bytes (BIP 141)."""

V0_PROGRAM_LENGTHS = (20, 32)
"""The only witness v0 program sizes: P2WPKH and P2WSH (BIP 141)."""

MAX_WITNESS_VERSION = 16

_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
_VALUES = {symbol: value for value, symbol in enumerate(CHARSET)}


class Bech32Variant(Enum):
    """Which checksum a string carries; the value is the constant the polymod must equal."""

    BECH32 = 1
    BECH32M = 0x2BC830A3


def _polymod(values: Sequence[int]) -> int:
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = ((checksum & 0x1FFFFFF) << 5) ^ value
        for i in range(5):
            if (top >> i) & 1:
                checksum ^= _GENERATOR[i]
    return checksum


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _check_hrp(hrp: str) -> None:
    if not hrp:
        raise ValueError("empty human-readable part")
    if len(hrp) > MAX_HRP_LENGTH:
        raise ValueError(f"human-readable part is longer than {MAX_HRP_LENGTH} characters")
    if any(not 33 <= ord(c) <= 126 for c in hrp):
        raise ValueError("invalid character in human-readable part")


def bech32_encode(hrp: str, data: Sequence[int], variant: Bech32Variant) -> str:
    """Encode 5-bit ``data`` under a lower-case ``hrp`` with the given checksum variant.

    ValueError for an invalid or upper-case HRP, values outside 0..31, or a result over 90 chars.
    """
    _check_hrp(hrp)
    if hrp != hrp.lower():
        raise ValueError("human-readable part must be lower case")
    if any(not 0 <= v < 32 for v in data):
        raise ValueError("data values must be 5-bit")
    polymod = _polymod([*_hrp_expand(hrp), *data, 0, 0, 0, 0, 0, 0]) ^ variant.value
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(CHECKSUM_LENGTH)]
    text = hrp + "1" + "".join(CHARSET[v] for v in [*data, *checksum])
    if len(text) > MAX_LENGTH:
        raise ValueError(f"bech32 string would exceed {MAX_LENGTH} characters")
    return text


def bech32_decode(text: str) -> tuple[str, list[int], Bech32Variant]:
    """Decode a Bech32 or Bech32m string into (lower-case HRP, 5-bit data, variant).

    The checksum is dropped from the data. ValueError (with a short reason) for anything BIP 173/350
    reject: over 90 characters, characters outside ASCII 33..126, mixed case, no separator, empty
    HRP, fewer than 6 data symbols, symbols outside the charset, or a checksum matching neither
    constant.
    """
    if len(text) > MAX_LENGTH:
        raise ValueError(f"bech32 address is longer than {MAX_LENGTH} characters")
    if any(not 33 <= ord(c) <= 126 for c in text):
        raise ValueError("address contains an invalid character")
    lower = text.lower()
    if lower != text and text.upper() != text:
        raise ValueError("address mixes upper and lower case")
    separator = lower.rfind("1")
    if separator < 0:
        raise ValueError("missing bech32 separator '1'")
    hrp = lower[:separator]
    _check_hrp(hrp)
    symbols = lower[separator + 1 :]
    if len(symbols) < CHECKSUM_LENGTH:
        raise ValueError("bech32 checksum too short")
    data: list[int] = []
    for symbol in symbols:
        value = _VALUES.get(symbol)
        if value is None:
            raise ValueError(f"invalid bech32 character {symbol!r}")
        data.append(value)
    constant = _polymod([*_hrp_expand(hrp), *data])
    for variant in Bech32Variant:
        if constant == variant.value:
            return hrp, data[:-CHECKSUM_LENGTH], variant
    raise ValueError("bad checksum")


def convert_bits(data: Sequence[int], from_bits: int, to_bits: int, pad: bool) -> list[int]:
    """Regroup ``from_bits``-wide values into ``to_bits``-wide ones, big-endian bit order.

    With ``pad`` the last group is zero-filled. Without it (decoding), ValueError when the
    leftover bits are a whole input group or more, or are not all zero (BIP 173).
    """
    accumulator = 0
    bits = 0
    out: list[int] = []
    max_out = (1 << to_bits) - 1
    keep = (1 << (from_bits + to_bits - 1)) - 1
    for value in data:
        if value < 0 or value >> from_bits:
            raise ValueError(f"value does not fit in {from_bits} bits")
        accumulator = ((accumulator << from_bits) | value) & keep
        bits += from_bits
        while bits >= to_bits:
            bits -= to_bits
            out.append((accumulator >> bits) & max_out)
    if pad:
        if bits:
            out.append((accumulator << (to_bits - bits)) & max_out)
    elif bits >= from_bits:
        raise ValueError(f"more than {from_bits - 1} padding bits")
    elif (accumulator << (to_bits - bits)) & max_out:
        raise ValueError("non-zero padding bits")
    return out


def _check_program(version: int, program: bytes) -> None:
    if not 0 <= version <= MAX_WITNESS_VERSION:
        raise ValueError(f"witness version must be 0 to {MAX_WITNESS_VERSION}")
    if not MIN_PROGRAM_LENGTH <= len(program) <= MAX_PROGRAM_LENGTH:
        raise ValueError(
            f"witness program must be {MIN_PROGRAM_LENGTH} to {MAX_PROGRAM_LENGTH} bytes"
        )
    if version == 0 and len(program) not in V0_PROGRAM_LENGTHS:
        raise ValueError("witness v0 program must be 20 or 32 bytes")


def segwit_encode(hrp: str, version: int, program: bytes) -> str:
    """Encode a witness program as a segwit address: Bech32 for v0, Bech32m for v1..v16.

    ValueError for a version outside 0..16 or a program length BIP 141 forbids.
    """
    _check_program(version, program)
    variant = Bech32Variant.BECH32 if version == 0 else Bech32Variant.BECH32M
    return bech32_encode(hrp, [version, *convert_bits(program, 8, 5, pad=True)], variant)


def segwit_decode(text: str) -> tuple[str, int, bytes]:
    """Decode a segwit address into (lower-case HRP, witness version, program).

    Applies every BIP 173/350 rule, the HRP aside (the caller checks it against its network):
    version 0..16, Bech32 for v0 and Bech32m otherwise, at most 4 zero padding bits, a 2..40-byte
    program, and 20 or 32 bytes for v0. ValueError with a short reason otherwise.
    """
    hrp, data, variant = bech32_decode(text)
    if not data:
        raise ValueError("empty data section")
    version = data[0]
    if version > MAX_WITNESS_VERSION:
        raise ValueError(f"witness version must be 0 to {MAX_WITNESS_VERSION}")
    if version == 0 and variant is not Bech32Variant.BECH32:
        raise ValueError("witness v0 address must use a Bech32 checksum, not Bech32m")
    if version != 0 and variant is not Bech32Variant.BECH32M:
        raise ValueError(f"witness v{version} address must use a Bech32m checksum, not Bech32")
    program = bytes(convert_bits(data[1:], 5, 8, pad=False))
    _check_program(version, program)
    return hrp, version, program
