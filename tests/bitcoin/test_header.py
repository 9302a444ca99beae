"""Block headers: serialize, parse and hash the reference blocks (stratum ref §8.1, §8.3-8.6)."""

import dataclasses

import pytest

from backend.bitcoin.hashes import from_display
from backend.bitcoin.header import HEADER_SIZE, BlockHeader

GENESIS_MERKLE_ROOT = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"

# (header hex, hash display, version, prev display, merkle display, time, bits, nonce)
BLOCKS = {
    "mainnet genesis": (
        "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c"
        "3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c",
        "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f",
        1,
        "00" * 32,
        GENESIS_MERKLE_ROOT,
        1231006505,
        0x1D00FFFF,
        2083236893,
    ),
    "regtest genesis": (
        "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c"
        "3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4adae5494dffff7f2002000000",
        "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206",
        1,
        "00" * 32,
        GENESIS_MERKLE_ROOT,
        1296688602,
        0x207FFFFF,
        2,
    ),
    "mainnet 100000": (
        "0100000050120119172a610421a6c3011dd330d9df07b63616c2cc1f1cd00200000000006657a9252aacd5c0b294"
        "0996ecff952228c3067cc38d4885efb5a4ac4247e9f337221b4d4c86041b0f2b5710",
        "000000000003ba27aa200b1cecaad478d2b00432346c3f1f3986da1afd33e506",
        1,
        "000000000002d01c1fccc21636b607dfd930d31d01c3a62104612a1719011250",
        "f3e94742aca4b5ef85488dc37c06c3282295ffec960994b2c0d5ac2a25a95766",
        1293623863,
        0x1B04864C,
        274148111,
    ),
    "mainnet 125552": (
        "0100000081cd02ab7e569e8bcd9317e2fe99f2de44d49ab2b8851ba4a308000000000000e320b6c2fffc8d750423"
        "db8b1eb942ae710e951ed797f7affc8892b0f1fc122bc7f5d74df2b9441a42a14695",
        "00000000000000001e8d6829a8a21adc5d38d0a473b144b6765798e61f98bd1d",
        1,
        "00000000000008a3a41b85b8b29ad444def299fee21793cd8b9e567eab02cd81",
        "2b12fcf1b09288fcaff797d71e950e71ae42b91e8bdb2304758dfcffc2b620e3",
        1305998791,
        0x1A44B9F2,
        2504433986,
    ),
    # Stratum reference §8.6: the regtest share that is a block.
    "regtest height 1 (§8.6)": (
        "0000002006226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f61f272d6ae3adc4653"
        "791e774f8e8bdf079045329c4aac8d7fd27ced6c10a28700f15365ffff7f2000000000",
        "24f81c5fe7889f8817fa96d7dd4b3a033cc90aa97449b9ffb6df920a5f295c7f",
        0x20000000,
        "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206",
        "87a2106ced7cd27f8dac4a9c32459007df8b8e4f771e795346dc3aaed672f261",
        1700000000,
        0x207FFFFF,
        0,
    ),
}

# Stratum reference §8.3 and §8.4: headers miners built from real stratum jobs, and their hashes.
SHARE_HEADERS = [
    (
        "040000204595850c738349a3fa5274a511b72ec265a4f23d5243050000000000000000005bdc1968499c339387"
        "3edf8e07a1c3a50a97fc3a9d1a376bbf77087dd63778ebb52570643aae0517d19e020a",
        "00000000005fe144efbc66241c0094b8fdc2702b7729226fdfed70ca8094c0b5",
    ),
    (
        "04000020fc102bd0ea11470daf05a8e133a8a8505e21a2122b7f010000000000000000006d0359c451434605c5"
        "2a5a9ce074340be47c2c63840731f9edf1db3f26b1cdd9a9f16f643aae051747896e27",
        "000000000e30101020e2ec8c9302a9ee56b2b2bef354b63489a0801f5789ed19",
    ),
    (
        "00200020f2921517920e7423e6f623d22725ff8b4facf79a1e45462202000000000000006b5d684a704b4abe62"
        "b2375c5326d1fc1dbb61168aff84e920ba28968bf1075fecf3b364f8952419910d46ed",
        "000000000061d52983863e5c424c00d9e0981874fddf6a8493433e73928a3e4e",
    ),
]


@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_reference_block_headers(name: str) -> None:
    raw_hex, hash_display, version, prev, merkle, time, bits, nonce = BLOCKS[name]
    raw = bytes.fromhex(raw_hex)
    header = BlockHeader(version, from_display(prev), from_display(merkle), time, bits, nonce)
    assert header.serialize() == raw
    assert BlockHeader.parse(raw) == header
    assert header.hash_hex() == hash_display
    assert header.hash() == from_display(hash_display)


@pytest.mark.parametrize(("raw_hex", "hash_display"), SHARE_HEADERS)
def test_stratum_share_headers(raw_hex: str, hash_display: str) -> None:
    header = BlockHeader.parse(bytes.fromhex(raw_hex))
    assert header.serialize().hex() == raw_hex
    assert header.hash_hex() == hash_display


def test_rolled_version_is_serialized_little_endian() -> None:
    header = BlockHeader.parse(bytes.fromhex(SHARE_HEADERS[2][0]))
    assert header.version == 0x20002000


def test_unsigned_fields_round_trip_at_their_maximum() -> None:
    header = BlockHeader(0xFFFFFFFF, bytes(32), bytes(32), 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
    assert BlockHeader.parse(header.serialize()) == header


@pytest.mark.parametrize("size", [0, 79, 81, 160])
def test_parse_requires_exactly_80_bytes(size: int) -> None:
    with pytest.raises(ValueError, match="80 bytes"):
        BlockHeader.parse(bytes(size))
    assert HEADER_SIZE == 80


@pytest.mark.parametrize(("prev", "merkle"), [(bytes(31), bytes(32)), (bytes(32), bytes(33))])
def test_hashes_must_be_32_bytes(prev: bytes, merkle: bytes) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        BlockHeader(1, prev, merkle, 0, 0, 0)


@pytest.mark.parametrize("field", ["version", "time", "bits", "nonce"])
@pytest.mark.parametrize("value", [-1, 2**32])
def test_integer_fields_must_fit_u32(field: str, value: int) -> None:
    header = dataclasses.replace(BlockHeader(1, bytes(32), bytes(32), 0, 0, 0), **{field: value})
    with pytest.raises(ValueError, match="out of range"):
        header.serialize()
