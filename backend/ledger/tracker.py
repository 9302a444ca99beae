"""The block tracker: follows found blocks on the chain until they are confirmed or orphaned.

Each pass asks the chain for its tip and for the active block at each pending block's height
(``ChainView.block_hash_at``: ``EmbeddedSource`` reads the embedded chain, ``BitcoindClient``
calls ``getblockhash``) and judges the block with ``ledger.blocks.check_block``. Under PPLNS a
block is credited first — the window read back from its own batch in the PPLNS log, split with
``ledger.pplns`` and posted immature — and its final verdict then moves those credits to the
balance (confirmed) or reverses them (orphaned). Under FPPS a verdict posts nothing: the shares
were paid already and the pool carries the luck.

The split is stored with the block when it is credited, so maturity and reversal move exactly
what was credited even if late batches have since landed in the log behind it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from fractions import Fraction
from typing import Protocol

from backend.chain.source import ChainInfo, ChainUnavailable
from backend.ledger.blocks import BlockStatus, FoundBlock, check_block
from backend.ledger.feed import EventFeed
from backend.ledger.pplns import (
    PplnsSplit,
    credit_postings,
    maturity_postings,
    orphan_postings,
    pplns_window,
    split_block,
    window_weights,
)
from backend.ledger.rewards import DEFAULT_POOL_FEE
from backend.ledger.settings import LedgerSettings

log = logging.getLogger("minerpool.blocks")


class ChainView(Protocol):
    """What the tracker asks of the chain (the template sources implement it)."""

    async def block_hash_at(self, height: int) -> bytes | None:
        """The active chain's block hash at ``height`` (internal order); None above the tip."""
        ...

    async def chain_info(self) -> ChainInfo:
        """The tip."""
        ...


class BlockTracker:
    """Moves found blocks from pending to confirmed or orphaned (module docstring)."""

    def __init__(
        self,
        store,
        chain: ChainView,
        *,
        settings: LedgerSettings | None = None,
        pplns: bool = False,
        pool_fee: Fraction = DEFAULT_POOL_FEE,
        clock: Callable[[], float] = time.time,
        feed: EventFeed | None = None,
    ) -> None:
        self._store = store
        self._chain = chain
        self._settings = settings or LedgerSettings()
        self._pplns = pplns
        self._fee = pool_fee
        self._clock = clock
        self._feed = feed

    async def check(self) -> list[FoundBlock]:
        """One pass; returns the blocks whose status changed. Chain outages skip the pass."""
        if self._pplns:
            await self._credit_new()
        pending = await asyncio.to_thread(self._store.pending_blocks)
        if not pending:
            return []
        try:
            tip = (await self._chain.chain_info()).height
            active = {b.height: await self._chain.block_hash_at(b.height) for b in pending}
        except ChainUnavailable as exc:
            log.warning("block tracker: chain unavailable (%s)", exc)
            return []
        changed = []
        for block in pending:
            verdict = check_block(
                block,
                active[block.height],
                tip,
                required=self._settings.block_confirmations,
                orphan_depth=self._settings.orphan_depth,
            )
            updated = replace(verdict.block, confirmations=verdict.confirmations)
            if not verdict.changed and updated.confirmations == block.confirmations:
                continue
            postings = []
            if verdict.changed:
                postings = await asyncio.to_thread(self._final_postings, updated)
            await asyncio.to_thread(self._store.update_block, updated, postings)
            if verdict.changed:
                changed.append(updated)
                log.info(
                    "block %s at height %d is %s",
                    updated.hash_hex,
                    updated.height,
                    updated.status.value,
                )
                self._publish(updated)
        return changed

    async def _credit_new(self) -> None:
        for block, log_seq in await asyncio.to_thread(self._store.uncredited_blocks):
            split = await asyncio.to_thread(self._split, block, log_seq)
            postings = []
            if block.status is BlockStatus.PENDING:
                postings = credit_postings(split, int(self._clock()))
            record = {"fee": split.fee, "credits": dict(split.credits)}
            await asyncio.to_thread(self._store.update_block, block, postings, split=record)

    def _split(self, block: FoundBlock, log_seq: int) -> PplnsSplit:
        difficulty = Fraction(block.network_difficulty) if block.network_difficulty > 0 else 1
        window = pplns_window(difficulty, self._settings.pplns_n)
        weights = window_weights(self._store.pplns_log(log_seq), window)
        if not weights:
            # Nothing in the log (a PPLNS pool with no share before the block): the pool keeps it.
            return PplnsSplit(block.hash_hex, block.value, block.value, {})
        return split_block(block.hash_hex, block.value, weights, self._fee)

    def _final_postings(self, block: FoundBlock) -> list:
        stored = self._store.block_split(block.hash_hex)
        if stored is None:
            return []  # FPPS: nothing was credited per block
        split = PplnsSplit(block.hash_hex, block.value, stored["fee"], stored["credits"])
        now = int(self._clock())
        if block.status is BlockStatus.CONFIRMED:
            return maturity_postings(split, now)
        return orphan_postings(split, now)

    def _publish(self, block: FoundBlock) -> None:
        if self._feed is not None:
            self._feed.publish(
                block.account,
                "block",
                {
                    "height": block.height,
                    "hash": block.hash_hex,
                    "status": block.status.value,
                    "value": block.value,
                    "worker": block.worker,
                    "confirmations": block.confirmations,
                },
            )
