"""mining.submit over a real socket: every reject reason, credited once, difficulty per job
(stratum reference §1.3, §2, §2.9; security reference §1.1-1.5, §1.8)."""

from __future__ import annotations

import pytest

from backend.mining.jobs import VERSION_ROLLING_MASK
from backend.mining.vardiff import VardiffSettings

from .harness import MakePool, Pool
from .miner import grind, miss


def reject(code: int, message: str) -> dict[str, object]:
    return {"result": False, "error": [code, message, None], "reject-reason": message}


def without_id(reply: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in reply.items() if k != "id"}


async def test_an_accepted_share_is_true_and_reaches_the_sink_with_the_identity(
    pool: Pool,
) -> None:
    miner = await pool.mining("alice.rig1")
    reply = await miner.submit_share()
    assert reply == {"id": reply["id"], "result": True, "error": None}
    [(identity, result, peer)] = pool.sink.events
    assert (identity.account, identity.worker, identity.anonymous) == ("alice", "rig1", False)
    assert result.accepted and result.difficulty == 1e-06
    assert result.share_difficulty >= 1e-06
    assert result.job is not None and result.job.job_id == miner.last_job[0]
    assert peer.startswith("127.0.0.1:")


async def test_a_case_variant_of_an_accepted_share_is_a_duplicate_credited_once(
    pool: Pool,
) -> None:
    miner = await pool.mining()
    job, en2, nonce = miner.solve()
    params = miner.submit_params(job, en2, nonce)
    assert (await miner.call("mining.submit", params))["result"] is True
    variants = [
        [*params[:2], params[2].upper(), *params[3:]],
        [*params[:4], params[4].upper()],
        [*params[:4], params[4].lstrip("0") or "0"],
        [*params[:3], params[3].upper(), params[4]],
    ]
    for variant in variants:
        reply = await miner.call("mining.submit", variant)
        assert without_id(reply) == reject(22, "Duplicate share")
    assert len(pool.sink.accepted) == 1
    assert [r.reason.value for r in pool.sink.rejected] == ["duplicate"] * len(variants)


async def test_a_share_above_the_target_is_low_difficulty(pool: Pool) -> None:
    miner = await pool.mining()
    job = miner.last_job
    en2 = miner.extranonce2()
    nonce = miss(job, miner.extranonce1, en2, 1e-6)
    reply = await miner.call("mining.submit", miner.submit_params(job, en2, nonce))
    assert without_id(reply) == reject(23, "Low difficulty share")
    assert pool.sink.accepted == []


async def test_a_short_nonce_is_padded_and_accepted(pool: Pool) -> None:
    """NerdMiner sends nonces without leading zeros (reference §2.8)."""
    miner = await pool.mining()
    job = miner.last_job
    for _ in range(50):
        en2 = miner.extranonce2()
        nonce = grind(job, miner.extranonce1, en2, 1e-6)
        if nonce < 0x10000000:
            break
    params = [*miner.submit_params(job, en2, nonce)[:4], f"{nonce:x}"]
    assert (await miner.call("mining.submit", params))["result"] is True


async def test_submit_before_subscribe_is_25_and_before_authorize_is_24(pool: Pool) -> None:
    miner = await pool.miner()
    params = ["alice.rig1", "1", "00000000", "6b000000", "00000000"]
    assert without_id(await miner.call("mining.submit", params)) == reject(25, "Not subscribed")
    await miner.call("mining.subscribe", [])
    unauthorized = await miner.call("mining.submit", params)
    assert without_id(unauthorized) == reject(24, "Unauthorized worker")
    await miner.call("mining.authorize", ["alice.rig1", "x"])
    other_worker = await miner.call("mining.submit", ["mallory.rig", *params[1:]])
    assert without_id(other_worker) == reject(24, "Unauthorized worker")
    assert pool.sink.events == []  # nobody to attribute these to


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (2, "0000000", "Invalid extranonce2 length"),  # odd length
        (2, "000000", "Invalid extranonce2 length"),
        (2, "0000000000", "Invalid extranonce2 length"),
        (2, "0000000g", "Malformed submit"),
        (2, "00 00000", "Malformed submit"),
        (3, "0x6b0000", "Malformed submit"),
        (3, "123456789", "Malformed submit"),
        (4, " 1234567", "Malformed submit"),
        (4, "-1", "Malformed submit"),
        (4, "\uff11\uff12\uff13", "Malformed submit"),  # full-width digits: int() takes them
        (4, 12345678, "Malformed submit"),
    ],
)
async def test_wrong_length_and_non_hex_fields_are_20(
    pool: Pool, field: int, value: object, message: str
) -> None:
    miner = await pool.mining()
    job, en2, nonce = miner.solve()
    params: list[object] = miner.submit_params(job, en2, nonce)
    params[field] = value
    reply = await miner.call("mining.submit", params)
    assert without_id(reply) == reject(20, message)
    assert [r.reason.code for r in pool.sink.rejected] == [20]
    # The untouched share is still good: nothing was remembered for the bad one.
    assert (await miner.submit_share())["result"] is True


@pytest.mark.parametrize("count", [0, 4, 7])
async def test_wrong_param_count_is_malformed(pool: Pool, count: int) -> None:
    miner = await pool.mining()
    params = ["alice.rig1", "1", "00000000", "6b000000", "00000000", "00000000", "x"][:count]
    reply = await miner.call("mining.submit", params)
    assert reply["error"][0] in (20, 24)


async def test_version_bits_outside_the_negotiated_mask_are_refused(pool: Pool) -> None:
    miner = await pool.miner()
    await miner.call(
        "mining.configure", [["version-rolling"], {"version-rolling.mask": "ffffffff"}]
    )
    await miner.handshake()
    job = miner.last_job
    for bits in (0x80000000, 0x00001000, VERSION_ROLLING_MASK | 1):
        en2 = miner.extranonce2()
        nonce = grind(job, miner.extranonce1, en2, 1e-6, version_bits=bits)
        params = [*miner.submit_params(job, en2, nonce), f"{bits:08x}"]
        reply = await miner.call("mining.submit", params)
        assert without_id(reply) == reject(20, "Invalid version mask")
    # Bits inside the mask roll the version: accepted (ESP-Miner always sends 6 params).
    bits = 0x00006000
    job, en2, nonce = miner.solve(version_bits=bits)
    params = [*miner.submit_params(job, en2, nonce), f"{bits:08x}"]
    assert (await miner.call("mining.submit", params))["result"] is True


async def test_version_bits_without_negotiation_are_refused_unless_zero(pool: Pool) -> None:
    miner = await pool.mining()
    job, en2, nonce = miner.solve()
    rolled = [*miner.submit_params(job, en2, nonce), "00002000"]
    assert without_id(await miner.call("mining.submit", rolled)) == reject(
        20, "Invalid version mask"
    )
    zero = [*miner.submit_params(job, en2, nonce), "00000000"]
    assert (await miner.call("mining.submit", zero))["result"] is True


@pytest.mark.parametrize("offset", [-1, 7001])
async def test_ntime_outside_the_window_is_20(pool: Pool, offset: int) -> None:
    miner = await pool.mining()
    job = miner.last_job
    ntime = int(job[7], 16) + offset
    en2 = miner.extranonce2()
    params = ["alice.rig1", job[0], en2.hex(), f"{ntime:08x}", "00000000"]
    reply = await miner.call("mining.submit", params)
    assert without_id(reply) == reject(20, "Ntime out of range")


async def test_a_rolled_ntime_inside_the_window_is_accepted(pool: Pool) -> None:
    miner = await pool.mining()
    job = list(miner.last_job)
    job[7] = f"{int(job[7], 16) + 60:08x}"
    miner.job_difficulty[job[0]] = 1e-6
    job_, en2, nonce = miner.solve(job)
    assert (await miner.call("mining.submit", miner.submit_params(job_, en2, nonce)))["result"]


async def test_a_share_on_the_previous_tip_is_stale(pool: Pool) -> None:
    miner = await pool.mining()
    old_job, en2, nonce = miner.solve()
    new_job = pool.new_job(new_tip=True)
    notify = await miner.until("mining.notify")
    assert notify["params"][0] == new_job.job_id and notify["params"][8] is True
    reply = await miner.call("mining.submit", miner.submit_params(old_job, en2, nonce))
    assert without_id(reply) == reject(21, "Stale")
    assert (await miner.submit_share())["result"] is True


async def test_an_unknown_job_is_21_job_not_found(pool: Pool) -> None:
    miner = await pool.mining()
    job = [*miner.last_job]
    job[0] = "ffff"
    params = miner.submit_params(job, miner.extranonce2(), 0)
    assert without_id(await miner.call("mining.submit", params)) == reject(21, "Job not found")


async def test_a_job_issued_before_this_connection_subscribed_is_not_its_job(pool: Pool) -> None:
    older = pool.jobs.current
    pool.new_job()
    miner = await pool.mining()
    job = older.notify_params()
    miner.job_difficulty[job[0]] = 1e-6
    job_, en2, nonce = miner.solve(job)
    params = miner.submit_params(job_, en2, nonce)
    assert without_id(await miner.call("mining.submit", params)) == reject(21, "Job not found")


async def test_broadcast_writes_the_same_job_to_every_mining_session(pool: Pool) -> None:
    miners = [await pool.mining(f"alice.rig{i}") for i in range(3)]
    pending = await pool.miner()  # not subscribed: gets no jobs
    job = pool.new_job()
    for miner in miners:
        notify = await miner.until("mining.notify")
        assert notify["params"] == job.notify_params()
        assert (await miner.submit_share(f"alice.rig{miners.index(miner)}"))["result"] is True
    assert pool.server.mining_count == 3 and pool.server.session_count == 4
    assert await pending.closed(0.2) is False and pending.lines == []


async def test_vardiff_change_sends_difficulty_then_a_new_job_and_old_jobs_keep_theirs(
    make_pool: MakePool,
) -> None:
    pool = await make_pool(
        vardiff=VardiffSettings(minimum=1e-10, retarget_interval=30.0, target_interval=10.0)
    )
    miner = await pool.mining()
    old_job = miner.last_job
    for _ in range(12):
        pool.clock.advance(2.0)
        assert (await miner.submit_share())["result"] is True
    pool.clock.advance(10.0)
    job, en2, nonce = miner.solve()  # ground before the change, at the old difficulty
    assert (await miner.submit_share())["result"] is True
    set_difficulty = await miner.recv()
    assert set_difficulty["method"] == "mining.set_difficulty"
    new_difficulty = set_difficulty["params"][0]
    assert new_difficulty > 2e-6
    notify = await miner.recv()
    assert notify["method"] == "mining.notify"
    assert notify["params"][0] != old_job[0] and notify["params"][8] is False
    # The old job keeps the difficulty it was issued at: credited at 1e-6, never more.
    assert (await miner.call("mining.submit", miner.submit_params(job, en2, nonce)))["result"]
    assert pool.sink.accepted[-1].difficulty == 1e-6
    # The new job needs the new difficulty.
    new_job = notify["params"]
    en2 = miner.extranonce2()
    weak = miss(new_job, miner.extranonce1, en2, new_difficulty)
    reply = await miner.call("mining.submit", miner.submit_params(new_job, en2, weak))
    assert without_id(reply) == reject(23, "Low difficulty share")
    good = await miner.submit_share()
    assert good["result"] is True and pool.sink.accepted[-1].difficulty == new_difficulty


async def test_a_broken_sink_does_not_take_the_connection_down(pool: Pool) -> None:
    def explode(*_: object) -> None:
        raise RuntimeError("ledger down")

    pool.sink.share = explode  # type: ignore[method-assign]
    miner = await pool.mining()
    assert (await miner.submit_share())["result"] is True
    assert (await miner.submit_share())["result"] is True
