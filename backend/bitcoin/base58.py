"""Base58 and Base58Check: the encoding of legacy P2PKH and P2SH addresses (stratum ref §6.1)."""

from backend.bitcoin.hashes import sha256d

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
"""The 58 symbols, without ``0``, ``O``, ``I`` and ``l``."""

CHECKSUM_LENGTH = 4
"""Base58Check appends the first 4 bytes of sha256d(payload)."""

_INDEX = {symbol: value for value, symbol in enumerate(ALPHABET)}


def base58_encode(data: bytes) -> str:
    """Encode bytes as Base58; each leading zero byte becomes a leading ``1``."""
    number = int.from_bytes(data, "big")
    digits: list[str] = []
    while number:
        number, remainder = divmod(number, 58)
        digits.append(ALPHABET[remainder])
    zeros = len(data) - len(data.lstrip(b"\x00"))
    return "1" * zeros + "".join(reversed(digits))


def base58_decode(text: str) -> bytes:
    """Decode Base58 text; ValueError on any symbol outside the alphabet.

    Cost grows with the square of the length; callers bound the input first (addresses are short).
    """
    number = 0
    for symbol in text:
        value = _INDEX.get(symbol)
        if value is None:
            raise ValueError("invalid base58 character")
        number = number * 58 + value
    zeros = len(text) - len(text.lstrip("1"))
    return b"\x00" * zeros + number.to_bytes((number.bit_length() + 7) // 8, "big")


def base58check_encode(payload: bytes) -> str:
    """Encode ``payload`` (version byte ‖ data) with its 4-byte sha256d checksum as Base58."""
    return base58_encode(payload + sha256d(payload)[:CHECKSUM_LENGTH])


def base58check_decode(text: str) -> bytes:
    """Decode Base58Check text and return the payload without its checksum.

    ValueError for a bad symbol, fewer than 4 bytes, or a checksum that does not match.
    """
    raw = base58_decode(text)
    if len(raw) < CHECKSUM_LENGTH:
        raise ValueError("base58 data too short for a checksum")
    payload, checksum = raw[:-CHECKSUM_LENGTH], raw[-CHECKSUM_LENGTH:]
    if sha256d(payload)[:CHECKSUM_LENGTH] != checksum:
        raise ValueError("bad checksum")
    return payload
