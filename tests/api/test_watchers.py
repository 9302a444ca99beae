"""The watcher flow end to end: the owner makes a link, a watcher reads with its token within the
link's accounts and permissions, until it expires or is revoked."""

from __future__ import annotations

import asyncio
import json
import logging
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from backend.api.watchers import token_hash

from .reference_client import OwnerClient

FORBIDDEN = {"code": "auth.unexpected_error", "message": "permission check failed"}
STATS = "/api/v1/accounts/{}/btc/miner/stats"


async def create_link(owner, **fields) -> dict:
    body = {
        "accounts": ["rigs"],
        "name": "client_view",
        "permissions": ["dashboard", "workers"],
        "liveUntil": "1h",
        **fields,
    }
    response = await owner.post("/api/v4/mining/watcher-links/create", body)
    assert response.status_code == 201, response.text
    return response.json()["data"]


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


async def test_watcher_reads_within_its_link(pool, http, owner, clock):
    data = await create_link(owner)
    token = token_of(data["link"])
    assert len(token) >= 43  # 256 bits, urlsafe base64
    assert data["liveUntil"] == data["createdAt"] + 3600
    assert data["link"].startswith(pool.api.url + "/mining-pool/watcher-link/" + data["id"])

    ok = await http.get(STATS.format("rigs"), params={"token": token})
    assert ok.status_code == 200
    assert ok.headers["cache-control"] == "no-store"
    assert ok.headers["referrer-policy"] == "no-referrer"
    bearer = await http.get(
        "/api/v1/accounts/rigs/btc/miner/workers", headers={"Authorization": f"Bearer {token}"}
    )
    assert bearer.status_code == 200
    scope = await http.get("/api/v1/watcher", params={"token": token})
    assert scope.json() == {
        "accounts": ["rigs"],
        "permissions": ["dashboard", "workers"],
        "liveUntil": data["liveUntil"],
    }
    landing = await http.get(urlsplit(data["link"]).path, params={"token": token})
    assert landing.json() == scope.json()

    # Outside its permissions, its accounts, or an account that does not exist: one 403.
    for path in (
        "/api/v1/accounts/rigs/btc/rewards-stats",
        "/api/v1/accounts/rigs/transactions",
        STATS.format("spare"),
        STATS.format("theirs"),
        STATS.format("no_such_account"),
    ):
        response = await http.get(path, params={"token": token})
        assert (response.status_code, response.json()) == (403, FORBIDDEN), path

    # No token at all: the seed's 401 with a fresh state each time.
    first = await http.get(STATS.format("rigs"))
    second = await http.get(STATS.format("rigs"))
    assert first.status_code == 401
    assert first.json()["code"] == "auth.unauthorized"
    assert first.json()["message"] == "Unauthorized"
    assert first.json()["redirect"].startswith("/api/oauth/authorize?state=")
    assert first.json()["redirect"] != second.json()["redirect"]
    notice = await http.get(first.json()["redirect"])
    assert notice.status_code == 200 and "watcher token" in notice.text

    # The token is stored only as its hash; the list shows the link masked.
    assert pool.store.watcher_link_by_token(token_hash(token)).id == data["id"]
    listed = (await owner.post("/api/v4/mining/watcher-links/list", {"account": "rigs"})).json()
    (item,) = listed["data"]
    assert token not in json.dumps(listed)
    assert item["link"].endswith("?token=********")
    assert item == {
        "id": data["id"],
        "accounts": ["rigs"],
        "name": "client_view",
        "link": item["link"],
        "permissions": ["dashboard", "workers"],
        "liveUntil": data["liveUntil"],
        "createdAt": data["createdAt"],
    }


async def test_expired_link_is_refused_at_once(http, owner, clock):
    token = token_of((await create_link(owner, liveUntil="1h"))["link"])
    always = token_of((await create_link(owner, liveUntil="always", name="forever"))["link"])
    assert (await http.get(STATS.format("rigs"), params={"token": token})).status_code == 200
    clock.offset += 3600
    expired = await http.get(STATS.format("rigs"), params={"token": token})
    assert (expired.status_code, expired.json()) == (403, FORBIDDEN)
    assert (await http.get(STATS.format("rigs"), params={"token": always})).status_code == 200
    listed = (await owner.post("/api/v4/mining/watcher-links/list", {"account": "rigs"})).json()
    assert [item["name"] for item in listed["data"]] == ["forever"]
    assert listed["data"][0]["liveUntil"] is None


async def test_revoked_link_is_refused_at_once(http, owner):
    data = await create_link(owner)
    token = token_of(data["link"])
    assert (await http.get(STATS.format("rigs"), params={"token": token})).status_code == 200
    revoked = await owner.post("/api/v4/mining/watcher-links/revoke", {"id": data["id"]})
    assert revoked.json() == {"data": {"id": data["id"], "revoked": True}}
    response = await http.get(STATS.format("rigs"), params={"token": token})
    assert (response.status_code, response.json()) == (403, FORBIDDEN)
    again = await owner.post("/api/v4/mining/watcher-links/revoke", {"id": data["id"]})
    assert again.status_code == 200
    unknown = await owner.post("/api/v4/mining/watcher-links/revoke", {"id": "nope"})
    assert unknown.json()["errors"] == {"id": ["Watcher link not found."]}


async def test_at_most_three_active_links_per_account(owner):
    links = [await create_link(owner, name=f"view_{i}") for i in range(3)]
    fourth = await owner.post(
        "/api/v4/mining/watcher-links/create",
        {
            "accounts": ["spare", "rigs"],
            "name": "view_3",
            "permissions": ["dashboard"],
            "liveUntil": "24h",
        },
    )
    assert fourth.status_code == 400
    assert fourth.json() == {
        "code": 0,
        "message": "Validation failed",
        "errors": {"user": ["Limit exceeded"]},
    }
    # `spare` got no link out of the refused request.
    listed = await owner.post("/api/v4/mining/watcher-links/list", {"account": "spare"})
    assert listed.json() == {"data": []}
    await owner.post("/api/v4/mining/watcher-links/revoke", {"id": links[0]["id"]})
    assert (await create_link(owner, name="view_4"))["id"]


@pytest.mark.api_limits(token_per_minute=5, token_per_hour=8)
async def test_token_rate_limits(http, owner, clock):
    token = token_of((await create_link(owner))["link"])
    statuses = [
        (await http.get(STATS.format("rigs"), params={"token": token})).status_code
        for _ in range(6)
    ]
    assert statuses == [200] * 5 + [429]
    limited = await http.get(STATS.format("rigs"), params={"token": token})
    assert limited.json() == {"code": "rate_limit.exceeded", "message": "Too Many Requests"}
    assert 1 <= int(limited.headers["Retry-After"]) <= 60


@pytest.mark.api_limits(failed_auth=3)
async def test_token_guessing_is_throttled(http, owner):
    token = token_of((await create_link(owner))["link"])
    for _ in range(3):
        guess = await http.get(STATS.format("rigs"), params={"token": "guess" + "x" * 40})
        assert guess.status_code == 403
    throttled = await http.get(STATS.format("rigs"), params={"token": token})
    assert throttled.status_code == 429 and "Retry-After" in throttled.headers


async def test_owner_reads_with_its_signature(owner):
    response = await owner.get("/api/v1/accounts/rigs/btc/rewards-stats")
    assert response.status_code == 200
    assert response.json()["payoutDestination"] == {"type": "main_balance", "address": None}
    response = await owner.get("/api/v1/accounts/rigs/btc/miner/hashrate?interval=5m")
    assert response.status_code == 200 and response.json()["interval"] == "5m"
    foreign = await owner.get("/api/v1/accounts/theirs/btc/miner/stats")
    assert (foreign.status_code, foreign.json()) == (403, FORBIDDEN)
    scope = (await owner.get("/api/v1/watcher")).json()
    assert sorted(scope.pop("accounts")) == ["rigs", "spare"]
    assert scope == {"permissions": ["dashboard", "rewards", "workers"], "liveUntil": None}


async def test_token_never_reaches_the_log(tmp_path, caplog):
    from .conftest import start_pool

    pool = await start_pool(tmp_path / "debug", log_level="debug")
    try:
        key = json.loads((pool.settings.data_dir / "owner-key.json").read_text())
        async with httpx.AsyncClient(base_url=pool.api.url) as http:
            owner = OwnerClient(http, key["key"], key["secret"])
            token = token_of((await create_link(owner))["link"])
            with caplog.at_level(logging.DEBUG):
                await http.get(STATS.format("spare"), params={"token": token})
                await http.get(STATS.format("rigs"), params={"token": token})
                await http.get(STATS.format("rigs"), headers={"Authorization": f"Bearer {token}"})
    finally:
        await pool.stop()
    server_lines = [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith(("minerpool", "uvicorn"))
    ]
    assert any(
        "/api/v1/accounts/rigs/btc/miner/stats?token=[redacted]" in line for line in server_lines
    )
    assert not any(token in line for line in server_lines)


@pytest.mark.api_limits(sse_tick=0.2)
async def test_event_stream_ticks_and_ends_on_revocation(http, owner):
    data = await create_link(owner, permissions=["dashboard"])
    token = token_of(data["link"])
    url = "/api/v1/accounts/rigs/btc/events"
    async with http.stream("GET", url, params={"token": token}) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.aiter_lines()
        assert (await anext(lines)).startswith("retry:")
        while await asyncio.wait_for(anext(lines), 5) != "event: hashrate":
            pass
        tick = json.loads((await anext(lines)).removeprefix("data: "))
        assert set(tick) == {"timestamp", "hashrate", "rejectRate", "activeWorkers"}
        await owner.post("/api/v4/mining/watcher-links/revoke", {"id": data["id"]})
        rest = await asyncio.wait_for(_drain(lines), 5)
    # Only what the link may see: `dashboard` carries no worker events.
    assert not any(line == "event: worker" for line in rest)


async def _drain(lines) -> list[str]:
    seen = []
    try:
        async for line in lines:
            seen.append(line)
    except httpx.HTTPError:
        pass
    return seen
