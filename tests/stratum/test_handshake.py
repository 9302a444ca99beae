"""Handshake orders real miners use (stratum reference §1.3, §1.4, §7), over a real socket."""

from __future__ import annotations

import json

from backend.mining.jobs import VERSION_ROLLING_MASK

from .harness import Pool, eventually


async def test_subscribe_reply_is_the_first_line_then_difficulty_then_a_clean_job(
    pool: Pool,
) -> None:
    miner = await pool.miner()
    await miner.send("mining.subscribe", ["cpuminer/2.5.1"])
    first = await miner.recv()
    assert first["id"] == 1 and first["error"] is None
    subscriptions, extranonce1, extranonce2_size = first["result"]
    # Nested pairs: NerdMiner reads result[0][0][1], cgminer the mining.notify pair's id.
    assert [pair[0] for pair in subscriptions] == ["mining.set_difficulty", "mining.notify"]
    assert isinstance(subscriptions[0][1], str)
    assert len(bytes.fromhex(extranonce1)) == 4
    assert extranonce2_size == 4
    await miner.send("mining.authorize", ["alice.rig1", "x"])
    assert await miner.recv() == {"id": 2, "result": True, "error": None}
    difficulty = await miner.recv()
    assert difficulty == {"id": None, "method": "mining.set_difficulty", "params": [1e-06]}
    notify = await miner.recv()
    assert notify["method"] == "mining.notify"
    assert notify["params"][0] == pool.jobs.current.job_id
    assert notify["params"][8] is True  # clean_jobs for the first job of a session
    assert notify["params"] == [*pool.jobs.current.notify_params()[:8], True]


async def test_configure_subscribe_authorize_pipelined_are_answered_in_order(pool: Pool) -> None:
    """ESP-Miner writes all three back to back without waiting."""
    miner = await pool.miner()
    lines = [
        {
            "id": 1,
            "method": "mining.configure",
            "params": [["version-rolling"], {"version-rolling.mask": "ffffffff"}],
        },
        {"id": 2, "method": "mining.subscribe", "params": ["bitaxe/BM1370/v2.9.0"]},
        {"id": 3, "method": "mining.authorize", "params": ["alice.bitaxe", "x"]},
    ]
    await miner.send_raw(b"".join(json.dumps(line).encode() + b"\n" for line in lines))
    configure = await miner.recv()
    assert configure == {
        "id": 1,
        "result": {"version-rolling": True, "version-rolling.mask": "1fffe000"},
        "error": None,
    }
    assert (await miner.recv())["id"] == 2
    assert await miner.recv() == {"id": 3, "result": True, "error": None}
    assert (await miner.recv())["method"] == "mining.set_difficulty"
    assert (await miner.recv())["method"] == "mining.notify"


async def test_authorize_before_subscribe_sends_nothing_unsolicited_before_the_subscribe_reply(
    pool: Pool,
) -> None:
    miner = await pool.miner()
    assert (await miner.call("mining.authorize", ["alice.rig1", "x"]))["result"] is True
    await miner.send("mining.subscribe", [])
    reply = await miner.recv()
    assert reply["id"] == 2 and reply["result"][2] == 4
    assert (await miner.recv())["method"] == "mining.set_difficulty"
    assert (await miner.recv())["method"] == "mining.notify"


async def test_configure_after_subscribe_is_still_answered(pool: Pool) -> None:
    miner = await pool.mining()
    reply = await miner.call("mining.configure", [["version-rolling"], {}])
    assert reply["result"] == {"version-rolling": True, "version-rolling.mask": "1fffe000"}
    assert (await miner.submit_share())["result"] is True


async def test_every_requested_extension_gets_a_key(pool: Pool) -> None:
    miner = await pool.miner()
    reply = await miner.call(
        "mining.configure",
        [
            ["version-rolling", "minimum-difficulty", "subscribe-extranonce", "info", "warp-9"],
            {
                "version-rolling.mask": "00FFE000",
                "version-rolling.min-bit-count": 2,
                "minimum-difficulty.value": 0.001,
                "info.hw-version": "S9\x1b[2J",
            },
        ],
    )
    assert reply["result"] == {
        "version-rolling": True,
        "version-rolling.mask": f"{0x00FFE000 & VERSION_ROLLING_MASK:08x}",
        "minimum-difficulty": True,
        "subscribe-extranonce": True,
        "info": True,
        "warp-9": False,
    }


async def test_version_rolling_without_min_bit_count_or_mask_uses_ffffffff(pool: Pool) -> None:
    miner = await pool.miner()
    reply = await miner.call("mining.configure", [["version-rolling"]])
    assert reply["result"] == {"version-rolling": True, "version-rolling.mask": "1fffe000"}


async def test_unreadable_or_disjoint_miner_mask_negotiates_no_rolling(pool: Pool) -> None:
    miner = await pool.miner()
    bad = await miner.call(
        "mining.configure", [["version-rolling"], {"version-rolling.mask": "zz"}]
    )
    assert bad["result"] == {"version-rolling": False}
    disjoint = await miner.call(
        "mining.configure", [["version-rolling"], {"version-rolling.mask": "00001fff"}]
    )
    assert disjoint["result"] == {"version-rolling": False}


async def test_malformed_configure_params_get_error_20(pool: Pool) -> None:
    miner = await pool.miner()
    reply = await miner.call("mining.configure", ["version-rolling"])
    assert reply["error"][0] == 20
    assert (await miner.call("mining.subscribe", []))["error"] is None


async def test_minimum_difficulty_sets_the_starting_difficulty(pool: Pool) -> None:
    miner = await pool.miner()
    params = [["minimum-difficulty"], {"minimum-difficulty.value": 0.004}]
    assert (await miner.call("mining.configure", params))["result"] == {"minimum-difficulty": True}
    await miner.handshake()
    assert miner.difficulty == 0.004


async def test_suggest_difficulty_pipelined_behind_authorize_is_the_start(pool: Pool) -> None:
    """NerdMiner: subscribe, then authorize and suggest_difficulty without waiting."""
    miner = await pool.miner()
    await miner.call("mining.subscribe", ["NerdMinerV2/1.7.0"])
    lines = [
        {"id": 2, "method": "mining.authorize", "params": ["alice.nerd", "x"]},
        {"id": 3, "method": "mining.suggest_difficulty", "params": [0.00015]},
    ]
    await miner.send_raw(b"".join(json.dumps(line).encode() + b"\n" for line in lines))
    assert (await miner.recv())["result"] is True
    assert await miner.recv() == {"id": 3, "result": True, "error": None}
    assert await miner.recv() == {
        "id": None,
        "method": "mining.set_difficulty",
        "params": [0.00015],
    }
    assert (await miner.recv())["method"] == "mining.notify"


async def test_suggest_before_authorize_is_kept_and_repeats_are_ignored(pool: Pool) -> None:
    miner = await pool.miner()
    await miner.call("mining.subscribe", [])
    assert (await miner.call("mining.suggest_difficulty", [0.002]))["result"] is True
    await miner.call("mining.authorize", ["alice.rig1", "x"])
    await miner.until("mining.notify")
    assert miner.difficulty == 0.002
    # NerdMiner's 30 s keepalive: answered, changes nothing, sends nothing else.
    assert (await miner.call("mining.suggest_difficulty", [0.5]))["result"] is True
    probe = await miner.call("mining.extranonce.subscribe", [])
    assert probe["result"] is True
    assert [m.get("method") for m in miner.lines[-2:]] == [None, None]


async def test_a_first_suggest_after_mining_started_resends_difficulty_and_a_new_job(
    pool: Pool,
) -> None:
    miner = await pool.mining()
    first_job = miner.last_job
    assert (await miner.call("mining.suggest_difficulty", [0.003]))["result"] is True
    difficulty = await miner.recv()
    assert difficulty["params"] == [0.003]
    notify = await miner.recv()
    assert notify["method"] == "mining.notify"
    assert notify["params"][0] != first_job[0]
    assert notify["params"][8] is False


async def test_suggest_difficulty_is_clamped_and_junk_values_refused(pool: Pool) -> None:
    miner = await pool.miner()
    await miner.call("mining.subscribe", [])
    bad = await miner.call("mining.suggest_difficulty", ["1000"])
    assert bad["error"][0] == 20
    assert (await miner.call("mining.suggest_difficulty", [-5]))["error"][0] == 20
    assert (await miner.call("mining.suggest_difficulty", [1e300]))["result"] is True
    await miner.call("mining.authorize", ["alice.rig1", "x"])
    await miner.until("mining.notify")
    assert miner.difficulty == 1e15  # VardiffSettings.maximum


async def test_notifications_without_id_get_no_reply(pool: Pool) -> None:
    miner = await pool.miner()
    await miner.send("mining.suggest_difficulty", [0.01], msg_id=None)
    await miner.send("mining.unheard_of", [], msg_id=None)
    await miner.send("pong", [], msg_id=42)  # ESP-Miner's answer to mining.ping
    await miner.send("mining.multi_version", [1], msg_id=9)  # bmminer
    await miner.send_raw(b'{"id":5,"result":"cgminer/4.10","error":null}\n')  # a response
    reply = await miner.call("mining.extranonce.subscribe", [])
    assert miner.lines == [reply] and reply["result"] is True


async def test_unknown_request_gets_error_20_and_the_connection_stays(pool: Pool) -> None:
    miner = await pool.mining()
    reply = await miner.call("mining.get_transactions", ["1"])
    assert reply["error"] == [20, "Method not found", None]
    assert (await miner.submit_share())["result"] is True


async def test_a_repeated_subscribe_gets_the_same_extranonce(pool: Pool) -> None:
    miner = await pool.miner()
    first = await miner.call("mining.subscribe", [])
    second = await miner.call("mining.subscribe", [])
    assert first["result"] == second["result"]
    assert pool.extranonces.live == 1


async def test_extranonce1_is_unique_per_connection_and_released_on_disconnect(
    pool: Pool,
) -> None:
    miners = [await pool.mining(f"alice.rig{i}") for i in range(5)]
    assert len({m.extranonce1 for m in miners}) == 5
    assert pool.extranonces.live == 5
    for miner in miners:
        await miner.close()
    assert await eventually(lambda: pool.extranonces.live == 0)
    assert pool.server.session_count == 0


async def test_several_workers_on_one_connection_each_credited_to_their_identity(
    pool: Pool,
) -> None:
    miner = await pool.mining("alice.rig1")
    assert (await miner.call("mining.authorize", ["bob.proxy7", "x"]))["result"] is True
    assert (await miner.submit_share("bob.proxy7"))["result"] is True
    assert (await miner.submit_share("alice.rig1"))["result"] is True
    identities = [(i.account, i.worker) for i, _, _ in pool.sink.events]
    assert identities == [("bob", "proxy7"), ("alice", "rig1")]


async def test_failed_authorize_is_false_with_24_and_backs_off(pool: Pool) -> None:
    miner = await pool.miner()
    reply = await miner.call("mining.authorize", ["badguy.rig", "x"])
    assert reply == {"id": 1, "result": False, "error": [24, "Unknown account", None]}
    # Within the back-off the authorizer is not even asked.
    again = await miner.call("mining.authorize", ["badguy.rig", "x"])
    assert again["result"] is False and again["error"][0] == 24
    assert "retry in 3 s" in again["error"][1]
    assert len(pool.authorizer.calls) == 1
    pool.clock.advance(3.1)
    assert (await miner.call("mining.authorize", ["badguy.rig", "x"]))["error"][0] == 24
    assert len(pool.authorizer.calls) == 2
    pool.clock.advance(3.1)  # the second failure doubled the wait to 6 s
    blocked = await miner.call("mining.authorize", ["badguy.rig", "x"])
    assert "retry in 3 s" in blocked["error"][1]
    assert len(pool.authorizer.calls) == 2
    # Other names are not affected.
    assert (await miner.call("mining.authorize", ["alice.rig1", "x"]))["result"] is True


async def test_usernames_that_are_not_short_strings_are_refused_locally(pool: Pool) -> None:
    miner = await pool.miner()
    for params in ([], [7, "x"], ["", "x"], ["a" * 161, "x"], ["alice.rig", ["x"]]):
        reply = await miner.call("mining.authorize", params)
        assert reply["result"] is False and reply["error"][0] == 24
    assert pool.authorizer.calls == []
    assert (await miner.call("mining.authorize", ["alice.rig1", None]))["result"] is True


async def test_slow_authorizer_holds_later_lines_so_replies_stay_in_order(pool: Pool) -> None:
    pool.authorizer.delay = 0.2
    miner = await pool.miner()
    lines = [
        {"id": 1, "method": "mining.authorize", "params": ["alice.rig1", "x"]},
        {"id": 2, "method": "mining.subscribe", "params": []},
        {"id": 3, "method": "mining.extranonce.subscribe", "params": []},
    ]
    await miner.send_raw(b"".join(json.dumps(line).encode() + b"\n" for line in lines))
    order = [(await miner.recv()).get("id") for _ in range(5)]
    assert order == [1, 2, 3, None, None]
