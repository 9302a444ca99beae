"""Difficulty retargeting of the embedded chain: every block, toward ``target_block_interval``.

The rule, for a block on ``parent`` with time ``t``:

1. The child of genesis, and any block more than ``stall_seconds`` after its parent, must use
   ``pow_limit`` (the second is testnet's minimum-difficulty rule: a chain left at a fast
   miner's difficulty must not lock out a slow one).
2. Otherwise walk back over at most ``retarget_window`` blocks, stopping early at block 1 (the
   genesis timestamp is from 2011 and says nothing) and at a minimum-difficulty reset block (the
   history before it is a different miner). The hashrate is the work of those blocks over the
   seconds they took, and the next target is the one whose work that hashrate does in
   ``target_block_interval`` seconds.
3. The result is kept within ``max_retarget_step`` of the parent's target and never easier
   than ``pow_limit``.

Estimating hashrate as work over time, rather than averaging targets, means a window full of
the fast, easy blocks of the climb from genesis does not push the difficulty past the miner's
real speed: each of those blocks took as long as its work needed at that speed. From genesis a
1 MH/s miner reaches one-minute blocks after about 13 blocks, most of them instant.

Timestamps are whole seconds and may go backwards within consensus rules, so the measured span
is at least one second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from backend.bitcoin.target import bits_to_target, target_to_bits
from backend.chain.params import ChainParams

_TWO_256 = 1 << 256


@dataclass(frozen=True, slots=True)
class BlockPoint:
    """What retargeting needs of one ancestor: its height, time and bits."""

    height: int
    time: int
    bits: int


def block_work(bits: int) -> int:
    """Expected hashes to find a block with these bits: 2^256 / (target + 1) (``GetBlockProof``)."""
    target = bits_to_target(bits)
    if target <= 0:
        return 0
    return _TWO_256 // (target + 1)


def is_reset_block(params: ChainParams, point: BlockPoint, parent: BlockPoint) -> bool:
    """True when ``point`` came too long after ``parent`` and so used the minimum difficulty."""
    return parent.height == 0 or point.time - parent.time > params.stall_seconds


def next_target(params: ChainParams, history: Sequence[BlockPoint], block_time: int) -> int:
    """The target a block with time ``block_time`` on ``history[-1]`` must meet.

    ``history`` holds the parent's ancestors, oldest first and ending at the parent, at least
    ``retarget_window + 1`` of them or back to genesis (fewer only near the start of the chain).
    """
    if not history:
        raise ValueError("history must contain at least the parent block")
    parent = history[-1]
    limit = params.pow_limit
    if parent.height == 0 or block_time - parent.time > params.stall_seconds:
        return limit
    work = 0
    intervals = 0
    start = len(history) - 1
    while intervals < params.retarget_window and start > 0:
        point, before = history[start], history[start - 1]
        if is_reset_block(params, point, before):
            break
        work += block_work(point.bits)
        intervals += 1
        start -= 1
    parent_target = bits_to_target(parent.bits)
    if intervals == 0:
        return min(parent_target, limit)
    span = max(1, parent.time - history[start].time)
    # hashrate = work / span; target for hashrate * interval hashes = 2^256 / that - 1.
    target = _TWO_256 * span // (work * params.target_block_interval) - 1
    step = params.max_retarget_step
    target = max(parent_target // step, min(target, parent_target * step))
    return max(1, min(target, limit))


def next_bits(params: ChainParams, history: Sequence[BlockPoint], block_time: int) -> int:
    """The compact bits a block with time ``block_time`` on ``history[-1]`` must carry."""
    return target_to_bits(next_target(params, history, block_time))
