"""Hashes and display/internal byte order."""

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.bitcoin import hashes
from backend.bitcoin.hashes import from_display, hash160, sha256, sha256d, to_display

# The public key paid by the genesis coinbase; its HASH160 is the hash inside
# 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa (stratum reference §8.7).
GENESIS_PUBKEY = bytes.fromhex(
    "04678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb6"
    "49f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5f"
)
GENESIS_PUBKEY_HASH = "62e907b15cbf27d5425399ebf6f0fb50ebb88f18"

GENESIS_HEADER = bytes.fromhex(
    "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c"
    "3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c"
)
GENESIS_HASH = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"


def test_sha256_of_empty_input() -> None:
    assert sha256(b"").hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_sha256d_of_empty_input() -> None:
    assert sha256d(b"").hex() == "5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456"


def test_sha256d_of_genesis_header_is_the_genesis_hash() -> None:
    assert to_display(sha256d(GENESIS_HEADER)) == GENESIS_HASH


def test_hash160_of_genesis_pubkey() -> None:
    assert hash160(GENESIS_PUBKEY).hex() == GENESIS_PUBKEY_HASH


def test_hash160_falls_back_to_pure_ripemd160(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(name: str, *args: object) -> object:
        raise ValueError(f"unsupported hash type {name}")

    monkeypatch.setattr(hashlib, "new", refuse)
    fallback = hashes._pick_ripemd160()
    assert fallback(hashlib.sha256(GENESIS_PUBKEY).digest()).hex() == GENESIS_PUBKEY_HASH


def test_display_round_trip() -> None:
    internal = sha256d(GENESIS_HEADER)
    assert to_display(internal) == GENESIS_HASH
    assert from_display(GENESIS_HASH) == internal
    assert from_display(GENESIS_HASH.upper()) == internal


@pytest.mark.parametrize(
    "text",
    [
        "",
        GENESIS_HASH[:-1],
        GENESIS_HASH + "0",
        "0x" + GENESIS_HASH[2:],
        " " + GENESIS_HASH[1:],
        GENESIS_HASH[:-2] + " f",
        GENESIS_HASH[:-1] + "g",
        GENESIS_HASH[:-1] + "\u0660",  # an Arabic-Indic digit: not hex
    ],
)
def test_from_display_is_strict(text: str) -> None:
    with pytest.raises(ValueError):
        from_display(text)


def test_from_display_rejects_bytes() -> None:
    with pytest.raises(ValueError):
        from_display(GENESIS_HASH.encode())  # type: ignore[arg-type]


@given(st.binary(min_size=32, max_size=32))
def test_display_round_trip_property(h: bytes) -> None:
    assert from_display(to_display(h)) == h
