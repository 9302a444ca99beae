"""What only the SQLite store has: its file, WAL, durable commits, and its jobs lock file."""

import sqlite3

import pytest

from backend.store.migrations import LATEST_VERSION
from backend.store.records import SchemaTooNew
from backend.store.sqlite import SqliteStore


@pytest.fixture
def store(tmp_path):
    store = SqliteStore(tmp_path / "pool.sqlite3")
    yield store
    store.close()


def test_migrations_are_not_reapplied_on_reopen(tmp_path):
    path = tmp_path / "pool.sqlite3"
    SqliteStore(path).close()
    reopened = SqliteStore(path)
    rows = sqlite3.connect(path).execute("SELECT COUNT(*) FROM schema_version").fetchone()
    assert rows[0] == LATEST_VERSION
    reopened.close()


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "pool.sqlite3"
    SqliteStore(path).close()
    db = sqlite3.connect(path)
    db.execute("INSERT INTO schema_version VALUES (?, 0)", (LATEST_VERSION + 1,))
    db.commit()
    db.close()
    with pytest.raises(SchemaTooNew, match="Upgrade minerpool"):
        SqliteStore(path)


def test_database_uses_wal_and_full_sync(store):
    db = sqlite3.connect(store.path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
