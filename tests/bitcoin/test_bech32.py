"""Bech32/Bech32m strings and segwit programs: every BIP 173 and BIP 350 test vector."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.bitcoin.bech32 import (
    CHARSET,
    Bech32Variant,
    bech32_decode,
    bech32_encode,
    convert_bits,
    segwit_decode,
    segwit_encode,
)

# BIP 173 "valid Bech32" and BIP 350 "valid Bech32m" strings.
VALID_BECH32 = [
    "A12UEL5L",
    "a12uel5l",
    "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
    "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
    "11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
    "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
    "?1ezyfcl",
]
VALID_BECH32M = [
    "A1LQFN3A",
    "a1lqfn3a",
    "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
    "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
    "11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8",
    "split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
    "?1v759aa",
]

# BIP 173 and BIP 350 invalid strings, each with the reason the BIP gives.
INVALID_STRINGS = [
    ("\x201nwldj5", "HRP character out of range"),
    ("\x7f1axkwrx", "HRP character out of range"),
    ("\x801eym55h", "HRP character out of range"),
    (
        "an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx",
        "overall max length exceeded",
    ),
    ("pzry9x0s0muk", "no separator character"),
    ("1pzry9x0s0muk", "empty HRP"),
    ("x1b4n0q5v", "invalid data character"),
    ("li1dgmt3", "too short checksum"),
    ("de1lg7wt\xff", "invalid character in checksum"),
    ("A1G7SGD8", "checksum calculated with uppercase form of HRP"),
    ("10a06t8", "empty HRP"),
    ("1qzzfhee", "empty HRP"),
    ("\x201xj0phk", "HRP character out of range"),
    ("\x7f1g6xzxy", "HRP character out of range"),
    ("\x801vctc34", "HRP character out of range"),
    (
        "an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4",
        "overall max length exceeded",
    ),
    ("qyrz8wqd2c9m", "no separator character"),
    ("1qyrz8wqd2c9m", "empty HRP"),
    ("y1b0jsk6g", "invalid data character"),
    ("lt1igcx5c0", "invalid data character"),
    ("in1muywd", "too short checksum"),
    ("mm1crxm3i", "invalid character in checksum"),
    ("au1s5cgom", "invalid character in checksum"),
    ("M1VUXWEZ", "checksum calculated with uppercase form of HRP"),
    ("16plkw9", "empty HRP"),
    ("1p2gdwpf", "empty HRP"),
]

# BIP 350 valid segwit addresses (witness versions 0, 1, 2 and 16 are all format-valid).
VALID_SEGWIT = [
    ("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "0014751e76e8199196d454941c45d1b3a323f1433bd6"),
    (
        "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
        "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262",
    ),
    (
        "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
        "5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6",
    ),
    ("BC1SW50QGDZ25J", "6002751e"),
    ("bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "5210751e76e8199196d454941c45d1b3a323"),
    (
        "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
        "0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433",
    ),
    (
        "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
        "5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433",
    ),
    (
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
        "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
    ),
]

# BIP 350 and BIP 173 invalid segwit addresses, except the wrong-HRP ones (an HRP is valid at
# this layer; decode_address checks it against the network, see test_address.py).
INVALID_SEGWIT = [
    ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", "Bech32m"),
    ("tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf", "Bech32m"),
    ("BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL", "Bech32m"),
    ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh", "must use a Bech32 checksum"),
    (
        "tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47",
        "must use a Bech32 checksum",
    ),
    ("bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4", "invalid bech32 character"),
    ("BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R", "witness version"),
    ("bc1pw5dgrnzv", "2 to 40 bytes"),
    (
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",
        "2 to 40 bytes",
    ),
    ("BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", "v0 program must be 20 or 32 bytes"),
    ("tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq", "mixes upper and lower"),
    ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf", "padding bits"),
    ("tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j", "non-zero padding"),
    ("bc1gmk9yu", "empty data section"),
    # BIP 173's list.
    ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", "bad checksum"),
    ("BC13W508D6QEJXTDG4Y5R3ZARVARY0C5XW7KN40WF2", "witness version"),
    ("bc1rw5uspcuh", "Bech32m"),
    (
        "bc10w508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kw5rljs90",
        "Bech32m",
    ),
    ("tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7", "mixes upper and lower"),
    ("bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du", "Bech32m"),
    ("tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3pjxtptv", "non-zero padding"),
    # BIP 173's v1+ examples are Bech32-encoded, so BIP 350 makes them invalid.
    ("bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx", "Bech32m"),
    ("BC1SW50QA3JX3S", "Bech32m"),
    ("bc1zw508d6qejxtdg4y5r3zarvaryvg6kdaj", "Bech32m"),
]


@pytest.mark.parametrize("text", VALID_BECH32)
def test_valid_bech32(text: str) -> None:
    hrp, data, variant = bech32_decode(text)
    assert variant is Bech32Variant.BECH32
    assert bech32_encode(hrp, data, variant) == text.lower()


@pytest.mark.parametrize("text", VALID_BECH32M)
def test_valid_bech32m(text: str) -> None:
    hrp, data, variant = bech32_decode(text)
    assert variant is Bech32Variant.BECH32M
    assert bech32_encode(hrp, data, variant) == text.lower()


@pytest.mark.parametrize(("text", "why"), INVALID_STRINGS)
def test_invalid_strings(text: str, why: str) -> None:
    with pytest.raises(ValueError):
        bech32_decode(text)


def test_invalid_string_reasons() -> None:
    def reason(text: str) -> str:
        with pytest.raises(ValueError) as info:
            bech32_decode(text)
        return str(info.value)

    assert "invalid character" in reason("\x201nwldj5")
    assert "longer than 90" in reason(INVALID_STRINGS[3][0])
    assert "separator" in reason("pzry9x0s0muk")
    assert "empty human-readable part" in reason("1pzry9x0s0muk")
    assert "invalid bech32 character" in reason("x1b4n0q5v")
    assert "checksum too short" in reason("li1dgmt3")
    assert reason("A1G7SGD8") == "bad checksum"


def test_one_substitution_is_always_detected() -> None:
    # BCH codes detect any single substitution; check every position of one valid string.
    text = "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw"
    for i in range(7, len(text)):
        for symbol in CHARSET:
            if symbol != text[i]:
                with pytest.raises(ValueError):
                    bech32_decode(text[:i] + symbol + text[i + 1 :])


@pytest.mark.parametrize(("address", "script"), VALID_SEGWIT)
def test_valid_segwit(address: str, script: str) -> None:
    hrp, version, program = segwit_decode(address)
    opcode = 0 if version == 0 else 0x50 + version
    assert (bytes((opcode, len(program))) + program).hex() == script
    assert segwit_encode(hrp, version, program) == address.lower()


@pytest.mark.parametrize(("address", "reason"), INVALID_SEGWIT)
def test_invalid_segwit(address: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        segwit_decode(address)


def test_wrong_hrp_is_left_to_the_caller() -> None:
    hrp, version, program = segwit_decode(
        "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut"
    )
    assert (hrp, version, len(program)) == ("tc", 1, 32)


@pytest.mark.parametrize(
    ("version", "program", "reason"),
    [
        (17, bytes(32), "witness version"),
        (-1, bytes(32), "witness version"),
        (0, bytes(21), "20 or 32"),
        (1, bytes(1), "2 to 40"),
        (1, bytes(41), "2 to 40"),
    ],
)
def test_segwit_encode_rejects_what_bip141_forbids(
    version: int, program: bytes, reason: str
) -> None:
    with pytest.raises(ValueError, match=reason):
        segwit_encode("bc", version, program)


@pytest.mark.parametrize(
    ("hrp", "data"),
    [("", []), ("BC", [0]), ("b c", [0]), ("bc", [32]), ("bc", [-1]), ("a" * 84, [])],
)
def test_bech32_encode_rejects_bad_input(hrp: str, data: list[int]) -> None:
    with pytest.raises(ValueError):
        bech32_encode(hrp, data, Bech32Variant.BECH32)


def test_bech32_encode_rejects_results_over_90_characters() -> None:
    assert len(bech32_encode("a", [0] * 82, Bech32Variant.BECH32)) == 90
    with pytest.raises(ValueError, match="90"):
        bech32_encode("a", [0] * 83, Bech32Variant.BECH32)


def test_convert_bits() -> None:
    assert convert_bits([0xFF], 8, 5, pad=True) == [31, 28]
    assert convert_bits([31, 28], 5, 8, pad=False) == [0xFF]
    with pytest.raises(ValueError, match="non-zero padding"):
        convert_bits([31, 29], 5, 8, pad=False)
    with pytest.raises(ValueError, match="more than 4 padding bits"):
        convert_bits([31, 28, 0], 5, 8, pad=False)
    with pytest.raises(ValueError, match="fit"):
        convert_bits([256], 8, 5, pad=True)


@given(st.binary(max_size=50))
def test_convert_bits_round_trip(data: bytes) -> None:
    assert bytes(convert_bits(convert_bits(data, 8, 5, pad=True), 5, 8, pad=False)) == data


@st.composite
def witness_programs(draw: st.DrawFn) -> tuple[int, bytes]:
    version = draw(st.integers(min_value=0, max_value=16))
    if version == 0:
        size = draw(st.sampled_from([20, 32]))
    else:
        size = draw(st.integers(min_value=2, max_value=40))
    return version, draw(st.binary(min_size=size, max_size=size))


@given(st.sampled_from(["bc", "tb", "bcrt"]), witness_programs(), st.booleans())
def test_segwit_round_trip(hrp: str, version_program: tuple[int, bytes], upper: bool) -> None:
    version, program = version_program
    address = segwit_encode(hrp, version, program)
    assert segwit_decode(address.upper() if upper else address) == (hrp, version, program)
