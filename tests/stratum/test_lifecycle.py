"""Starting, broadcasting to many, and stopping gracefully with client.reconnect."""

from __future__ import annotations

import asyncio
import socket

import uvloop

from backend.stratum.server import StratumServer

from .harness import Pool, eventually, make_template, start_pool
from .test_hostile import raw_slow_reader


async def test_graceful_stop_sends_client_reconnect_to_everyone_and_closes(pool: Pool) -> None:
    mining = await pool.mining()
    fresh = await pool.miner("127.0.0.2")  # connected, said nothing yet
    await eventually(lambda: pool.server.session_count == 2)
    await pool.server.stop()
    for miner in (mining, fresh):
        assert await miner.closed()
        assert miner.lines[-1] == {"id": None, "method": "client.reconnect", "params": []}
    assert pool.server.session_count == 0
    assert pool.extranonces.live == 0
    # The listener is gone too.
    probe = socket.socket()
    try:
        assert probe.connect_ex(("127.0.0.1", pool.port)) != 0
    finally:
        probe.close()


async def test_stop_without_reconnect_just_closes(pool: Pool) -> None:
    miner = await pool.mining()
    await pool.server.stop(reconnect=False)
    assert await miner.closed()
    assert all(line.get("method") != "client.reconnect" for line in miner.lines)


async def test_stop_aborts_connections_that_cannot_drain_within_the_grace() -> None:
    pool = await start_pool()
    slow = raw_slow_reader(pool.port)
    try:
        assert await eventually(lambda: pool.server.mining_count == 1)
        for _ in range(300):
            pool.new_job()
        await pool.server.stop()
        assert pool.server.session_count == 0
    finally:
        slow.close()


async def test_a_new_job_reaches_many_miners_as_one_shared_line(pool: Pool) -> None:
    miners = [await pool.mining(f"alice.rig{i}") for i in range(20)]
    job = pool.new_job(new_tip=True)
    lines = set()
    for miner in miners:
        notify = await miner.until("mining.notify")
        assert notify["params"][0] == job.job_id and notify["params"][8] is True
        lines.add(repr(notify))
    assert len(lines) == 1
    assert pool.server.broadcast(pool.builder.build(job.template, False, pool.clock())) == 20


async def test_sessions_that_started_before_any_job_get_the_first_one_clean() -> None:
    pool = await start_pool(first_job=False)
    try:
        miner = await pool.miner()
        await miner.subscribe()
        await miner.call("mining.authorize", ["alice.rig1", "x"])
        assert (await miner.recv())["method"] == "mining.set_difficulty"
        job = pool.builder.build(make_template(pool.tip, pool.clock()), False, pool.clock())
        pool.jobs.add(job)
        pool.server.broadcast(job)
        notify = await miner.recv()
        assert notify["params"][0] == job.job_id and notify["params"][8] is True
        assert (await miner.submit_share())["result"] is True
    finally:
        await pool.server.stop()


def test_the_listener_runs_on_uvloop_too() -> None:
    """The pool runs on uvloop, whose transports are not asyncio.Transport subclasses."""

    async def scenario() -> None:
        pool = await start_pool()
        try:
            miner = await pool.mining()
            assert (await miner.submit_share())["result"] is True
            pool.new_job(new_tip=True)
            await miner.until("mining.notify")
            assert (await miner.submit_share())["result"] is True
        finally:
            await pool.server.stop()
        assert await miner.closed()
        assert miner.lines[-1]["method"] == "client.reconnect"

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(scenario())


def test_per_ip_limits_key_ipv6_by_its_64_prefix() -> None:
    key = StratumServer.address_key
    assert key("192.0.2.7") == "192.0.2.7"
    assert key("2001:db8:1:2:aaaa::1") == key("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert key("2001:db8:1:3::1") != key("2001:db8:1:2::1")
    assert key("::ffff:192.0.2.7") == "192.0.2.7"
    assert key("fe80::1%eth0") == "fe80::/64"
