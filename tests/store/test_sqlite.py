"""The SQLite store: migrations, accounts, and what survives a reopen."""

import sqlite3

import pytest

from backend.store.migrations import LATEST_VERSION
from backend.store.records import AccountExists, SchemaTooNew
from backend.store.sqlite import SqliteStore


@pytest.fixture
def store(tmp_path):
    store = SqliteStore(tmp_path / "pool.sqlite3")
    yield store
    store.close()


def test_fresh_database_is_migrated_to_latest(store):
    assert store.schema_version == LATEST_VERSION


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


def test_create_and_list_accounts_newest_first(store):
    store.create_account("alpha", "local", 100)
    store.create_account("beta", "local", 200)
    store.create_account("gamma", "hoster", 300)
    assert [a.name for a in store.list_accounts()] == ["gamma", "beta", "alpha"]
    assert [a.name for a in store.list_accounts("local")] == ["beta", "alpha"]
    assert store.get_account("beta").owner == "local"
    assert store.get_account("nope") is None


def test_duplicate_account_is_refused_and_nothing_changes(store):
    store.create_account("alpha", "local", 100)
    with pytest.raises(AccountExists):
        store.create_account("alpha", "other", 200)
    assert store.get_account("alpha").owner == "local"


def test_anonymous_account_created_once_and_hidden_from_named_lists(store):
    address = "bcrt1qdavt4j2sd7dlhqsavtnfxvzppw6k7qy97tmnu9"
    first = store.ensure_anonymous_account(address, 100)
    second = store.ensure_anonymous_account(address, 200)
    assert first == second
    assert first.anonymous and first.owner is None and first.created_at == 100
    assert store.list_accounts() == []


def test_accounts_survive_reopen(tmp_path):
    path = tmp_path / "pool.sqlite3"
    store = SqliteStore(path)
    store.create_account("alpha", "local", 100)
    store.close()
    reopened = SqliteStore(path)
    assert reopened.get_account("alpha").created_at == 100
    reopened.close()


def test_hostile_names_are_data_not_sql(store):
    name = "x'); DROP TABLE accounts; --"
    store.create_account(name, "local", 1)
    assert store.get_account(name).name == name
    assert len(store.list_accounts()) == 1
