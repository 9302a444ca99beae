"""Block candidates: written to disk first, then submitted until the chain gives an answer.

A found block is the most valuable thing the pool ever holds. It is persisted before anything else
and retried with back-off across an outage of the template source (security §2.3), so neither a
node restart nor a pool crash can lose it; a leftover candidate is resubmitted at the next start,
where Core answers "duplicate" or a reject reason and the file is cleared.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

from backend.chain.source import ChainUnavailable, TemplateSource
from backend.mining.shares import ShareResult
from backend.stratum.ports import Identity
from backend.text import loggable

log = logging.getLogger("minerpool.blocks")

SUBMIT_DELAYS = (0.5, 1, 2, 4, 8, 15, 30, 60, 60, 60, 60, 60, 60, 60, 60, 60)
"""Waits between submitblock attempts while the source is unreachable: about ten minutes in all,
after which the block could no longer win against the network anyway."""


class BlockSubmitter:
    """Persists and submits block candidates, one task per candidate."""

    def __init__(self, source: TemplateSource, directory: Path) -> None:
        self._source = source
        self._directory = directory
        self._tasks: set[asyncio.Task] = set()
        self.results: dict[str, str | None] = {}
        """Block hash (display hex) → submitblock answer, for every answered candidate."""

    def submit(self, result: ShareResult, identity: Identity) -> None:
        """Persist `result.block` and schedule its submission."""
        assert result.block is not None
        block_hash = result.header_hash[::-1].hex()
        self._persist(block_hash, result.block)
        height = result.job.template.height if result.job else -1
        log.info(
            "block candidate %s at height %d from %s.%s",
            block_hash,
            height,
            loggable(identity.account),
            loggable(identity.worker),
        )
        self._spawn(block_hash, result.block)

    async def resubmit_pending(self) -> None:
        """Submit candidates left on disk by an earlier run."""
        if not self._directory.is_dir():
            return
        for path in sorted(self._directory.glob("*.block")):
            log.info("resubmitting block candidate %s left by an earlier run", path.stem)
            self._spawn(path.stem, bytes.fromhex(path.read_text().strip()))

    async def drain(self) -> None:
        """Wait until every scheduled submission has an answer (or gave up)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _spawn(self, block_hash: str, block: bytes) -> None:
        task = asyncio.get_running_loop().create_task(self._submit(block_hash, block))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _persist(self, block_hash: str, block: bytes) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        path = self._directory / f"{block_hash}.block"
        partial = path.with_suffix(".partial")
        with open(partial, "w") as handle:
            handle.write(block.hex())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)

    async def _submit(self, block_hash: str, block: bytes) -> None:
        for delay in (*SUBMIT_DELAYS, None):
            try:
                answer = await self._source.submit_block(block)
            except ChainUnavailable as exc:
                if delay is None:
                    log.error("gave up submitting block %s: %s", block_hash, exc)
                    return
                log.warning("cannot submit block %s yet (%s); retrying", block_hash, exc)
                await asyncio.sleep(delay)
                continue
            self.results[block_hash] = answer
            if answer is None or answer == "duplicate":
                log.info("block %s accepted by the chain", block_hash)
            elif answer == "inconclusive":
                log.info("block %s is valid but on a side branch (inconclusive)", block_hash)
            else:
                log.warning("block %s rejected by the chain: %s", block_hash, loggable(answer))
            (self._directory / f"{block_hash}.block").unlink(missing_ok=True)
            return
