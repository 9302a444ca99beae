"""Base58 and Base58Check."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.bitcoin.base58 import (
    base58_decode,
    base58_encode,
    base58check_decode,
    base58check_encode,
)

# Bitcoin Core's src/test/data/base58_encode_decode.json.
ENCODE_DECODE = [
    ("", ""),
    ("61", "2g"),
    ("626262", "a3gV"),
    ("636363", "aPEr"),
    ("73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"),
    ("00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"),
    ("516b6fcd0f", "ABnLTmg"),
    ("bf4f89001e670274dd", "3SEo3LWLoPntC"),
    ("572e4794", "3EFU7m"),
    ("ecac89cad93923c02321", "EJDM8drfXA6uyA"),
    ("10c8511e", "Rt5zm"),
    ("00000000000000000000", "1111111111"),
    (
        "000111d38e5fc9071ffcd20b4a763cc9ae4f252bb4e48fd66a835e252ada93ff480d6dd43dc62a641155a5",
        "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz",
    ),
]


@pytest.mark.parametrize(("hex_data", "text"), ENCODE_DECODE)
def test_encode_decode(hex_data: str, text: str) -> None:
    assert base58_encode(bytes.fromhex(hex_data)) == text
    assert base58_decode(text).hex() == hex_data


@pytest.mark.parametrize("text", ["0", "O", "I", "l", "1 2", "abc\u00e9"])
def test_decode_rejects_symbols_outside_the_alphabet(text: str) -> None:
    with pytest.raises(ValueError, match="invalid base58 character"):
        base58_decode(text)


def test_base58check_decodes_the_genesis_address() -> None:
    payload = base58check_decode("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")
    assert payload.hex() == "00" + "62e907b15cbf27d5425399ebf6f0fb50ebb88f18"
    assert base58check_encode(payload) == "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"


def test_base58check_rejects_a_bad_checksum() -> None:
    with pytest.raises(ValueError, match="bad checksum"):
        base58check_decode("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb")


@pytest.mark.parametrize("text", ["", "1", "111", "2g"])
def test_base58check_rejects_data_shorter_than_a_checksum(text: str) -> None:
    with pytest.raises(ValueError, match="too short"):
        base58check_decode(text)


@given(st.binary(max_size=40))
def test_base58_round_trip(data: bytes) -> None:
    assert base58_decode(base58_encode(data)) == data


@given(st.binary(max_size=40))
def test_base58check_round_trip(payload: bytes) -> None:
    assert base58check_decode(base58check_encode(payload)) == payload
