"""Found blocks: pending until 100 confirmations, orphaned once a rival at their height is two
deep, and final after either."""

from backend.ledger.blocks import (
    BLOCK_CONFIRMATIONS,
    BlockStatus,
    FoundBlock,
    check_block,
)

OURS = bytes(range(32))
RIVAL = bytes(range(1, 33))
BLOCK = FoundBlock(height=500, hash=OURS, account="alice", worker="rig1", value=5_000_000_000,
                   found_at=1_733_011_200)  # fmt: skip


def test_hash_hex_is_display_order():
    assert BLOCK.hash_hex == OURS[::-1].hex()


def test_pending_until_enough_confirmations():
    check = check_block(BLOCK, OURS, tip_height=500 + BLOCK_CONFIRMATIONS - 2)
    assert (check.block.status, check.confirmations, check.changed) == (
        BlockStatus.PENDING, 99, False
    )  # fmt: skip
    check = check_block(BLOCK, OURS, tip_height=599)
    assert (check.block.status, check.confirmations, check.changed) == (
        BlockStatus.CONFIRMED, 100, True
    )  # fmt: skip


def test_orphaned_when_a_rival_is_two_deep():
    """A rival at our height with one confirmation is a race we can still win; with two it is
    final."""
    one = check_block(BLOCK, RIVAL, tip_height=500)
    assert (one.block.status, one.confirmations, one.changed) == (BlockStatus.PENDING, 0, False)
    two = check_block(BLOCK, RIVAL, tip_height=501)
    assert (two.block.status, two.changed) == (BlockStatus.ORPHANED, True)


def test_chain_shorter_than_the_block_stays_pending():
    """After invalidateblock the tip drops below our height: nothing is decided until the chain
    grows a rival."""
    check = check_block(BLOCK, None, tip_height=499)
    assert (check.block.status, check.confirmations) == (BlockStatus.PENDING, 0)


def test_final_states_never_change():
    confirmed = check_block(BLOCK, OURS, tip_height=700).block
    later = check_block(confirmed, RIVAL, tip_height=900)
    assert (later.block.status, later.changed) == (BlockStatus.CONFIRMED, False)
    orphaned = check_block(BLOCK, RIVAL, tip_height=510).block
    back = check_block(orphaned, OURS, tip_height=700)
    assert (back.block.status, back.changed, back.confirmations) == (
        BlockStatus.ORPHANED, False, 201
    )  # fmt: skip


def test_required_and_orphan_depth_are_parameters():
    assert check_block(BLOCK, OURS, 501, required=2).block.status is BlockStatus.CONFIRMED
    assert check_block(BLOCK, RIVAL, 500, orphan_depth=1).block.status is BlockStatus.ORPHANED
