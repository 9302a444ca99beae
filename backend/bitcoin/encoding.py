"""Bitcoin's wire integers and script pushes: CompactSize varints, pushes, CScriptNum, BIP34."""

import struct

MAX_VARINT = 0xFFFFFFFFFFFFFFFF
"""Largest value a CompactSize can carry (the ``ff`` form holds 8 bytes; stratum ref §3.6)."""

MAX_BIP34_HEIGHT = 0x7FFFFFFF
"""Largest height ``bip34_height_script`` accepts: Core keeps heights in a signed 32-bit int."""

_OP_PUSHDATA1 = 0x4C
_OP_PUSHDATA2 = 0x4D
_OP_PUSHDATA4 = 0x4E
_OP_1 = 0x51

_unpack_u16 = struct.Struct("<H").unpack_from
_unpack_u32 = struct.Struct("<I").unpack_from
_unpack_u64 = struct.Struct("<Q").unpack_from


def varint(n: int) -> bytes:
    """Serialize ``n`` as a CompactSize (1, 3, 5 or 9 bytes). ValueError outside 0..2**64-1."""
    if n < 0 or n > MAX_VARINT:
        raise ValueError(f"varint out of range: {n}")
    if n < 0xFD:
        return bytes((n,))
    if n <= 0xFFFF:
        return b"\xfd" + n.to_bytes(2, "little")
    if n <= 0xFFFFFFFF:
        return b"\xfe" + n.to_bytes(4, "little")
    return b"\xff" + n.to_bytes(8, "little")


def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    """Read a CompactSize at ``buf[pos]``; return ``(value, position after it)``.

    Raises ValueError when the buffer ends early or the encoding is not the shortest one
    (Core rejects non-canonical CompactSize: "non-canonical ReadCompactSize()").
    """
    if pos < 0 or pos >= len(buf):
        raise ValueError("truncated varint")
    first = buf[pos]
    if first < 0xFD:
        return first, pos + 1
    try:
        if first == 0xFD:
            (value,) = _unpack_u16(buf, pos + 1)
            minimum, end = 0xFD, pos + 3
        elif first == 0xFE:
            (value,) = _unpack_u32(buf, pos + 1)
            minimum, end = 0x10000, pos + 5
        else:
            (value,) = _unpack_u64(buf, pos + 1)
            minimum, end = 0x100000000, pos + 9
    except struct.error:
        raise ValueError("truncated varint") from None
    if value < minimum:
        raise ValueError("non-canonical varint")
    return value, end


def push_data(data: bytes) -> bytes:
    """Return the script push of ``data`` as Core's ``CScript() << bytes`` writes it.

    A direct length byte below 0x4c, else OP_PUSHDATA1/2/4. Like Core's serializer (and unlike
    the MINIMALDATA policy rule) a one-byte value is never turned into OP_1..OP_16.
    """
    n = len(data)
    if n < _OP_PUSHDATA1:
        return bytes((n,)) + data
    if n <= 0xFF:
        return bytes((_OP_PUSHDATA1, n)) + data
    if n <= 0xFFFF:
        return bytes((_OP_PUSHDATA2,)) + n.to_bytes(2, "little") + data
    if n <= 0xFFFFFFFF:
        return bytes((_OP_PUSHDATA4,)) + n.to_bytes(4, "little") + data
    raise ValueError("push too large")


def script_number(n: int) -> bytes:
    """Serialize ``n`` as a CScriptNum: minimal little-endian magnitude with a sign bit.

    0 is the empty string; a ``00``/``80`` byte is appended when the magnitude's top bit is set.
    """
    if n == 0:
        return b""
    magnitude = -n if n < 0 else n
    out = bytearray(magnitude.to_bytes((magnitude.bit_length() + 7) // 8, "little"))
    if out[-1] & 0x80:
        out.append(0x80 if n < 0 else 0x00)
    elif n < 0:
        out[-1] |= 0x80
    return bytes(out)


def bip34_height_script(height: int) -> bytes:
    """Return what Core's ``CScript() << height`` serializes to, the required coinbase prefix.

    0 is OP_0 (``00``), 1..16 are OP_1..OP_16 (``51``..``60``), anything else a push of the
    CScriptNum (stratum reference §3.2). ValueError for negative or > MAX_BIP34_HEIGHT.
    """
    if isinstance(height, bool) or height < 0 or height > MAX_BIP34_HEIGHT:
        raise ValueError(f"block height out of range: {height!r}")
    if height == 0:
        return b"\x00"
    if height <= 16:
        return bytes((_OP_1 - 1 + height,))
    return push_data(script_number(height))


def u32le(n: int) -> bytes:
    """Serialize ``n`` as 4 bytes little-endian. ValueError outside 0..2**32-1."""
    try:
        return n.to_bytes(4, "little")
    except OverflowError:
        raise ValueError(f"u32 out of range: {n}") from None


def u64le(n: int) -> bytes:
    """Serialize ``n`` as 8 bytes little-endian. ValueError outside 0..2**64-1."""
    try:
        return n.to_bytes(8, "little")
    except OverflowError:
        raise ValueError(f"u64 out of range: {n}") from None
