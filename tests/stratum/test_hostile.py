"""Hostile miners get the documented error or disconnect, and a well-behaved miner connected at
the same time keeps being served (security reference §1.9-1.11, §1.17, §2.1, §3).

Hostile connections come from 127.0.0.2 and up; the well-behaved one from 127.0.0.1, so per-IP
limits and bans can be seen to hit only the offender.
"""

from __future__ import annotations

import asyncio
import json
import socket

import pytest

from .harness import MakePool, Pool, eventually
from .miner import Miner, miss

HOSTILE_IP = "127.0.0.2"


async def still_served(miner: Miner) -> None:
    await miner.drain()
    reply = await miner.submit_share()
    assert reply["result"] is True, reply


JUNK = {
    "malformed JSON": b'{"id": 1, "method": "mining.subscribe", "params": [}\n',
    "NaN": b'{"id":1,"method":"mining.suggest_difficulty","params":[NaN]}\n',
    "Infinity": b'{"id":1,"method":"mining.suggest_difficulty","params":[Infinity]}\n',
    "duplicate keys": b'{"id":1,"method":"mining.subscribe","params":[],"params":[1]}\n',
    "lone surrogate": b'{"id":1,"method":"mining.subscribe","params":["\\udbff"]}\n',
    "deep nesting": b'{"id":1,"method":"x","params":' + b"[" * 500 + b"]" * 500 + b"}\n",
    "binary": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n",  # a TLS ClientHello
    "not an object": b"[1,2,3]\n",
}


@pytest.mark.parametrize("payload", JUNK.values(), ids=JUNK.keys())
async def test_junk_gets_error_20_and_a_disconnect(pool: Pool, payload: bytes) -> None:
    good = await pool.mining()
    bad = await pool.miner(HOSTILE_IP)
    await bad.send_raw(payload)
    assert await bad.closed()
    [line] = bad.lines
    assert line["id"] is None and line["error"][0] == 20
    assert line["error"][1].endswith("disconnecting")
    await still_served(good)


async def test_an_oversize_line_disconnects_and_its_tail_is_never_parsed(pool: Pool) -> None:
    good = await pool.mining()
    bad = await pool.miner(HOSTILE_IP)
    tail = b'{"id":7,"method":"mining.subscribe","params":[]}\n'
    await bad.send_raw(b"A" * 5000 + tail)
    assert await bad.closed()
    assert all(line.get("id") != 7 for line in bad.lines)
    assert [line["error"][1] for line in bad.lines] == ["line too long, disconnecting"]
    await still_served(good)


async def test_a_partial_line_growing_past_the_cap_disconnects(pool: Pool) -> None:
    good = await pool.mining()
    bad = await pool.miner(HOSTILE_IP)
    for _ in range(5):
        await bad.send_raw(b'{"id":1,"method":"mining.subscribe","params":["' + b"x" * 1000)
    assert await bad.closed()
    await still_served(good)


async def test_a_line_of_exactly_the_cap_is_accepted(pool: Pool) -> None:
    miner = await pool.miner()
    body = b'{"id":1,"method":"mining.extranonce.subscribe","params":[]'
    line = body + b" " * (4096 - len(body) - 1) + b"}"
    assert len(line) == 4096
    await miner.send_raw(line + b"\r\n")
    assert await miner.recv() == {"id": 1, "result": True, "error": None}


async def test_a_message_flood_is_cut_off_by_the_rate_limit(pool: Pool) -> None:
    good = await pool.mining()
    bad = await pool.miner(HOSTILE_IP)
    line = b'{"id":1,"method":"mining.extranonce.subscribe","params":[]}\n'
    await bad.send_raw(line * 300)
    assert await bad.closed()
    assert len(bad.lines) <= 100  # the burst, then nothing more
    await still_served(good)


async def test_steady_traffic_under_the_rate_is_fine(make_pool: MakePool) -> None:
    pool = await make_pool(message_rate=1000.0, message_burst=5)
    miner = await pool.mining()
    for _ in range(20):
        await asyncio.sleep(0.005)
        assert (await miner.call("mining.extranonce.subscribe", []))["result"] is True


async def test_too_many_unauthenticated_sockets_from_one_ip_are_refused(
    make_pool: MakePool,
) -> None:
    pool = await make_pool(max_unauthenticated_per_ip=3)
    good = await pool.mining()
    idle = [await pool.miner(HOSTILE_IP) for _ in range(3)]
    extra = await pool.miner(HOSTILE_IP)
    assert await extra.closed()
    other_ip = await pool.miner("127.0.0.3")
    assert await other_ip.closed(0.2) is False
    # Once one of them authorizes it no longer counts, and another may connect.
    await idle[0].handshake()
    assert await eventually(lambda: pool.server.session_count == 5)
    again = await pool.miner(HOSTILE_IP)
    assert await again.closed(0.2) is False
    await still_served(good)


async def test_new_connections_per_ip_are_rate_limited(make_pool: MakePool) -> None:
    pool = await make_pool(new_connection_rate_per_ip=0.01, new_connection_burst_per_ip=3)
    good = await pool.mining()
    first = [await pool.miner(HOSTILE_IP) for _ in range(3)]
    refused = await pool.miner(HOSTILE_IP)
    assert await refused.closed()
    assert not any([await m.closed(0.05) for m in first])
    await still_served(good)


async def test_the_global_connection_cap_accepts_and_closes(make_pool: MakePool) -> None:
    pool = await make_pool(max_connections=2)
    good = await pool.mining()
    second = await pool.miner(HOSTILE_IP)
    third = await pool.miner("127.0.0.3")
    assert await third.closed()
    assert await second.closed(0.1) is False
    await still_served(good)


async def test_a_silent_socket_is_dropped_at_the_first_message_deadline(
    make_pool: MakePool,
) -> None:
    pool = await make_pool(first_message_timeout=0.2)
    good = await pool.mining()
    silent = await pool.miner(HOSTILE_IP)
    assert await silent.closed(2.0)
    await still_served(good)


async def test_an_unauthorized_socket_is_dropped_at_the_authorize_deadline(
    make_pool: MakePool,
) -> None:
    pool = await make_pool(authorize_timeout=0.3)
    good = await pool.mining()
    lazy = await pool.miner(HOSTILE_IP)
    await lazy.call("mining.subscribe", [])
    assert await lazy.closed(2.0)
    await still_served(good)


async def test_an_authorized_miner_without_shares_is_dropped_when_idle(pool: Pool) -> None:
    good = await pool.mining()
    idle = await pool.mining("bob.rig", HOSTILE_IP)
    pool.clock.advance(400)
    await still_served(good)
    pool.clock.advance(250)
    assert await idle.closed()
    await still_served(good)


def raw_slow_reader(port: int) -> socket.socket:
    """A miner that subscribes and authorizes, then never reads (tiny receive buffer)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    sock.bind((HOSTILE_IP, 0))
    sock.connect(("127.0.0.1", port))
    sock.sendall(
        b'{"id":1,"method":"mining.subscribe","params":[]}\n'
        b'{"id":2,"method":"mining.authorize","params":["bob.slow","x"]}\n'
    )
    return sock


async def test_a_slow_reader_is_dropped_when_its_send_queue_is_full(
    make_pool: MakePool,
) -> None:
    pool = await make_pool(max_send_queue=16 * 1024)
    good = await pool.mining()
    slow = raw_slow_reader(pool.port)
    try:
        assert await eventually(lambda: pool.server.mining_count == 2)
        for _ in range(100):
            for _ in range(20):
                pool.new_job()
            await asyncio.sleep(0.01)
            if pool.server.session_count == 1:
                break
        assert pool.server.session_count == 1
        await still_served(good)
    finally:
        slow.close()


async def test_a_blocked_writer_is_dropped_after_the_blocked_write_deadline(
    make_pool: MakePool,
) -> None:
    pool = await make_pool(max_send_queue=8 << 20, blocked_write_timeout=0.3)
    good = await pool.mining()
    slow = raw_slow_reader(pool.port)
    try:
        assert await eventually(lambda: pool.server.mining_count == 2)
        for _ in range(400):
            pool.new_job()
        assert pool.server.session_count == 2
        assert await eventually(lambda: pool.server.session_count == 1)
        await still_served(good)
    finally:
        slow.close()


async def test_repeated_junk_bans_the_address_for_a_while(pool: Pool) -> None:
    good = await pool.mining()
    for _ in range(3):
        bad = await pool.miner(HOSTILE_IP)
        await bad.send_raw(b"GET / HTTP/1.1\r\n")
        assert await bad.closed()
    banned = await pool.miner(HOSTILE_IP)
    assert await banned.closed()
    assert banned.lines == []
    neighbour = await pool.miner("127.0.0.3")
    assert (await neighbour.call("mining.subscribe", []))["error"] is None
    pool.clock.advance(181)
    forgiven = await pool.miner(HOSTILE_IP)
    assert (await forgiven.call("mining.subscribe", []))["error"] is None
    await still_served(good)


async def test_mostly_invalid_shares_ban_the_account_from_that_address(
    make_pool: MakePool,
) -> None:
    pool = await make_pool(invalid_share_min_shares=4)
    good = await pool.mining()
    cheat = await pool.mining("mallory.rig", HOSTILE_IP)
    job = cheat.last_job
    for _ in range(4):
        en2 = cheat.extranonce2()
        nonce = miss(job, cheat.extranonce1, en2, 1e-6)
        await cheat.send("mining.submit", cheat.submit_params(job, en2, nonce, "mallory.rig"))
    assert await cheat.closed()
    assert [line["error"][0] for line in cheat.lines if (line["id"] or 0) > 2] == [23] * 4
    again = await pool.miner(HOSTILE_IP)
    refused = await again.call("mining.authorize", ["mallory.rig2", "x"])
    assert refused["result"] is False and refused["error"][0] == 24
    assert "Banned" in refused["error"][1]
    assert (await again.call("mining.authorize", ["carol.rig", "x"]))["result"] is True
    elsewhere = await pool.miner("127.0.0.3")
    assert (await elsewhere.call("mining.authorize", ["mallory.rig", "x"]))["result"] is True
    await still_served(good)


async def test_a_few_invalid_shares_among_good_ones_are_tolerated(make_pool: MakePool) -> None:
    pool = await make_pool(invalid_share_min_shares=4)
    miner = await pool.mining()
    for round_ in range(3):
        for _ in range(3):
            await still_served(miner)
        en2 = miner.extranonce2()
        nonce = miss(miner.last_job, miner.extranonce1, en2, 1e-6)
        reply = await miner.call("mining.submit", miner.submit_params(miner.last_job, en2, nonce))
        assert reply["error"][0] == 23, round_
    await still_served(miner)


async def test_hostile_worker_names_are_escaped_in_logs(
    pool: Pool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="backend.stratum")
    miner = await pool.miner()
    await miner.call("mining.subscribe", ["agent\x1b]0;owned\x07\r\nFAKE LOG LINE"])
    await miner.call("mining.authorize", ["alice.\x1b[2J\u202erig", "x"])
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "\nFAKE LOG LINE" not in text
    assert "\\x1b" in text


async def test_an_echoed_hostile_id_comes_back_escaped(pool: Pool) -> None:
    miner = await pool.miner()
    await miner.send_raw(
        json.dumps({"id": "\x1b[31m", "method": "mining.extranonce.subscribe"}).encode() + b"\n"
    )
    raw = await asyncio.wait_for(miner.reader.readline(), 2)
    assert raw.isascii() and b"\x1b" not in raw
