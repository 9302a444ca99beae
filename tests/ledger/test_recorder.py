"""The share recorder on a real store (both databases): batches by time and size, back-pressure,
the recovery file when the database is down, replay at start, and never counting twice."""

from __future__ import annotations

import asyncio
import time

import pytest

from backend.ledger.events import ShareEvent
from backend.ledger.recorder import ShareRecorder
from backend.ledger.recovery import RecoveryFile, encode_line
from backend.ledger.settings import LedgerSettings

T0 = 1_733_011_200
FAST = LedgerSettings(batch_interval=0.05, retry_delays=(0.01, 0.01), breaker_seconds=0.2)


def share(i: int, *, account="alice", worker="rig1", difficulty=0.5) -> ShareEvent:
    return ShareEvent(account, worker, difficulty, difficulty, True, None, None, False, T0 + i, 0)


class Outage:
    """The real store behind a switch: while ``down`` every write fails as a dead server would;
    while ``slow`` each write takes that long."""

    def __init__(self, store) -> None:
        self._store = store
        self.down = False
        self.slow = 0.0
        self.writes = 0

    def record_batch(self, batch):
        if self.slow:
            time.sleep(self.slow)
        if self.down:
            raise ConnectionError("database unreachable")
        self.writes += 1
        return self._store.record_batch(batch)


@pytest.fixture
def store(database):
    store = database.open()
    yield store
    store.close()


def accepted(store, account="alice") -> int:
    return sum(r.accepted for r in store.share_buckets(account, None, 0, 2**40, 86400))


async def test_shares_reach_the_store_in_batches_by_size_and_time(store, tmp_path):
    settings = LedgerSettings(batch_interval=0.05, batch_max_shares=100)
    recorder = ShareRecorder(store, RecoveryFile(tmp_path / "r.jsonl"), node=0, settings=settings)
    await recorder.start()
    for i in range(250):
        recorder.record(share(i))
    # Two full batches were sealed at once; the last 50 go when the interval runs out.
    assert recorder.pending >= 2
    deadline = time.monotonic() + 5
    while accepted(store) < 250:
        assert time.monotonic() < deadline, "the open batch was never written"
        await asyncio.sleep(0.02)
    await recorder.stop()
    assert recorder.stats.written >= 4  # the start-up reset batch + three share batches
    assert recorder.stats.written_shares == 250


async def test_a_dead_database_sends_batches_to_the_recovery_file_then_they_are_replayed(
    store, tmp_path
):
    outage = Outage(store)
    recovery = RecoveryFile(tmp_path / "r.jsonl")
    recorder = ShareRecorder(outage, recovery, node=0, settings=FAST)
    await recorder.start()
    outage.down = True
    for i in range(40):
        recorder.record(share(i))
        if i % 10 == 9:
            await recorder.flush()
    assert recorder.stats.spilled >= 4 and recovery.waiting
    assert accepted(store) == 0
    outage.down = False
    await asyncio.sleep(0.25)  # the breaker closes
    recorder.record(share(99))
    await recorder.flush()
    assert accepted(store) == 41
    assert not recovery.waiting
    await recorder.stop()


async def test_replay_at_start_counts_each_batch_once_even_when_replayed_twice(store, tmp_path):
    outage = Outage(store)
    recovery = RecoveryFile(tmp_path / "r.jsonl")
    first = ShareRecorder(outage, recovery, node=0, settings=FAST)
    await first.start()
    outage.down = True
    for i in range(30):
        first.record(share(i))
    await first.flush()
    # The process dies here (no stop): its batches wait in the file.
    saved = recovery.path.read_bytes()
    second = ShareRecorder(store, recovery, node=0, settings=FAST)
    await second.start()
    assert accepted(store) == 30
    # A crash after the replay but before the file was removed: the next start replays it all
    # again, and nothing is counted twice.
    recovery.path.write_bytes(saved)
    third = ShareRecorder(store, recovery, node=0, settings=FAST)
    await third.start()
    assert accepted(store) == 30
    assert third.stats.replayed > 0
    for recorder in (first, second, third):
        if recorder._task is not None:
            recorder._task.cancel()


async def test_a_torn_last_line_is_skipped_and_the_rest_replayed(store, tmp_path):
    outage = Outage(store)
    recovery = RecoveryFile(tmp_path / "r.jsonl")
    first = ShareRecorder(outage, recovery, node=0, settings=FAST)
    await first.start()
    outage.down = True
    for i in range(20):
        first.record(share(i))
        if i % 10 == 9:
            await first.flush()
    first._task.cancel()
    lines = recovery.path.read_bytes().splitlines(keepends=True)
    assert len(lines) >= 2
    # The machine died in the middle of appending one more batch.
    torn = encode_line(first._builder.seal("0:x:1", T0))[:40]
    await asyncio.to_thread(recovery.path.write_bytes, recovery.path.read_bytes() + torn)
    second = ShareRecorder(store, recovery, node=0, settings=FAST)
    await second.start()
    assert accepted(store) == 20
    await second.stop()


async def test_a_slow_database_applies_back_pressure_and_lifts_it(store, tmp_path):
    outage = Outage(store)
    outage.slow = 0.05
    signals: list[bool] = []
    settings = LedgerSettings(batch_interval=0.01, batch_max_shares=10, max_pending_batches=4)
    recorder = ShareRecorder(
        outage,
        RecoveryFile(tmp_path / "r.jsonl"),
        node=0,
        settings=settings,
        on_pressure=signals.append,
    )
    await recorder.start()
    for i in range(100):
        recorder.record(share(i))
    assert signals == [True]  # ten batches sealed at once: more than the queue may hold
    assert recorder.pending <= 2 * settings.max_pending_batches
    await recorder.flush()
    assert signals == [True, False]
    assert accepted(store) == 100  # the overflow went through the recovery file, not lost
    await recorder.stop()


async def test_worker_connections_and_difficulty_reach_the_store(store, tmp_path):
    recorder = ShareRecorder(store, RecoveryFile(tmp_path / "r.jsonl"), node=3, settings=FAST)
    await recorder.start()
    recorder.worker_connected("alice", "rig1", "1.2.3.4:5", "bitaxe/2.1", T0)
    recorder.worker_connected("alice", "rig1", "1.2.3.4:6", "bitaxe/2.2", T0 + 5)
    recorder.worker_difficulty("alice", "rig1", 512.0, T0 + 6)
    await recorder.flush()
    (worker,) = store.workers("alice")
    assert worker.connected and worker.connected_at == T0
    assert (worker.user_agent, worker.difficulty) == ("bitaxe/2.2", 512.0)
    recorder.worker_disconnected("alice", "rig1", "1.2.3.4:5", T0 + 7)
    await recorder.flush()
    assert store.workers("alice")[0].connected_at == T0 + 5
    recorder.worker_disconnected("alice", "rig1", "1.2.3.4:6", T0 + 8)
    await recorder.flush()
    assert not store.workers("alice")[0].connected
    await recorder.stop()


async def test_record_is_cheap_and_never_waits_for_the_database(store, tmp_path):
    outage = Outage(store)
    outage.slow = 0.2
    recorder = ShareRecorder(outage, RecoveryFile(tmp_path / "r.jsonl"), node=0, settings=FAST)
    await recorder.start()
    began = time.perf_counter()
    for i in range(20_000):
        recorder.record(share(i % 600, worker=f"rig{i % 7}"))
    spent = time.perf_counter() - began
    assert spent < 1.0, f"recording 20,000 shares took {spent:.2f}s on the event loop"
    await recorder.stop()
    assert accepted(store) == 20_000
