"""Notify parsing and header building against the reference's vectors (§1.3, §8.6)."""

import pytest

from backend.bitcoin.hashes import sha256d, to_display
from backend.miner.job import StratumJob, Work, spread_bits, unswap_prevhash

from .fake_pool import job_params

HEADER_86 = (
    "0000002006226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f61f272d6ae3adc4653"
    "791e774f8e8bdf079045329c4aac8d7fd27ced6c10a28700f15365ffff7f2000000000"
)
HASH_86 = "24f81c5fe7889f8817fa96d7dd4b3a033cc90aa97449b9ffb6df920a5f295c7f"


def test_prevhash_word_swap_matches_reference_example() -> None:
    """§1.3: block 99,999's hash as display hex, and as the notify sends it."""
    sent = "1901125004612a1701c3a621d930d31d36b607df1fccc2160002d01c00000000"
    display = "000000000002d01c1fccc21636b607dfd930d31d01c3a62104612a1719011250"
    assert to_display(unswap_prevhash(sent)) == display


def test_section_8_6_job_builds_the_reference_header_and_hash() -> None:
    job = StratumJob.from_notify(job_params())
    work = Work.build(job, bytes.fromhex("11223344"), 4, difficulty=1.0)
    extranonce2 = work.extranonce2(0)
    assert extranonce2 == bytes(4)
    assert work.merkle_root(extranonce2)[::-1].hex() == (
        "87a2106ced7cd27f8dac4a9c32459007df8b8e4f771e795346dc3aaed672f261"
    )
    header = work.header_prefix(extranonce2, job.version) + bytes(4)
    assert header.hex() == HEADER_86
    assert to_display(sha256d(header)) == HASH_86
    assert work.block_target == 0x7FFFFF << 232


def test_extranonce2_is_a_little_endian_counter() -> None:
    work = Work.build(StratumJob.from_notify(job_params()), b"\x11\x22\x33\x44", 4, 1.0)
    assert work.extranonce2(1).hex() == "01000000"
    assert work.extranonce2(0x0102).hex() == "02010000"
    assert work.extranonce2(1 << 32).hex() == "00000000"  # wraps within its size


def test_branch_entries_are_folded_on_the_right() -> None:
    node = sha256d(b"a transaction")
    job = StratumJob.from_notify(job_params(branch=(node.hex(),)))
    work = Work.build(job, b"\x11\x22\x33\x44", 4, 1.0)
    coinbase_hash = sha256d(job.coinb1 + b"\x11\x22\x33\x44" + bytes(4) + job.coinb2)
    assert work.merkle_root(bytes(4)) == sha256d(coinbase_hash + node)


@pytest.mark.parametrize(
    ("index", "field", "value"),
    [
        (1, "prevhash", "00" * 31),
        (1, "prevhash", " " + "00" * 31 + "0"),
        (2, "coinb1", "0 2"),
        (5, "version", "2000000"),
        (6, "nbits", "20ffffff"),  # sign bit set: a negative target
        (7, "ntime", "6553f10g"),
        (0, "job_id", ""),
    ],
)
def test_bad_notify_fields_are_refused(index: int, field: str, value: str) -> None:
    params = job_params()
    params[index] = value
    with pytest.raises(ValueError):
        StratumJob.from_notify(params)


def test_only_json_true_means_clean() -> None:
    params = job_params()
    params[8] = 1
    assert StratumJob.from_notify(params).clean is False


def test_spread_bits_fills_the_mask_from_its_lowest_bit() -> None:
    assert spread_bits(1, 0x1FFFE000) == 0x2000
    assert spread_bits(0xFFFF, 0x1FFFE000) == 0x1FFFE000
    assert spread_bits(0b101, 0b1010_0100) == 0b1000_0100
    assert spread_bits(7, 0) == 0
