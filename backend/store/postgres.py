"""The PostgreSQL store: the multi-node database (psycopg 3).

Several `minerpool` processes share it: stratum processes write share batches, one process runs
the ledger's background jobs. What must not interleave is serialised with advisory locks
(``backend.store.sql``); everything else relies on row locks taken in key order, so two stratum
processes adding to the same bucket rows wait for each other instead of deadlocking.

A broken connection (the server restarted) is replaced on the next call; the call that hit it
raises, and the recorder retries or spills the batch to its recovery file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg.conninfo import conninfo_to_dict

from backend.store.api_tables import ApiTables
from backend.store.blocks import BlockTables
from backend.store.ledger import LedgerTables
from backend.store.payouts import PayoutTables
from backend.store.shares import ShareTables
from backend.store.sql import JOBS_LOCK, Dialect, SqlStore

CONNECT_TIMEOUT = 10
"""Seconds to wait for the server when opening a connection."""

LOCK_TIMEOUT_MS = 5000
"""How long a statement waits for a lock before it fails: 5 s, as SQLite's busy timeout
(security §3)."""


class PostgresStore(ShareTables, BlockTables, LedgerTables, PayoutTables, ApiTables, SqlStore):
    """Repository over a PostgreSQL database, given a libpq connection string or URL."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        """The connection string (holds the password: never log it; see ``describe``)."""
        self.dialect = Dialect("postgresql", (psycopg.errors.UniqueViolation,))
        self._db = self._connect()
        self._reads = self._connect()
        self._jobs: psycopg.Connection | None = None
        super().__init__()

    def _connect(self) -> psycopg.Connection:
        connection = psycopg.connect(self.dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
        # A write stuck behind a lock fails like SQLite's busy timeout instead of hanging, so the
        # recorder retries it or moves the batch to its recovery file.
        connection.execute(f"SET lock_timeout = {LOCK_TIMEOUT_MS}")
        return connection

    def describe(self) -> str:
        """Host, port and database name, without credentials."""
        info = conninfo_to_dict(self.dsn)
        host = info.get("host", "localhost")
        return f"postgresql://{host}:{info.get('port', 5432)}/{info.get('dbname', '')}"

    @contextmanager
    def _begin(self) -> Iterator[psycopg.Cursor]:
        if self._db.closed or self._db.broken:
            self._db = self._connect()
        with self._db.transaction(), self._db.cursor() as cursor:
            yield cursor

    def _reader(self) -> psycopg.Cursor:
        if self._reads.closed or self._reads.broken:
            self._reads = self._connect()
        return self._reads.cursor()

    def _close_connections(self) -> None:
        self._db.close()
        self._reads.close()
        self.release_jobs_lock()

    def acquire_jobs_lock(self) -> bool:
        """Become the one process that runs the ledger's background jobs on this database; False
        when another holds it. A session advisory lock on a connection of its own: it is released
        when this process exits or dies, so a crashed jobs process never blocks its successor."""
        if self._jobs is not None and not self._jobs.closed:
            return True
        connection = self._connect()
        row = connection.execute("SELECT pg_try_advisory_lock(%s)", (JOBS_LOCK,)).fetchone()
        if not row or not row[0]:
            connection.close()
            return False
        self._jobs = connection
        return True

    def release_jobs_lock(self) -> None:
        """Give the background jobs up (closing the store does it too)."""
        if self._jobs is not None:
            self._jobs.close()
            self._jobs = None
