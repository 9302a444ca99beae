"""Found blocks and the PPLNS share log: what the block tracker reads and writes.

Blocks arrive with recorder batches (``ShareTables.record_batch``); from then on only the tracker
changes them, each status change in one transaction with the journal postings it causes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from backend.ledger.blocks import BlockStatus, FoundBlock
from backend.ledger.journal import JournalEntry
from backend.store.sql import LEDGER_LOCK

BLOCK_COLUMNS = (
    "height, hash, account, worker, value, found_at, status, network_difficulty, confirmations"
)

PPLNS_PAGE = 1000
"""PPLNS log lines read per query while walking back through the window."""


class BlockTables:
    """Block repository methods (mixed into the store classes)."""

    def blocks(self, account: str | None, limit: int, offset: int) -> list[FoundBlock]:
        """Found blocks, newest first; only ``account``'s when given."""
        where, args = ("WHERE account = ?", [account]) if account is not None else ("", [])
        with self._read() as tx:
            rows = tx.all(
                f"SELECT {BLOCK_COLUMNS} FROM blocks {where} "
                "ORDER BY found_at DESC, height DESC LIMIT ? OFFSET ?",
                (*args, limit, offset),
            )
        return [_block(row) for row in rows]

    def block(self, block_hash: str) -> FoundBlock | None:
        """The found block with this hash (display hex), or None."""
        with self._read() as tx:
            row = tx.one(f"SELECT {BLOCK_COLUMNS} FROM blocks WHERE hash = ?", (block_hash,))
        return _block(row) if row else None

    def pending_blocks(self) -> list[FoundBlock]:
        """Blocks neither confirmed nor orphaned yet, oldest first (the tracker's work)."""
        with self._read() as tx:
            rows = tx.all(
                f"SELECT {BLOCK_COLUMNS} FROM blocks WHERE status = ? ORDER BY height",
                (BlockStatus.PENDING.value,),
            )
        return [_block(row) for row in rows]

    def uncredited_blocks(self) -> list[tuple[FoundBlock, int]]:
        """Found blocks whose PPLNS credits are not posted yet, with their log position."""
        with self._read() as tx:
            rows = tx.all(
                f"SELECT {BLOCK_COLUMNS}, log_seq FROM blocks WHERE credited = ? ORDER BY height",
                (False,),
            )
        return [(_block(row[:-1]), row[-1]) for row in rows]

    def pplns_log(self, through_seq: int) -> Iterator[tuple[str, float]]:
        """The PPLNS log newest first, starting with the batch at ``through_seq``: (account,
        difficulty) pairs, read a page at a time for as long as the caller iterates."""
        before, skip = through_seq + 1, 0
        while True:
            with self._read() as tx:
                rows = tx.all(
                    "SELECT account, difficulty, seq FROM pplns_log WHERE seq < ? "
                    "ORDER BY seq DESC, account LIMIT ? OFFSET ?",
                    (before, PPLNS_PAGE, skip),
                )
            yield from ((account, difficulty) for account, difficulty, _ in rows)
            if len(rows) < PPLNS_PAGE:
                return
            skip += PPLNS_PAGE

    def update_block(
        self,
        block: FoundBlock,
        postings: Sequence[Sequence[JournalEntry]] = (),
        *,
        split: dict | None = None,
    ) -> None:
        """Store the block's status and confirmations, post ``postings`` (idempotent keys) and,
        with ``split``, record its PPLNS split and mark it credited — all in one transaction."""
        with self._write() as tx:
            if postings:
                tx.lock(LEDGER_LOCK)
            tx.execute(
                "UPDATE blocks SET status = ?, confirmations = ? WHERE hash = ?",
                (block.status.value, block.confirmations, block.hash_hex),
            )
            if split is not None:
                tx.execute(
                    "UPDATE blocks SET credited = ?, split = ? WHERE hash = ?",
                    (True, json.dumps(split, sort_keys=True), block.hash_hex),
                )
            for entries in postings:
                self._post(tx, entries)

    def block_split(self, block_hash: str) -> dict | None:
        """The PPLNS split recorded when the block was credited, or None."""
        with self._read() as tx:
            row = tx.one("SELECT split FROM blocks WHERE hash = ?", (block_hash,))
        return json.loads(row[0]) if row and row[0] else None


def _block(row: Sequence) -> FoundBlock:
    return FoundBlock(
        height=int(row[0]),
        hash=bytes.fromhex(row[1])[::-1],
        account=row[2],
        worker=row[3],
        value=int(row[4]),
        found_at=int(row[5]),
        status=BlockStatus(row[6]),
        network_difficulty=float(row[7]),
        confirmations=int(row[8]),
    )
