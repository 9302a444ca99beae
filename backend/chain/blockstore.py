"""The embedded chain's SQLite file: blocks, their status, the tip, pending wallet transactions.

One file, ``chain.sqlite3`` in the chain's data directory, in WAL mode with
``synchronous=FULL``: a block's row and the tip that points at it are committed together and
reach the disk before ``submit_block`` answers, so a block the pool was told is accepted is
still the tip after a crash (security reference, "SQLite specifics"). This file is the chain's
own, not the pool's database, which is why it lives here rather than in ``backend/store``.

Chain work does not fit SQLite's 64-bit integers; it is stored as hex text.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

from backend.bitcoin.header import BlockHeader

FILE_NAME = "chain.sqlite3"
"""Name of the chain's database file inside its data directory (contract)."""

BUSY_TIMEOUT_MS = 5000
"""How long a write waits for another connection's lock (security reference: busy timeout 5 s)."""

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS blocks (
        hash BLOB PRIMARY KEY,
        height INTEGER NOT NULL,
        header BLOB NOT NULL,
        raw BLOB NOT NULL,
        chain_work TEXT NOT NULL,
        seq INTEGER NOT NULL,
        status INTEGER NOT NULL,
        n_tx INTEGER NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS block_txids (
        txid BLOB NOT NULL,
        block_hash BLOB NOT NULL,
        PRIMARY KEY (txid, block_hash)
    )""",
    """CREATE TABLE IF NOT EXISTS wallet_txs (
        txid BLOB PRIMARY KEY,
        raw BLOB NOT NULL,
        fee INTEGER NOT NULL,
        seq INTEGER NOT NULL
    )""",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL)",
)


class BlockStatus(IntEnum):
    """Validity of a stored block, as Core's block index flags it."""

    VALID = 0
    """Passed every check; may be (or become) part of the active chain."""
    FAILED = 1
    """Failed a cached check, or was invalidated (Core ``BLOCK_FAILED_VALID``)."""
    FAILED_PARENT = 2
    """Descends from a failed block (Core ``BLOCK_FAILED_CHILD``)."""


@dataclass(slots=True)
class IndexEntry:
    """One stored block as the in-memory index holds it (everything but the body)."""

    hash: bytes
    header: BlockHeader
    height: int
    chain_work: int
    seq: int
    status: BlockStatus
    n_tx: int

    @property
    def prev_hash(self) -> bytes:
        """The parent's hash, internal order."""
        return self.header.prev_hash

    @property
    def valid(self) -> bool:
        """True unless the block or an ancestor failed."""
        return self.status is BlockStatus.VALID


class BlockStore:
    """SQLite persistence of the embedded chain. Not thread-safe: the chain serializes calls."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / FILE_NAME
        """The database file."""
        # Autocommit mode: every write below opens its own explicit transaction.
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = FULL")
        with self._transaction():
            for statement in _SCHEMA:
                self._db.execute(statement)

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)

    def close(self) -> None:
        """Close the database (idempotent)."""
        self._db.close()

    def entries(self) -> Iterator[IndexEntry]:
        """Every stored block's index entry, in arrival order."""
        rows = self._db.execute(
            "SELECT hash, header, height, chain_work, seq, status, n_tx FROM blocks ORDER BY seq"
        )
        for hash_, header, height, work, seq, status, n_tx in rows:
            yield IndexEntry(
                hash=hash_,
                header=BlockHeader.parse(header),
                height=height,
                chain_work=int(work, 16),
                seq=seq,
                status=BlockStatus(status),
                n_tx=n_tx,
            )

    def tip(self) -> bytes | None:
        """The persisted tip hash, or None for a new store."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'tip'").fetchone()
        return None if row is None else bytes(row[0])

    def add_block(
        self, entry: IndexEntry, raw: bytes, txids: Iterable[bytes], tip: bytes | None
    ) -> None:
        """Store a block, the txids it holds and (when given) the new tip, in one transaction."""
        with self._transaction():
            self._db.execute(
                "INSERT INTO blocks (hash, height, header, raw, chain_work, seq, status, n_tx)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    entry.hash,
                    entry.height,
                    entry.header.serialize(),
                    raw,
                    format(entry.chain_work, "x"),
                    entry.seq,
                    int(entry.status),
                    entry.n_tx,
                ),
            )
            self._db.executemany(
                "INSERT OR IGNORE INTO block_txids (txid, block_hash) VALUES (?, ?)",
                ((txid, entry.hash) for txid in txids),
            )
            if tip is not None:
                self._set_tip(tip)

    def set_status(self, changes: Iterable[tuple[bytes, BlockStatus]], tip: bytes) -> None:
        """Persist new statuses, as ``(hash, status)`` pairs, and the tip in one transaction."""
        with self._transaction():
            self._db.executemany(
                "UPDATE blocks SET status = ? WHERE hash = ?",
                ((int(status), block_hash) for block_hash, status in changes),
            )
            self._set_tip(tip)

    def set_tip(self, tip: bytes) -> None:
        """Persist the tip on its own."""
        with self._transaction():
            self._set_tip(tip)

    def _set_tip(self, tip: bytes) -> None:
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES ('tip', ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (tip,),
        )

    def block_raw(self, block_hash: bytes) -> bytes | None:
        """The serialized block, or None when unknown."""
        row = self._db.execute("SELECT raw FROM blocks WHERE hash = ?", (block_hash,)).fetchone()
        return None if row is None else bytes(row[0])

    def blocks_containing(self, txid: bytes) -> list[bytes]:
        """Hashes of every stored block that holds ``txid``, on any branch."""
        rows = self._db.execute("SELECT block_hash FROM block_txids WHERE txid = ?", (txid,))
        return [bytes(row[0]) for row in rows]

    def wallet_transactions(self) -> list[tuple[bytes, int]]:
        """Every wallet transaction as ``(raw, fee)``, in the order added."""
        rows = self._db.execute("SELECT raw, fee FROM wallet_txs ORDER BY seq")
        return [(bytes(raw), fee) for raw, fee in rows]

    def add_wallet_transaction(self, txid: bytes, raw: bytes, fee: int) -> None:
        """Persist a wallet transaction so a restart still puts it in a block."""
        with self._transaction():
            self._db.execute(
                "INSERT OR IGNORE INTO wallet_txs (txid, raw, fee, seq)"
                " VALUES (?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM wallet_txs))",
                (txid, raw, fee),
            )


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on an exception (security reference)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self._db.execute("COMMIT")
        else:
            self._db.execute("ROLLBACK")
