"""The SQLite store: one file in the data directory, WAL journal, durable commits.

`synchronous=FULL` because this database will hold the balance journal and payouts, where a
commit lost to a power cut could pay twice (security-and-reliability.md §2.2, §3 "Ledger
durability"). Writes that read first use `BEGIN IMMEDIATE` so they cannot fail with SQLITE_BUSY
half-way despite the busy timeout.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from backend.store.migrations import LATEST_VERSION, MIGRATIONS
from backend.store.records import Account, AccountExists, SchemaTooNew

BUSY_TIMEOUT_MS = 5000
"""How long a writer waits for another process's lock (security §3, busy timeout 5 s)."""


class SqliteStore:
    """Repository over a SQLite database file.

    Safe to share between the event loop thread and worker threads: one connection guarded by a
    lock, because SQLite serialises writers anyway and the calls are short.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = FULL")
        self._db.execute("PRAGMA foreign_keys = ON")
        self._migrate()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _migrate(self) -> None:
        with self._write() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS schema_version ("
                "version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)"
            )
            row = db.execute("SELECT MAX(version) FROM schema_version").fetchone()
        current = row[0] or 0
        if current > LATEST_VERSION:
            raise SchemaTooNew(
                f"{self.path} has schema version {current}; this minerpool knows up to "
                f"{LATEST_VERSION}. Upgrade minerpool."
            )
        for version, statements in MIGRATIONS:
            if version <= current:
                continue
            with self._write() as db:
                for statement in statements:
                    db.execute(statement)
                db.execute(
                    "INSERT INTO schema_version (version, applied_at) "
                    "VALUES (?, CAST(strftime('%s','now') AS INTEGER))",
                    (version,),
                )

    @property
    def schema_version(self) -> int:
        """The highest migration applied to this database."""
        with self._lock:
            return self._db.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]

    def create_account(self, name: str, owner: str, now: int) -> Account:
        """Create a named account for `owner`; AccountExists if the name is taken."""
        try:
            with self._write() as db:
                db.execute(
                    "INSERT INTO accounts (name, owner, created_at, anonymous) VALUES (?, ?, ?, ?)",
                    (name, owner, now, False),
                )
        except sqlite3.IntegrityError as exc:
            raise AccountExists(name) from exc
        return Account(name=name, owner=owner, created_at=now)

    def ensure_anonymous_account(self, address: str, now: int) -> Account:
        """Return the anonymous account for `address`, creating it on first use."""
        with self._write() as db:
            db.execute(
                "INSERT INTO accounts (name, owner, created_at, anonymous) VALUES (?, NULL, ?, ?) "
                "ON CONFLICT (name) DO NOTHING",
                (address, now, True),
            )
        account = self.get_account(address)
        assert account is not None
        return account

    def get_account(self, name: str) -> Account | None:
        """The account called `name`, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT name, owner, created_at, anonymous FROM accounts WHERE name = ?", (name,)
            ).fetchone()
        return _account(row) if row else None

    def list_accounts(self, owner: str | None = None) -> list[Account]:
        """Named accounts, newest first; only `owner`'s when given."""
        query = "SELECT name, owner, created_at, anonymous FROM accounts WHERE anonymous = ?"
        args: tuple[object, ...] = (False,)
        if owner is not None:
            query += " AND owner = ?"
            args += (owner,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY created_at DESC, name", args).fetchall()
        return [_account(row) for row in rows]

    def close(self) -> None:
        """Close the connection; the store is unusable afterwards."""
        with self._lock:
            self._db.close()


def _account(row: tuple) -> Account:
    return Account(name=row[0], owner=row[1], created_at=row[2], anonymous=bool(row[3]))
