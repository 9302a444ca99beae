"""Sending found shares to the pool and booking its answers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from backend.bitcoin.hashes import to_display
from backend.bitcoin.target import hash_to_int
from backend.miner.connection import ConnectionClosed, StratumConnection, error_text
from backend.miner.cursor import Chunk
from backend.miner.events import (
    MinerEvent,
    MinerStats,
    Share,
    ShareAccepted,
    ShareRejected,
    ShareSubmitted,
)
from backend.text import loggable

log = logging.getLogger("minerpool.miner")


class ShareSender:
    """Writes ``mining.submit`` for each share and counts what the pool says about it.

    The submit is not awaited: hashing goes on while the answer travels, and the answer is
    booked (stats and an event) whenever it arrives.
    """

    def __init__(
        self,
        conn: StratumConnection,
        worker: str,
        stats: MinerStats,
        emit: Callable[[MinerEvent], None],
    ) -> None:
        self._conn = conn
        self._worker = worker
        self._stats = stats
        self._emit = emit

    async def send(self, chunk: Chunk, nonce: int, digest: bytes) -> None:
        """Submit the share with ``nonce`` found in ``chunk`` (``digest`` is its header hash)."""
        work = chunk.work
        share = Share(
            job_id=work.job.job_id,
            extranonce2=chunk.extranonce2.hex(),
            ntime=work.job.ntime,
            nonce=nonce,
            version_bits=chunk.version_bits,
            hash_hex=to_display(digest),
            difficulty=work.difficulty,
            is_block=hash_to_int(digest) <= work.block_target,
        )
        try:
            answer = await self._conn.request("mining.submit", share.params(self._worker))
        except ConnectionClosed:
            self._stats.discarded += 1
            return
        self._stats.submitted += 1
        if share.is_block:
            self._stats.blocks += 1
            log.debug("block candidate %s on job %s", share.hash_hex, loggable(share.job_id))
        self._emit(ShareSubmitted(share))
        answer.add_done_callback(partial(self._on_answer, share))

    def _on_answer(self, share: Share, answer: asyncio.Future[dict[str, Any]]) -> None:
        if answer.cancelled() or answer.exception() is not None:
            self._stats.unanswered += 1
            return
        message = answer.result()
        error = message.get("error")
        if message.get("result") is True and error is None:
            self._stats.accepted += 1
            self._emit(ShareAccepted(share))
            return
        # ckpool answers false with a null error and a "reject-reason" key (reference §1.2).
        fallback = message.get("reject-reason")
        reason, code = error_text(error, fallback if isinstance(fallback, str) else "rejected")
        reason = loggable(reason)
        self._stats.count_reject(reason)
        log.info("share rejected: %s (job %s)", reason, loggable(share.job_id))
        self._emit(ShareRejected(share, reason, code))
