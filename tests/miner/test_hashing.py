"""The nonce scan against a straightforward sha256d of every header."""

import pytest

from backend.bitcoin.hashes import sha256d
from backend.bitcoin.target import DIFF1, hash_to_int
from backend.miner.hashing import HashEngine, scan_nonces
from backend.miner.job import StratumJob, Work

from .fake_pool import job_params

PREFIX = bytes(range(76))
TARGET = 1 << 252  # about one hash in sixteen


def brute_force(prefix: bytes, start: int, count: int, target: int) -> list[tuple[int, bytes]]:
    found = []
    for nonce in range(start, start + count):
        digest = sha256d(prefix + nonce.to_bytes(4, "little"))
        if hash_to_int(digest) <= target:
            found.append((nonce, digest))
    return found


def test_scan_finds_exactly_the_hashes_at_or_below_the_target() -> None:
    result = scan_nonces(PREFIX, 1000, 3000, TARGET)
    assert result.hashes == 3000
    assert result.found == brute_force(PREFIX, 1000, 3000, TARGET)
    assert 100 < len(result.found) < 300


def test_scan_hits_the_section_8_6_block_at_nonce_zero() -> None:
    work = Work.build(StratumJob.from_notify(job_params()), bytes.fromhex("11223344"), 4, 1.0)
    prefix = work.header_prefix(bytes(4), 0x20000000)
    result = scan_nonces(prefix, 0, 1, work.block_target)
    assert [(n, d[::-1].hex()) for n, d in result.found] == [
        (0, "24f81c5fe7889f8817fa96d7dd4b3a033cc90aa97449b9ffb6df920a5f295c7f")
    ]


def test_scan_compares_the_whole_hash_not_just_its_top_byte() -> None:
    # Targets whose top byte is 0 (difficulty above 2**-24) must still compare all 32 bytes.
    target = DIFF1 * 100_000
    assert scan_nonces(PREFIX, 0, 20_000, target).found == brute_force(PREFIX, 0, 20_000, target)


def test_scan_stays_inside_the_nonce_field() -> None:
    assert scan_nonces(PREFIX, 2**32 - 2, 2, 2**256 - 1).hashes == 2
    with pytest.raises(ValueError):
        scan_nonces(PREFIX, 2**32 - 1, 2, TARGET)
    with pytest.raises(ValueError):
        scan_nonces(PREFIX[:75], 0, 1, TARGET)


async def test_worker_processes_compute_the_same_scan() -> None:
    engine = HashEngine(workers=2)
    assert engine.processes
    try:
        first = await engine.scan(PREFIX, 0, 2000, TARGET)
        second = await engine.scan(PREFIX, 2000, 2000, TARGET)
    finally:
        await engine.aclose()
    assert first.found + second.found == brute_force(PREFIX, 0, 4000, TARGET)
