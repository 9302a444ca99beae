"""What both databases share: transactions, SQL in one spelling, migrations, and accounts.

Repository code writes SQL once, with ``?`` placeholders and ``GREATEST`` / ``LEAST``; a
``Dialect`` respells it for the database at hand (``%s`` and ``%%`` for psycopg; SQLite's
two-argument ``MAX`` / ``MIN``). Every write runs in one transaction (``SqlStore._write``), every
read on a second connection (``_read``), so readers never wait behind a batch being written.

PostgreSQL serialises what must not interleave with advisory locks: migrations, journal postings
(``LEDGER_LOCK``: a balance is read, checked and spent in one step) and the FPPS day close against
batches adding accruals (``ACCRUAL_LOCK``, shared by batches, exclusive for a close). SQLite needs
none: ``BEGIN IMMEDIATE`` already makes writers take turns.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from backend.store.migrations import LATEST_VERSION, MIGRATIONS
from backend.store.records import Account, AccountExists, SchemaTooNew

MIGRATION_LOCK = 7_000_001
"""Advisory lock key held while PostgreSQL migrates (two processes starting at once)."""

LEDGER_LOCK = 7_000_002
"""Advisory lock key held by every transaction that posts to the journal."""

ACCRUAL_LOCK = 7_000_003
"""Advisory lock key: shared while a batch adds FPPS accruals, exclusive while a day closes."""

JOBS_LOCK = 7_000_004
"""Session advisory lock key held by the one process that runs the ledger's background jobs."""


@dataclass
class Dialect:
    """How one database spells the SQL the repository writes."""

    name: str
    """``sqlite`` or ``postgresql``."""
    integrity_errors: tuple[type[BaseException], ...]
    """Exceptions raised on a unique-constraint violation."""
    _cache: dict[str, str] = field(default_factory=dict)

    def sql(self, text: str) -> str:
        """``text`` respelled for this database (cached per statement)."""
        done = self._cache.get(text)
        if done is None:
            if self.name == "postgresql":
                done = text.replace("%", "%%").replace("?", "%s")
            else:
                done = text.replace("GREATEST(", "MAX(").replace("LEAST(", "MIN(")
            self._cache[text] = done
        return done


class Tx:
    """One open transaction (or, for reads, one connection): run statements, fetch rows."""

    __slots__ = ("_cursor", "_dialect")

    def __init__(self, cursor: Any, dialect: Dialect) -> None:
        self._cursor = cursor
        self._dialect = dialect

    @property
    def postgres(self) -> bool:
        """True on PostgreSQL (for the advisory locks)."""
        return self._dialect.name == "postgresql"

    def execute(self, sql: str, args: Sequence[Any] = ()) -> int:
        """Run one statement; the number of rows it changed."""
        self._cursor.execute(self._dialect.sql(sql), tuple(args))
        return self._cursor.rowcount

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for each of ``rows``."""
        if rows:
            self._cursor.executemany(self._dialect.sql(sql), [tuple(r) for r in rows])

    def one(self, sql: str, args: Sequence[Any] = ()) -> tuple | None:
        """The first row of a query, or None."""
        self._cursor.execute(self._dialect.sql(sql), tuple(args))
        return self._cursor.fetchone()

    def all(self, sql: str, args: Sequence[Any] = ()) -> list[tuple]:
        """Every row of a query."""
        self._cursor.execute(self._dialect.sql(sql), tuple(args))
        return self._cursor.fetchall()

    def lock(self, key: int, *, shared: bool = False) -> None:
        """Take a transaction-scoped advisory lock (PostgreSQL; a no-op on SQLite, whose writers
        are serialised by ``BEGIN IMMEDIATE``)."""
        if self.postgres:
            function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
            self._cursor.execute(f"SELECT {function}(%s)", (key,))


class SqlStore:
    """The repository on top of one database; subclasses open the connections.

    Subclasses implement ``_begin`` (a context manager yielding a cursor inside a write
    transaction), ``_reader`` (a cursor for reads) and ``_close_connections``.
    """

    dialect: Dialect
    """Set by the subclass."""

    def __init__(self) -> None:
        self._write_lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._migrate()

    # -- connections (subclass) ---------------------------------------------------------------

    def _begin(self) -> Any:
        raise NotImplementedError

    def _reader(self) -> Any:
        raise NotImplementedError

    def _close_connections(self) -> None:
        raise NotImplementedError

    @contextmanager
    def _write(self) -> Iterator[Tx]:
        """One write transaction: committed when the block ends, rolled back if it raises."""
        with self._write_lock, self._begin() as cursor:
            yield Tx(cursor, self.dialect)

    @contextmanager
    def _read(self) -> Iterator[Tx]:
        """Reads on the read connection."""
        with self._read_lock:
            yield Tx(self._reader(), self.dialect)

    # -- schema ---------------------------------------------------------------------------------

    def _migrate(self) -> None:
        with self._write() as tx:
            tx.lock(MIGRATION_LOCK)
            tx.execute(
                "CREATE TABLE IF NOT EXISTS schema_version ("
                "version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)"
            )
        for version, statements in MIGRATIONS:
            with self._write() as tx:
                tx.lock(MIGRATION_LOCK)
                current = tx.one("SELECT MAX(version) FROM schema_version")[0] or 0
                if current > LATEST_VERSION:
                    raise SchemaTooNew(
                        f"{self.describe()} has schema version {current}; this minerpool knows "
                        f"up to {LATEST_VERSION}. Upgrade minerpool."
                    )
                if version <= current:
                    continue
                for statement in statements:
                    tx.execute(statement)
                tx.execute(
                    "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                    (version, int(time.time())),
                )

    def describe(self) -> str:
        """Where the data lives, safe to log (no password)."""
        raise NotImplementedError

    @property
    def schema_version(self) -> int:
        """The highest migration applied to this database."""
        with self._read() as tx:
            return tx.one("SELECT MAX(version) FROM schema_version")[0]

    # -- accounts -------------------------------------------------------------------------------

    def create_account(self, name: str, owner: str, now: int) -> Account:
        """Create a named account for `owner`; AccountExists if the name is taken."""
        try:
            with self._write() as tx:
                tx.execute(
                    "INSERT INTO accounts (name, owner, created_at, anonymous) VALUES (?, ?, ?, ?)",
                    (name, owner, now, False),
                )
        except self.dialect.integrity_errors as exc:
            raise AccountExists(name) from exc
        return Account(name=name, owner=owner, created_at=now)

    def ensure_anonymous_account(self, address: str, now: int) -> Account:
        """Return the anonymous account for `address`, creating it on first use."""
        with self._write() as tx:
            tx.execute(
                "INSERT INTO accounts (name, owner, created_at, anonymous) VALUES (?, NULL, ?, ?) "
                "ON CONFLICT (name) DO NOTHING",
                (address, now, True),
            )
        account = self.get_account(address)
        assert account is not None
        return account

    def get_account(self, name: str) -> Account | None:
        """The account called `name`, or None."""
        with self._read() as tx:
            row = tx.one(
                "SELECT name, owner, created_at, anonymous FROM accounts WHERE name = ?", (name,)
            )
        return _account(row) if row else None

    def list_accounts(self, owner: str | None = None) -> list[Account]:
        """Named accounts, newest first; only `owner`'s when given."""
        query = "SELECT name, owner, created_at, anonymous FROM accounts WHERE anonymous = ?"
        args: tuple[object, ...] = (False,)
        if owner is not None:
            query += " AND owner = ?"
            args += (owner,)
        with self._read() as tx:
            rows = tx.all(query + " ORDER BY created_at DESC, name", args)
        return [_account(row) for row in rows]

    def close(self) -> None:
        """Close the connections; the store is unusable afterwards."""
        with self._write_lock, self._read_lock:
            self._close_connections()


def _account(row: tuple) -> Account:
    return Account(name=row[0], owner=row[1], created_at=row[2], anonymous=bool(row[3]))
