"""The reference miner against a real (tiny) stratum pool on loopback.

Every submit is rebuilt into a header by the pool (``fake_pool``) and checked against the share
target of its job, so "valid" below means the miner hashed the real 80-byte header.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import time
from dataclasses import replace

import pytest

from backend.bitcoin.target import difficulty_to_target, hash_to_int
from backend.miner import (
    Connected,
    DifficultyChanged,
    Disconnected,
    JobReceived,
    MinerSettings,
    PoolMessage,
    ReferenceMiner,
    ShareRejected,
    ShareSubmitted,
    run_miner,
)

from .conftest import FAST, RunningMiner
from .fake_pool import OTHER_PREVHASH, POOL_MASK, FakePool, job_params


async def test_shares_arrive_and_verify(pool: FakePool, start_miner) -> None:
    running: RunningMiner = start_miner(pool.url, "acct.rig1")
    await pool.until(lambda: running.miner.stats.accepted >= 5)
    submits = pool.submits[:5]
    assert pool.valid
    assert [m["method"] for m in pool.latest.received[:2]] == [
        "mining.subscribe",
        "mining.authorize",
    ]
    assert pool.latest.received[0]["params"] == [FAST.user_agent]
    for submit in submits:
        assert len(submit.params) == 5  # cpuminer: no version rolling, five params
        assert submit.worker == "acct.rig1"
        assert submit.params[3] == "6553f100"
        assert len(submit.params[4]) == 8
        assert submit.is_block  # regtest: every difficulty-2e-5 share is a block
    stats = running.miner.stats
    assert stats.connected and stats.connections == 1
    assert stats.difficulty == pool.difficulty
    assert stats.blocks == stats.submitted >= stats.accepted
    assert stats.hashes > 0
    kinds = [type(event) for event in running.events[:3]]
    assert kinds == [Connected, DifficultyChanged, JobReceived]


async def test_extranonce2_rolls_as_a_little_endian_counter(pool: FakePool, start_miner) -> None:
    start_miner(pool.url, settings=replace(FAST, nonce_span=1 << 14))
    await pool.until(lambda: len(pool.submits) >= 6)
    assert pool.valid
    counters = [int.from_bytes(bytes.fromhex(s.extranonce2), "little") for s in pool.submits]
    assert len(set(counters)) >= 2
    assert counters == sorted(counters)  # one worker: found in counter order
    assert all(s.nonce < 1 << 14 for s in pool.submits)


async def test_set_difficulty_governs_jobs_sent_after_it(start_miner) -> None:
    easy, hard = 2e-6, 2e-5
    async with FakePool(difficulty=easy) as pool:
        running = start_miner(pool.url)
        await pool.until(lambda: len(pool.submits_on("1")) >= 5)
        await pool.set_difficulty(hard)
        await pool.notify(job_params("2", clean=False, ntime=1700000001))
        await pool.until(lambda: len(pool.submits_on("2")) >= 5)
        assert pool.valid  # job 1 shares at the easy target, job 2 shares at the hard one
        hard_target = difficulty_to_target(hard)
        assert all(hash_to_int(s.hash) <= hard_target for s in pool.submits_on("2"))
        # Job 1 was mined at the easy difficulty: some of its shares miss the hard target.
        assert any(hash_to_int(s.hash) > hard_target for s in pool.submits_on("1"))
        changes = [e.difficulty for e in running.of(DifficultyChanged)]
        assert changes == [easy, hard]
        jobs = {e.job_id: e.difficulty for e in running.of(JobReceived)}
        assert jobs == {"1": easy, "2": hard}
        assert running.miner.stats.difficulty == hard


async def test_clean_jobs_drop_the_old_work(pool: FakePool, start_miner) -> None:
    running = start_miner(pool.url)
    await pool.until(lambda: len(pool.submits_on("1")) >= 3)
    await pool.notify(job_params("2", prevhash=OTHER_PREVHASH, clean=True))
    await pool.until(lambda: len(pool.submits_on("2")) >= 3)
    assert pool.valid  # job 2 shares verify against the new prevhash
    switch = next(
        i for i, e in enumerate(running.events) if isinstance(e, JobReceived) and e.job_id == "2"
    )
    after = [e.share.job_id for e in running.events[switch:] if isinstance(e, ShareSubmitted)]
    assert after and set(after) == {"2"}


async def test_version_rolling_sends_six_params_within_the_mask(
    pool: FakePool, start_miner
) -> None:
    settings = replace(FAST, nonce_span=1 << 12)
    running = start_miner(pool.url, version_rolling=True, settings=settings)
    await pool.until(lambda: len(pool.submits) >= 8)
    first = pool.latest.received[0]
    assert first["method"] == "mining.configure"
    assert first["params"] == [["version-rolling"], {"version-rolling.mask": "ffffffff"}]
    assert pool.valid  # the pool checks 6 params, bits within the mask, and the rebuilt header
    bits = [s.version_bits for s in pool.submits]
    assert all(b is not None and b & ~POOL_MASK == 0 for b in bits)
    assert any(bits), "versions should roll every 4096 nonces"
    assert running.of(Connected)[0].version_mask == POOL_MASK

    # A narrower mask applies at once. The ping's answer marks the point after which every
    # submit was made under the new mask (the miner handles pool lines in order).
    narrow = 0x1E000000
    await pool.send(pool.latest, {"id": None, "method": "mining.set_version_mask",
                                  "params": [f"{narrow:08x}"]})  # fmt: skip
    await pool.request("mining.ping", [])
    pool.latest.version_mask = narrow
    mark = len(pool.submits)
    await pool.until(lambda: len(pool.submits) >= mark + 6)
    assert pool.valid
    later = [s.version_bits for s in pool.submits[mark:]]
    assert all(b is not None and b & ~narrow == 0 for b in later)
    assert any(later)


async def test_client_reconnect_reconnects_after_the_wait(pool: FakePool, start_miner) -> None:
    running = start_miner(pool.url)
    await pool.until(lambda: len(pool.submits) >= 1)
    await pool.send(pool.latest, {"id": None, "method": "client.reconnect", "params": []})
    await pool.until(lambda: len(pool.connections) == 2)
    await pool.until(lambda: any(s.connection == 1 for s in pool.submits))

    asked = time.monotonic()
    params = ["127.0.0.1", pool.port, 0.4]
    await pool.send(pool.latest, {"id": 7, "method": "client.reconnect", "params": params})
    await pool.until(lambda: len(pool.connections) == 3)
    delay = pool.connections[2].accepted_at - asked
    assert 0.2 <= delay <= 2.0
    await pool.until(lambda: any(s.connection == 2 for s in pool.submits))
    assert pool.valid  # each connection's shares use that connection's extranonce1
    # cpuminer offers the notify subscription id back as a resume id (reference §1.3).
    assert pool.connections[1].received[0]["params"] == [FAST.user_agent, "s1"]
    assert {m["id"]: m["result"] for m in pool.connections[1].received if "result" in m} == {
        7: True
    }
    assert len(running.of(Disconnected)) == 2
    assert running.miner.stats.connections == 3


async def test_pool_restart_is_survived(pool: FakePool, start_miner) -> None:
    running = start_miner(pool.url)
    await pool.until(lambda: len(pool.submits) >= 2)
    await pool.stop()
    stats = running.miner.stats
    await pool.until(lambda: not stats.connected)
    await asyncio.sleep(0.15)  # a chunk in flight finishes within chunk_seconds
    idle = stats.hashes
    await asyncio.sleep(0.3)  # a few refused reconnection attempts meanwhile
    assert stats.hashes == idle, "no hashing without work"
    await pool.start()
    await pool.until(lambda: any(s.connection == 1 for s in pool.submits))
    assert pool.valid
    assert stats.connected and stats.connections == 2
    assert running.of(Disconnected)[0].reason


REJECTS = [
    # The array form, a JSON-RPC 2.0 object (Miningcore), ckpool's reject-reason (reference §1.2).
    ({"result": None, "error": [23, "Low difficulty share", None]}, "Low difficulty share", 23),
    ({"result": False, "error": {"code": 22, "message": "Duplicate"}}, "Duplicate", 22),
    ({"result": False, "error": None, "reject-reason": "Stale"}, "Stale", None),
]


async def test_an_endless_line_drops_the_connection(pool: FakePool, start_miner) -> None:
    running = start_miner(pool.url, settings=replace(FAST, max_line_bytes=4096))
    await pool.until(lambda: running.miner.stats.connected)
    pool.latest.writer.write(b'{"id": null, "method": "' + b"x" * 10_000 + b'"}\n')
    await pool.until(lambda: len(pool.connections) == 2 and running.miner.stats.connected)
    assert running.of(Disconnected)[0].reason == "line from the pool is too long"


async def test_a_silent_pool_is_left_after_the_idle_timeout(start_miner) -> None:
    async with FakePool(difficulty=1000.0) as pool:  # no shares, so no answers either
        running = start_miner(pool.url, settings=replace(FAST, idle_timeout=0.3))
        await pool.until(lambda: len(pool.connections) == 2)
        assert pool.connections[1].accepted_at - pool.connections[0].accepted_at >= 0.3
        assert running.of(Disconnected)[0].reason == "nothing from the pool for 0.3 s"


@pytest.mark.parametrize(("response", "reason", "code"), REJECTS)
async def test_rejected_shares_are_counted_with_their_reason(
    start_miner, response: dict, reason: str, code: int | None
) -> None:
    def answer(submit: object) -> dict:
        rejected = len(pool.submits) % 2 == 1  # the 1st, 3rd, 5th ... share
        return response if rejected else {"result": True, "error": None}

    async with FakePool(answer=answer) as pool:
        running = start_miner(pool.url)
        stats = running.miner.stats
        await pool.until(lambda: stats.accepted + stats.rejected >= 4)
        assert stats.rejected >= 2 and stats.accepted >= 2
        assert stats.reject_reasons == {reason: stats.rejected}
        event = running.of(ShareRejected)[0]
        assert (event.reason, event.code) == (reason, code)
        assert event.share.job_id == "1"


async def test_pool_requests_are_answered(pool: FakePool, start_miner) -> None:
    running = start_miner(pool.url)
    await pool.until(lambda: running.miner.stats.connected)
    assert await pool.request("mining.ping", []) == {"id": 1000, "result": "pong", "error": None}
    version = await pool.request("client.get_version", [])
    assert version["result"] == FAST.user_agent
    shown = await pool.request("client.show_message", ["maintenance at noon\x1b[31m"])
    assert shown["result"] is True
    assert running.of(PoolMessage) == [PoolMessage("maintenance at noon\\x1b[31m")]
    unknown = await pool.request("mining.something_new", [])
    assert unknown["result"] is None and unknown["error"][0] == 20
    # Garbage lines are skipped, as cpuminer does, and mining goes on.
    pool.latest.writer.write(b"not json\n[1, 2]\n\n")
    mark = len(pool.submits)
    await pool.until(lambda: len(pool.submits) >= mark + 2)
    assert running.miner.stats.connections == 1


async def test_set_extranonce_applies_from_the_next_job(pool: FakePool, start_miner) -> None:
    start_miner(pool.url)
    await pool.until(lambda: len(pool.submits) >= 2)
    await pool.set_extranonce(bytes.fromhex("a1b2c3"), 2)
    await pool.notify(job_params("2", clean=True))
    await pool.until(lambda: len(pool.submits_on("2")) >= 3)
    assert pool.valid  # job 2 rebuilt with the new 3-byte extranonce1 and 2-byte extranonce2
    assert {len(s.extranonce2) for s in pool.submits_on("2")} == {4}
    assert pool.submits_on("2")[0].extranonce2 == "0000"  # counter restarts for a new en1


async def test_hashrate_limit_holds_the_rate(pool: FakePool, start_miner) -> None:
    limit = 20_000.0
    running = start_miner(pool.url, hashrate_limit=limit)
    await pool.until(lambda: bool(running.of(JobReceived)))
    stats = running.miner.stats
    began, hashes = time.monotonic(), stats.hashes
    await asyncio.sleep(1.5)
    rate = (stats.hashes - hashes) / (time.monotonic() - began)
    assert limit / 2 <= rate <= limit * 2


async def test_worker_processes_split_the_work(pool: FakePool, start_miner) -> None:
    running = start_miner(pool.url, threads=2)
    await pool.until(lambda: len(pool.submits) >= 8)
    assert pool.valid
    headers = {(s.extranonce2, s.nonce) for s in pool.submits}
    assert len(headers) == len(pool.submits), "two workers hashed the same header"
    assert running.miner.threads == 2


async def test_a_killed_worker_process_is_replaced(pool: FakePool, start_miner) -> None:
    start_miner(pool.url, threads=2)
    await pool.until(lambda: len(pool.submits) >= 2)
    workers = multiprocessing.active_children()
    assert len(workers) >= 2
    os.kill(workers[0].pid, signal.SIGKILL)
    mark = len(pool.submits)
    await pool.until(lambda: len(pool.submits) >= mark + 4)
    assert pool.valid


async def test_refused_authorization_retries_with_backoff(start_miner) -> None:
    async with FakePool(authorize=False) as pool:
        running = start_miner(pool.url)
        await pool.until(lambda: len(pool.connections) >= 3)
        assert running.miner.stats.connections == 0
        assert not running.of(Connected)
        assert pool.submits == []


async def test_stop_while_the_pool_is_unreachable(pool: FakePool) -> None:
    await pool.stop()
    settings = MinerSettings(backoff_initial=10.0)
    stop = asyncio.Event()
    task = asyncio.create_task(run_miner(pool.url, "acct.w", stop=stop, settings=settings))
    await asyncio.sleep(0.2)  # first attempt refused; now in a 10 s back-off
    stop.set()
    async with asyncio.timeout(2):
        stats = await task
    assert not stats.connected and stats.connections == 0


async def test_run_miner_returns_its_stats_when_stopped(pool: FakePool) -> None:
    stop = asyncio.Event()
    events: list[object] = []
    task = asyncio.create_task(
        run_miner(pool.url, "acct.w", "secret", stop=stop, on_event=events.append, settings=FAST)
    )
    await pool.until(lambda: len(pool.submits) >= 2)
    assert pool.connections[0].received[1]["params"] == ["acct.w", "secret"]
    stop.set()
    async with asyncio.timeout(5):
        stats = await task
    assert stats.submitted >= 2 and not stats.connected
    assert isinstance(events[-1], Disconnected)


async def test_stop_is_prompt_while_the_pool_is_talking(pool: FakePool) -> None:
    """A stop that lands just as a line arrives must still stop the miner (3.11's wait_for
    would drop that cancellation and leave the miner reading until its idle timeout)."""
    loop = asyncio.get_running_loop()
    quiet_at = [loop.time() + 60]

    async def chatter() -> None:
        while loop.time() < quiet_at[0]:
            for conn in pool.connections:
                if not conn.writer.is_closing():
                    conn.writer.write(b'{"id": null, "method": "mining.noop", "params": []}\n')
            await asyncio.sleep(0)

    talker = asyncio.create_task(chatter())
    settings = replace(FAST, idle_timeout=4.0)  # longer than the 2 s allowed for stopping
    try:
        for _ in range(15):
            miner = ReferenceMiner(pool.url, "acct.w", settings=settings)
            task = asyncio.create_task(miner.run())
            await pool.until(lambda: miner.stats.connected)  # noqa: B023
            await asyncio.sleep(0.01)
            miner.stop()
            quiet_at[0] = loop.time() + 0.2  # a miner stuck reading would then hit idle_timeout
            async with asyncio.timeout(2):
                await task
            quiet_at[0] = loop.time() + 60
            if talker.done():
                talker = asyncio.create_task(chatter())
    finally:
        talker.cancel()
