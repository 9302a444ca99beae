"""Every endpoint, as a client written from the references sees it, against a pool with reference
miners mining: sign, send, and check every field and type of every answer."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator

import pytest

from backend.pool import Pool

from . import shapes
from .conftest import start_pool
from .shapes import check
from .test_watchers import token_of

ANONYMOUS = "bcrt1qdavt4j2sd7dlhqsavtnfxvzppw6k7qy97tmnu9"
PAYOUT_ADDRESS = "bcrt1qqqqsyqcyq5rqwzqfpg9scrgwpugpzysnard0ew"


async def wait_for(predicate, within: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.2)


@pytest.fixture
async def pool(tmp_path, database) -> AsyncIterator[Pool]:
    """The API pool on each database (SQLite, and PostgreSQL where configured)."""
    pool = await start_pool(database.data_dir, database=database.url)
    try:
        yield pool
    finally:
        await pool.stop()


async def test_every_endpoint_field_by_field(pool, http, owner):
    from backend.miner.client import ReferenceMiner

    url = f"stratum+tcp://127.0.0.1:{pool.stratum_port}"
    running = [
        ReferenceMiner(url, user, hashrate_limit=60_000)
        for user in ("rigs.one", "rigs.two", f"{ANONYMOUS}.bitaxe")
    ]
    tasks = [asyncio.create_task(miner.run()) for miner in running]
    try:

        async def both_online() -> bool:
            names = (await owner.post("/api/v4/mining/workers/names", {"account": "rigs"})).json()
            return names["data"]["workers"] == ["one", "two"]

        await wait_for(both_online)
        await wait_for(lambda: _has_blocks(owner))
        await _v4_endpoints(pool, http, owner)
        await _v1_endpoints(pool, http, owner)
    finally:
        for miner in running:
            miner.stop()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 10)


async def _has_blocks(owner) -> bool:
    response = await owner.get("/api/v1/accounts/rigs/btc/blocks")
    return bool(response.json()["blocks"])


async def _v4_endpoints(pool, http, owner) -> None:
    overview = await http.get("/api/v4/public/mining-pool")
    check(overview.json(), shapes.POOL_OVERVIEW)
    assert overview.json()["data"]["connection_links"] == [
        f"stratum+tcp://127.0.0.1:{pool.stratum_port}"
    ]
    assert overview.json()["data"]["workers"] == 3
    assert overview.json()["data"]["blocks"]

    created = await owner.post("/api/v4/mining/accounts/create", {"name": "rig_hall_a"})
    assert created.status_code == 200
    check(created.json(), shapes.ACCOUNT_CREATED)
    taken = await owner.post("/api/v4/mining/accounts/create", {"name": "rig_hall_a"})
    assert taken.status_code == 400
    assert taken.json() == {
        "code": 0,
        "message": "Validation failed",
        "errors": {"name": ["The name has already been taken."]},
    }
    listed = (await owner.post("/api/v4/mining/accounts")).json()
    check(listed, shapes.ACCOUNTS)
    assert listed["data"][0]["name"] == "rig_hall_a"  # newest first
    assert {a["name"] for a in listed["data"]} == {"rig_hall_a", "rigs", "spare"}
    only = (await owner.post("/api/v4/mining/accounts", {"name": "rigs"})).json()
    assert [a["name"] for a in only["data"]] == ["rigs"] and only["limit"] == 30

    now = int(pool.clock())
    today = now - now % 86400
    assert pool.store.close_fpps_day("rigs", today, now) is not None  # a reward row to read
    rewards = (await owner.post("/api/v4/mining/rewards", {"account": "rigs", "limit": 2})).json()
    check(rewards, shapes.REWARDS)
    (reward,) = rewards["data"]
    assert reward["miningAccountName"] == "rigs" and reward["date"] == today
    assert _sats(reward["totalReward"]) == _sats(reward["reward"]) + _sats(reward["fee"])
    assert (await owner.post("/api/v4/mining/rewards", {"account": "nobody"})).json()["data"] == []

    hashrate = await owner.post("/api/v4/mining/hashrate", {"account": "rigs", "interval": "5m"})
    check(hashrate.json(), shapes.ACCOUNT_HASHRATE)
    points = hashrate.json()["data"]["hashrate"]
    assert len(points) == 14 and float(points[-1]["hashrate"]) > 0
    assert all(re.fullmatch(r"[0-9]+\.[0-9]{2}", p["hashrate"]) for p in points)

    destination = (
        await owner.post("/api/v4/mining/payout-destination", {"accountName": "rigs"})
    ).json()
    check(destination, shapes.PAYOUT_DESTINATION)
    assert destination == {"payoutDestination": "main_balance", "externalAddress": None}
    edited = (
        await owner.post(
            "/api/v4/mining/payout-destination/edit",
            {
                "accountName": "rigs",
                "destination": "external_address",
                "address": PAYOUT_ADDRESS,
            },
        )
    ).json()
    assert edited == {"payoutDestination": "external_address", "externalAddress": PAYOUT_ADDRESS}
    for address, key in (
        (None, "miningPool.validation.payoutDestination.btcAddressRequired"),
        ("1BoatSLRfunny", "miningPool.validation.payoutDestination.invalidBtcAddress"),
        (
            "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",  # mainnet: not this pool's network
            "miningPool.validation.payoutDestination.invalidBtcAddress",
        ),
    ):
        fields = {"accountName": "rigs", "destination": "external_address"}
        if address:
            fields["address"] = address
        refused = (await owner.post("/api/v4/mining/payout-destination/edit", fields)).json()
        assert refused == {"code": 0, "message": "Validation failed", "errors": {"address": [key]}}
    back = (
        await owner.post(
            "/api/v4/mining/payout-destination/edit",
            {
                "accountName": "rigs",
                "destination": "main_balance",
                "address": PAYOUT_ADDRESS,
            },
        )
    ).json()
    assert back == {"payoutDestination": "main_balance", "externalAddress": None}

    info = (await owner.post("/api/v4/mining/miners/info", {"account": "rigs"})).json()
    check(info, shapes.MINERS_INFO)
    assert info["data"]["fee"] == "2.5"
    assert info["data"]["workers"]["online"] + info["data"]["workers"]["low"] == 2
    assert info["data"]["stratum"][0]["workersCount"] == 2

    names = (
        await owner.post(
            "/api/v4/mining/workers/names", {"account": "rigs", "limit": 1, "offset": 1}
        )
    ).json()
    check(names, shapes.WORKER_NAMES)
    assert names == {"data": {"workers": ["two"]}, "limit": 1, "offset": 1}

    worker = (
        await owner.post(
            "/api/v4/mining/workers/hashrate",
            {"account": "rigs", "worker": "one", "interval": "5m"},
        )
    ).json()
    check(worker, shapes.WORKER_HASHRATE)
    assert float(worker["data"]["hashrates"][-1]["hashrate"]) > 0  # TH/s, a small number
    unknown = (
        await owner.post("/api/v4/mining/workers/hashrate", {"account": "rigs", "worker": "ghost"})
    ).json()
    assert unknown == {"data": {"hashrates": []}}

    link = await owner.post(
        "/api/v4/mining/watcher-links/create",
        {
            "accounts": ["rigs"],
            "name": "client_view",
            "permissions": ["dashboard", "rewards", "workers"],
            "liveUntil": "7d",
        },
    )
    assert link.status_code == 201
    check(link.json(), shapes.LINK_CREATED)
    links = (await owner.post("/api/v4/mining/watcher-links/list", {"account": "rigs"})).json()
    check(links, shapes.LINKS)
    pool.test_token = token_of(link.json()["data"]["link"])

    balance = (await owner.post("/api/v4/mining/balance", {"account": "rigs"})).json()
    check(
        balance,
        {
            "data": {
                "account": shapes.STR,
                **{
                    field: shapes.DEC
                    for field in (
                        "available",
                        "immature",
                        "pendingPayout",
                        "totalPaid",
                        "totalEarned",
                        "payoutThreshold",
                    )
                },
            }
        },
    )
    payouts = (await owner.post("/api/v4/mining/payouts", {"account": "rigs"})).json()
    check(payouts, {"data": [shapes.PAYOUT], "limit": shapes.INT, "offset": shapes.INT})


async def _v1_endpoints(pool, http, owner) -> None:
    token = {"token": pool.test_token}
    base = "/api/v1/accounts/rigs"
    check((await http.get("/api/v1/pool/btc/stats")).json(), shapes.POOL_STATS)
    check((await http.get("/api/v1/watcher", params=token)).json(), shapes.SCOPE)
    stats = (await http.get(f"{base}/btc/miner/stats", params=token)).json()
    check(stats, shapes.MINER_STATS)
    assert stats["shares"]["accepted24h"] > 0 and stats["hashrate5m"] > 0
    check((await http.get(f"{base}/btc/rewards-stats", params=token)).json(), shapes.REWARDS_STATS)
    rewards = (await http.get(f"{base}/btc/rewards", params=token)).json()
    check(rewards, shapes.DAILY_REWARDS)
    assert len(rewards["rewards"]) == 1
    series = (
        await http.get(f"{base}/btc/miner/hashrate", params={**token, "interval": "5m"})
    ).json()
    check(series, shapes.MINER_HASHRATE)
    assert series["points"][-1]["activeWorkers"] == 2
    workers = (await http.get(f"{base}/btc/miner/workers", params=token)).json()
    check(workers, shapes.WORKERS)
    assert [w["name"] for w in workers["workers"]] == ["one", "two"]
    assert workers["workers"][0]["userAgent"].startswith("minerconsole-miner/")
    offline = (
        await http.get(f"{base}/btc/miner/workers", params={**token, "status": "offline"})
    ).json()
    assert offline["workers"] == [] and offline["totals"] == workers["totals"]
    check(
        (await http.get(f"{base}/btc/miner/workers/one/hashrate", params=token)).json(),
        shapes.WORKER_POINTS,
    )
    transactions = (await http.get(f"{base}/transactions", params=token)).json()
    check(transactions, shapes.TRANSACTIONS)
    assert transactions["transactions"][0]["type"] == "TX_TYPE_MINING_REWARD"
    blocks = (await http.get(f"{base}/btc/blocks", params=token)).json()
    check(blocks, shapes.BLOCKS)

    anon = f"/api/v1/anonymous/{ANONYMOUS}"
    check((await http.get(f"{anon}/btc/miner/stats")).json(), shapes.MINER_STATS)
    check((await http.get(f"{anon}/btc/miner/workers")).json(), shapes.WORKERS)
    check((await http.get(f"{anon}/transactions")).json(), shapes.TRANSACTIONS)
    missing = await http.get("/api/v1/anonymous/bcrt1qnobody/btc/miner/stats")
    assert missing.status_code == 404
    named = await http.get("/api/v1/anonymous/rigs/btc/miner/stats")
    assert named.status_code == 404  # a named account is not readable without a token

    await _events(http, base, token)


async def _events(http, base: str, token: dict) -> None:
    seen: dict[str, dict] = {}
    async with http.stream("GET", f"{base}/btc/events", params=token) as stream:
        assert stream.status_code == 200
        kind = None
        async for line in stream.aiter_lines():
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: ") and kind:
                seen[kind] = json.loads(line.removeprefix("data: "))
                break
    check(seen["hashrate"], shapes.MINER_HASHRATE["points"][0])


def _sats(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * 100_000_000 + int(frac.ljust(8, "0"))
