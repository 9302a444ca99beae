"""The API as the pool runs it: the owner key file, `minerpool keys create`, the metrics
listener, and the API's own tables on every database."""

from __future__ import annotations

import json
import sqlite3
import stat

import httpx

from backend.api.keys import ApiKeys
from backend.api.secretbox import SecretBox
from backend.cli import main
from backend.store.api_tables import WatcherLinkRecord

from .reference_client import OwnerClient


def test_owner_key_file_is_private_and_works(pool):
    path = pool.settings.data_dir / "owner-key.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((pool.settings.data_dir / "api-secret.key").stat().st_mode) == 0o600
    held = json.loads(path.read_text())
    assert set(held) == {"key", "secret", "owner", "api"}
    assert held["owner"] == "local" and held["api"] == pool.api.url


def test_secrets_are_not_in_the_database_in_clear(pool, owner_key):
    raw = sqlite3.connect(pool.settings.data_dir / "pool.sqlite3")
    dump = "\n".join(raw.iterdump())
    raw.close()
    assert owner_key["key"] in dump
    assert owner_key["secret"] not in dump


async def test_keys_create_cli(pool, http, capsys):
    data_dir = str(pool.settings.data_dir)
    assert (
        main(["keys", "create", "--owner", "someone_else", "--data-dir", data_dir, "--json"]) == 0
    )
    created = json.loads(capsys.readouterr().out)
    assert set(created) == {"key", "secret"}
    client = OwnerClient(http, created["key"], created["secret"])
    listed = (await client.post("/api/v4/mining/accounts")).json()
    assert [a["name"] for a in listed["data"]] == ["theirs"]  # only its owner's accounts
    assert main(["keys", "create", "--data-dir", data_dir]) == 0
    assert "shown this once" in capsys.readouterr().out
    assert main(["keys", "create", "--scopes", "root", "--data-dir", data_dir]) == 1


async def test_metrics(pool, http, owner):
    await owner.post("/api/v4/mining/accounts")
    await http.get("/api/v1/accounts/rigs/btc/miner/stats")
    async with httpx.AsyncClient() as scraper:
        port = pool.api.metrics_server.port
        text = (await scraper.get(f"http://127.0.0.1:{port}/metrics")).text
    for name in (
        "minerpool_stratum_connections",
        "minerpool_shares_accepted_total",
        "minerpool_hashrate",
        "minerpool_blocks_found_total",
        "minerpool_template_age_seconds",
        "minerpool_ledger_queue_depth",
    ):
        assert f"\n{name} " in text, name
    assert 'minerpool_api_requests_total{route="/api/v4/mining/accounts",status="200"} 1.0' in text
    assert (
        'minerpool_api_requests_total{route="/api/v1/accounts/{account}/btc/miner/stats",'
        'status="401"} 1.0'
    ) in text
    assert "worker=" not in text and "account=" not in text


def test_api_tables_on_every_database(database):
    store = database.open()
    try:
        keys = ApiKeys(store, SecretBox(b"m" * 32), lambda: 1000.0)
        key, secret = keys.create("local", ["read"])
        found = keys.lookup(key)
        assert found.secret == secret.encode() and found.scopes == frozenset({"read"})
        store.advance_nonces([(key, 50)])
        store.advance_nonces([(key, 40)])  # never lowered
        assert store.api_key(key).last_nonce == 50
        assert store.api_keys("local")[0].key == key
        for index in range(3):
            link = WatcherLinkRecord(
                f"id{index}",
                "local",
                "view",
                f"hash{index}",
                ("a", "b"),
                ("dashboard",),
                None if index else 2000,
                1000,
            )
            assert store.create_watcher_link(link, 3, 1000) is None
        extra = WatcherLinkRecord("id9", "local", "v", "hash9", ("b",), ("rewards",), None, 1000)
        assert store.create_watcher_link(extra, 3, 1000) == "b"
        assert store.watcher_link("id9") is None
        assert store.create_watcher_link(extra, 3, 2000) is None  # id0 expired at 2000
        active = store.active_watcher_links("local", "b", 2000)
        assert [link.id for link in active] == ["id1", "id2", "id9"]  # same second: by id
        assert store.revoke_watcher_link("id1", "local", 2001)
        assert not store.revoke_watcher_link("id1", "intruder", 2001)
        assert store.watcher_link_by_token("hash1").revoked_at == 2001
        assert store.watcher_link("id2").accounts == ("a", "b")
        assert store.connected_counts() == (0, 0)
    finally:
        store.close()
