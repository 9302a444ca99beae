"""Retargeting toward the block interval, driven by simulated solve times."""

from __future__ import annotations

import itertools
import random
import statistics

import pytest

from backend.bitcoin.target import bits_to_target, target_to_bits
from backend.chain.params import GENESIS_BITS, GENESIS_TIME, REGTEST_POW_LIMIT, ChainParams
from backend.chain.retarget import BlockPoint, block_work, next_bits, next_target

START = 1_700_000_000
GENESIS = BlockPoint(0, GENESIS_TIME, GENESIS_BITS)


def simulate(
    params: ChainParams,
    hashrates: list[float],
    *,
    rng: random.Random | None = None,
) -> tuple[list[BlockPoint], list[float]]:
    """A chain mined at ``hashrates[i]`` for block i+1: the solve time is the block's work over
    the hashrate (times an exponential draw with ``rng``), applying the stall rule as a pool
    refreshing its work would. Returns the points and the solve times."""
    points = [GENESIS]
    now = float(START)
    solve_times = []
    window = params.retarget_window + 1
    for hashrate in hashrates:
        bits = next_bits(params, points[-window:], int(now))
        draw = rng.expovariate(1.0) if rng else 1.0
        solve = draw * block_work(bits) / hashrate
        parent_time = points[-1].time
        if len(points) > 1 and int(now + solve) - parent_time > params.stall_seconds:
            # The work refreshed past the stall point is at minimum difficulty: found at once.
            solve = parent_time + params.stall_seconds + 1 - now
            bits = target_to_bits(params.pow_limit)
        now += solve
        points.append(BlockPoint(len(points), int(now), bits))
        solve_times.append(solve)
    return points, solve_times


def test_pow_limit_is_the_genesis_target():
    assert ChainParams().pow_limit == bits_to_target(0x207FFFFF) == REGTEST_POW_LIMIT
    assert target_to_bits(REGTEST_POW_LIMIT) == 0x207FFFFF
    assert block_work(0x207FFFFF) == 2


def test_child_of_genesis_uses_pow_limit():
    assert next_target(ChainParams(), [GENESIS], START) == REGTEST_POW_LIMIT


@pytest.mark.parametrize("hashrate", [1e3, 1e6, 1e9, 1e14])
def test_converges_to_the_interval_from_genesis(hashrate):
    params = ChainParams()
    _, solve_times = simulate(params, [hashrate] * 60)
    for solve in solve_times[-20:]:
        assert solve == pytest.approx(params.target_block_interval, rel=0.05)


def test_a_1mhs_miner_reaches_one_minute_blocks_quickly():
    """From genesis, a 1 MH/s CPU miner spends under two minutes before blocks take a minute."""
    params = ChainParams()
    _, solve_times = simulate(params, [1e6] * 40)
    first_slow = next(i for i, t in enumerate(solve_times) if t > params.target_block_interval / 2)
    assert first_slow <= 15
    assert sum(solve_times[:first_slow]) < 120


def test_follows_a_hashrate_step_up_and_down():
    params = ChainParams()
    rates = [1e6] * 60 + [1e7] * 60 + [1e6] * 60
    _, solve_times = simulate(params, rates)
    interval = params.target_block_interval
    assert solve_times[60] == pytest.approx(interval / 10, rel=0.01)
    assert solve_times[120] == pytest.approx(interval * 10, rel=0.01)
    for block in (59, 79, 119, 139, 179):
        assert solve_times[block] == pytest.approx(interval, rel=0.1)
    # A tenfold drop: the slow blocks take about ten intervals, short of the stall rule.
    assert max(solve_times[120:]) < params.stall_seconds


def test_a_hundredfold_drop_resets_through_the_stall_rule():
    params = ChainParams()
    points, solve_times = simulate(params, [1e7] * 60 + [1e5] * 60)
    reset = points[61]
    assert reset.bits == 0x207FFFFF
    assert reset.time - points[60].time == params.stall_seconds + 1
    assert solve_times[-1] == pytest.approx(params.target_block_interval, rel=0.1)


def test_each_step_is_clamped():
    params = ChainParams()
    points, _ = simulate(params, [1e9] * 30 + [2e8] * 30)
    targets = [bits_to_target(p.bits) for p in points]
    steps = list(itertools.pairwise(targets[1:]))
    for parent, child in steps:
        assert child <= parent * 4
        # Compact bits keep 23 bits of mantissa, so a quartered target may round a little lower.
        assert parent * 2**14 <= child * 4 * (2**14 + 1)
    assert any(parent == child * 4 for parent, child in steps[:10]), "the climb hits the clamp"
    assert max(targets) <= params.pow_limit


def test_never_easier_than_pow_limit():
    params = ChainParams()
    points = [GENESIS]
    # Blocks a full stall apart would reset; these are slow but just inside the window.
    for height in range(1, 30):
        time = START + height * (params.stall_seconds - 1)
        bits = next_bits(params, points[-13:], time)
        assert bits == 0x207FFFFF
        points.append(BlockPoint(height, time, bits))


def test_stall_rule_drops_to_pow_limit_and_restarts_the_window():
    params = ChainParams(target_block_interval=10)
    points, _ = simulate(params, [1e6] * 30)
    parent = points[-1]
    hard = next_target(params, points[-13:], parent.time + params.stall_seconds)
    assert hard < params.pow_limit // 1000
    late = parent.time + params.stall_seconds + 1
    assert next_target(params, points[-13:], late) == params.pow_limit
    reset = BlockPoint(parent.height + 1, late, 0x207FFFFF)
    history = [*points[-12:], reset]
    # Nothing measured since the reset yet: keep its target.
    assert next_target(params, history, late + 1) == params.pow_limit
    # One fast block after it: 4x harder, ignoring the hard blocks before the reset.
    after = BlockPoint(reset.height + 1, late + 1, 0x207FFFFF)
    assert next_target(params, [*history, after], late + 2) == params.pow_limit // 4


def test_timestamps_going_backwards_do_not_break_it():
    params = ChainParams()
    points = [GENESIS, BlockPoint(1, START, 0x207FFFFF)]
    for height in range(2, 20):
        time = START - height  # each block older than the last
        bits = next_bits(params, points[-13:], time)
        assert bits_to_target(bits) <= params.pow_limit
        points.append(BlockPoint(height, time, bits))


def test_random_solve_times_average_near_the_interval():
    params = ChainParams()
    _, solve_times = simulate(params, [5e6] * 3000, rng=random.Random(7))
    mean = statistics.fmean(solve_times[100:])
    assert mean == pytest.approx(params.target_block_interval, rel=0.1)


def test_shorter_interval_is_configurable():
    params = ChainParams(target_block_interval=5)
    _, solve_times = simulate(params, [1e6] * 50)
    assert solve_times[-1] == pytest.approx(5, rel=0.05)


@pytest.mark.parametrize(
    "field",
    [
        {"target_block_interval": 0},
        {"retarget_window": 0},
        {"max_retarget_step": 1},
        {"stall_reset_intervals": 1},
        {"pow_limit": 0},
        {"synthetic_transactions": -1},
    ],
)
def test_params_are_validated(field):
    with pytest.raises(ValueError):
        ChainParams(**field)


def test_subsidy_halves_on_the_mainnet_schedule():
    params = ChainParams()
    assert params.subsidy(0) == params.subsidy(209_999) == 50 * 100_000_000
    assert params.subsidy(210_000) == 25 * 100_000_000
    assert params.subsidy(64 * 210_000) == 0
    assert ChainParams(halving_interval=150).subsidy(150) == 25 * 100_000_000
