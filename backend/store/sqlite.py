"""The SQLite store: one file in the data directory, WAL journal, durable commits.

`synchronous=FULL` because this database holds the balance journal and payouts, where a commit
lost to a power cut could pay twice (security-and-reliability.md §2.2, §3 "Ledger durability").
Writes use `BEGIN IMMEDIATE` so a transaction that reads first cannot fail with SQLITE_BUSY
half-way despite the busy timeout. Two connections: one writes, one reads; under WAL a reader
never waits for the writer.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from backend.store.api_tables import ApiTables
from backend.store.blocks import BlockTables
from backend.store.ledger import LedgerTables
from backend.store.payouts import PayoutTables
from backend.store.shares import ShareTables
from backend.store.sql import Dialect, SqlStore

BUSY_TIMEOUT_MS = 5000
"""How long a writer waits for another process's lock (security §3, busy timeout 5 s)."""


class SqliteStore(ShareTables, BlockTables, LedgerTables, PayoutTables, ApiTables, SqlStore):
    """Repository over a SQLite database file (the embedded default).

    Safe to share between the event loop thread and worker threads: each connection is guarded by
    a lock, because SQLite serialises writers anyway and the calls are short.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        """The database file."""
        self.dialect = Dialect("sqlite", (sqlite3.IntegrityError,))
        self._db = self._connect()
        self._reads = self._connect()
        self._jobs_lock: int | None = None
        super().__init__()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        db.execute("PRAGMA foreign_keys = ON")
        return db

    def describe(self) -> str:
        """The database file's path."""
        return str(self.path)

    @contextmanager
    def _begin(self) -> Iterator[sqlite3.Cursor]:
        cursor = self._db.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        try:
            yield cursor
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
        cursor.execute("COMMIT")

    def _reader(self) -> sqlite3.Cursor:
        return self._reads.cursor()

    def _close_connections(self) -> None:
        self._db.close()
        self._reads.close()
        self.release_jobs_lock()

    def acquire_jobs_lock(self) -> bool:
        """Become the one process that runs the ledger's background jobs on this database file;
        False when another process holds it (an exclusive ``flock`` on a file next to it)."""
        if self._jobs_lock is not None:
            return True
        handle = os.open(f"{self.path}.jobs.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            return False
        self._jobs_lock = handle
        return True

    def release_jobs_lock(self) -> None:
        """Give the background jobs up (closing the store does it too)."""
        if self._jobs_lock is not None:
            os.close(self._jobs_lock)
            self._jobs_lock = None
