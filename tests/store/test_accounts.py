"""Accounts and migrations, on both databases."""

import pytest

from backend.store.migrations import LATEST_VERSION
from backend.store.records import AccountExists


def test_fresh_database_is_migrated_to_latest(store):
    assert store.schema_version == LATEST_VERSION


def test_reopening_migrates_nothing_and_keeps_data(open_store):
    first = open_store()
    first.create_account("alpha", "local", 100)
    first.close()
    reopened = open_store()
    assert reopened.schema_version == LATEST_VERSION
    assert reopened.get_account("alpha").created_at == 100


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
    # The failed transaction left the connection usable.
    store.create_account("beta", "local", 300)


def test_anonymous_account_created_once_and_hidden_from_named_lists(store):
    address = "bcrt1qdavt4j2sd7dlhqsavtnfxvzppw6k7qy97tmnu9"
    first = store.ensure_anonymous_account(address, 100)
    second = store.ensure_anonymous_account(address, 200)
    assert first == second
    assert first.anonymous and first.owner is None and first.created_at == 100
    assert store.list_accounts() == []


def test_hostile_names_are_data_not_sql(store):
    name = "x'); DROP TABLE accounts; -- 100%"
    store.create_account(name, "local", 1)
    assert store.get_account(name).name == name
    assert len(store.list_accounts()) == 1


def test_describe_never_shows_a_password(store):
    assert "minerpool:" not in store.describe() and "password" not in store.describe()


def test_one_store_at_a_time_holds_the_jobs_lock(open_store):
    first, second = open_store(), open_store()
    assert first.acquire_jobs_lock()
    assert first.acquire_jobs_lock()  # its holder may ask again
    assert not second.acquire_jobs_lock()
    first.release_jobs_lock()
    assert second.acquire_jobs_lock()
    second.close()  # closing releases it: a dead process never blocks its successor
    assert first.acquire_jobs_lock()
