"""The work cursor: disjoint chunks, then rolled versions, then the next extranonce2."""

from backend.miner.cursor import WorkCursor
from backend.miner.job import StratumJob, Work

from .fake_pool import OTHER_PREVHASH, job_params

MASK = 0x1FFFE000


def make_work(job_id: str = "1", prevhash: str | None = None) -> Work:
    params = job_params(job_id) if prevhash is None else job_params(job_id, prevhash=prevhash)
    return Work.build(StratumJob.from_notify(params), bytes.fromhex("11223344"), 4, 1e-4)


def test_no_work_no_chunks() -> None:
    assert WorkCursor().take(100) is None


def test_chunks_cover_the_span_without_overlap_then_roll_extranonce2() -> None:
    cursor = WorkCursor(nonce_span=1000)
    cursor.start(make_work(), version_mask=None)
    chunks = [cursor.take(300) for _ in range(5)]
    assert [(c.start, c.count) for c in chunks] == [(0, 300), (300, 300), (600, 300), (900, 100),
                                                     (0, 300)]  # fmt: skip
    assert [c.extranonce2.hex() for c in chunks] == ["00000000"] * 4 + ["01000000"]
    assert all(c.version_bits is None and c.version == 0x20000000 for c in chunks)
    assert chunks[4].prefix != chunks[0].prefix


def test_prefix_is_the_header_of_its_extranonce2_and_version() -> None:
    work = make_work()
    cursor = WorkCursor(nonce_span=10)
    cursor.start(work, version_mask=MASK)
    for _ in range(4):
        chunk = cursor.take(10)
        assert chunk is not None
        assert chunk.prefix == work.header_prefix(chunk.extranonce2, chunk.version)


def test_version_rolls_inside_the_mask_before_extranonce2_moves() -> None:
    cursor = WorkCursor(nonce_span=10)
    cursor.start(make_work(), version_mask=0x6000)  # two bits: four versions per extranonce2
    chunks = [cursor.take(10) for _ in range(6)]
    assert [c.version_bits for c in chunks] == [0, 0x2000, 0x4000, 0x6000, 0, 0x2000]
    assert [c.extranonce2.hex() for c in chunks[:5]] == ["00000000"] * 4 + ["01000000"]
    assert all(c.version == 0x20000000 ^ c.version_bits for c in chunks)


def test_each_job_gets_a_fresh_extranonce2_and_restart_goes_back_to_zero() -> None:
    cursor = WorkCursor()
    cursor.start(make_work("1"), version_mask=None)
    assert cursor.take(5).extranonce2.hex() == "00000000"
    cursor.start(make_work("2", OTHER_PREVHASH), version_mask=None)
    second = cursor.take(5)
    assert (second.work.job.job_id, second.extranonce2.hex(), second.start) == ("2", "01000000", 0)
    cursor.restart_extranonce2()
    cursor.start(make_work("3"), version_mask=None)
    assert cursor.take(5).extranonce2.hex() == "00000000"


def test_new_version_mask_applies_at_once() -> None:
    cursor = WorkCursor(nonce_span=10)
    cursor.start(make_work(), version_mask=MASK)
    cursor.take(10)
    cursor.take(10)
    cursor.set_version_mask(0x00400000)
    after = [cursor.take(10) for _ in range(3)]
    assert [c.version_bits for c in after] == [0, 0x00400000, 0]
    assert after[0].extranonce2 != after[2].extranonce2


def test_clear_stops_handing_out_work() -> None:
    cursor = WorkCursor()
    cursor.start(make_work(), version_mask=None)
    cursor.clear()
    assert cursor.take(10) is None and cursor.work is None
