"""Found blocks and their status: pending until deep enough to spend, or orphaned by a reorg.

A block the pool found is *pending* until it has ``BLOCK_CONFIRMATIONS`` confirmations on the
active chain, then *confirmed* — final for accounting. It is *orphaned* when another block holds
its height on the active chain with ``ORPHAN_DEPTH`` confirmations — also final. Both final states
trigger the reward scheme's postings (``pplns``); FPPS needs none.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

BLOCK_CONFIRMATIONS = 100
"""Confirmations before a found block is confirmed: Core's ``COINBASE_MATURITY``, the depth at
which its coinbase becomes spendable (reference §3.6; Miningcore waits 102)."""

ORPHAN_DEPTH = 2
"""Confirmations another block at our height needs before ours is declared orphaned. One is a
block race our block can still win; at two the network has built on the rival, and a final
verdict (which reverses credits) should not flip back."""


class BlockStatus(StrEnum):
    """A found block's standing, as shown by the watcher API's ``blocks[].status``."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    ORPHANED = "orphaned"


@dataclass(frozen=True, slots=True)
class FoundBlock:
    """A block found by one of the pool's miners."""

    height: int
    """Its height."""
    hash: bytes
    """Its hash, internal byte order."""
    account: str
    """The finder's account."""
    worker: str
    """The finder's worker."""
    value: int
    """The coinbase value (subsidy + fees), satoshis."""
    found_at: int
    """When the share was judged, Unix seconds."""
    status: BlockStatus = BlockStatus.PENDING
    """Current standing."""
    network_difficulty: float = 0.0
    """Difficulty of the block's network target (PPLNS sizes its window on it); 0 when unknown."""
    confirmations: int = 0
    """Confirmations on the active chain when the block tracker last looked; 0 when off it."""

    @property
    def hash_hex(self) -> str:
        """The hash in display order (as block explorers and journal keys show it)."""
        return self.hash[::-1].hex()


@dataclass(frozen=True, slots=True)
class BlockCheck:
    """The outcome of checking a block against the chain."""

    block: FoundBlock
    """The block with its (possibly new) status."""
    confirmations: int
    """Its confirmations on the active chain; 0 when it is not on it."""
    changed: bool
    """True when the status moved (the caller then posts the scheme's entries)."""


def check_block(
    block: FoundBlock,
    active_hash: bytes | None,
    tip_height: int,
    *,
    required: int = BLOCK_CONFIRMATIONS,
    orphan_depth: int = ORPHAN_DEPTH,
) -> BlockCheck:
    """Judge ``block`` against the active chain: ``active_hash`` is the hash the node reports at
    ``block.height`` (None when the chain is shorter), ``tip_height`` the node's tip height.
    Confirmed and orphaned are final and never change here."""
    depth = tip_height - block.height + 1
    on_chain = active_hash == block.hash
    confirmations = max(depth, 0) if on_chain else 0
    if block.status is not BlockStatus.PENDING:
        return BlockCheck(block, confirmations, False)
    status = BlockStatus.PENDING
    if on_chain and depth >= required:
        status = BlockStatus.CONFIRMED
    elif active_hash is not None and not on_chain and depth >= orphan_depth:
        status = BlockStatus.ORPHANED
    if status is BlockStatus.PENDING:
        return BlockCheck(block, confirmations, False)
    return BlockCheck(replace(block, status=status), confirmations, True)
