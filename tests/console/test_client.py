"""The HTTP client: v4 signing exactly as the reference, v1 reads, watcher tokens, error mapping
and the event stream, against an httpx mock transport that checks every request."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json

import httpx
import pytest

from backend.api.schemas import PayoutDestinationEdit, WatcherLinkCreate
from minerconsole.api import AccessDenied, ApiRejected, EventsUnsupported, PoolUnavailable
from minerconsole.client import PoolClient, WatcherClient, pool_answers
from minerconsole.signing import OUT_OF_WINDOW, NonceSource, encode_body, sign_body

SECRET = "test_secret"
KEY = "k-public-1"


def test_signature_matches_the_reference_vector():
    """whitebit-v4-mining-api.md §3.2, self-computed vector."""
    body = encode_body({"request": "/api/v4/mining/accounts", "nonce": 1709340000000})
    assert body == b'{"request":"/api/v4/mining/accounts","nonce":1709340000000}'
    payload, signature = sign_body(body, SECRET)
    assert payload == (
        "eyJyZXF1ZXN0IjoiL2FwaS92NC9taW5pbmcvYWNjb3VudHMiLCJub25jZSI6MTcwOTM0MDAwMDAwMH0="
    )
    assert signature == (
        "e5396890406dfb88e8486a129d5983f4aa17d1d6526a9a05c867f50f138eb4b3"
        "91eea2d2f9bb1c595f485fa56998efb754445bc0d0e2d3fdb5531441cc16b87c"
    )


def test_nonces_never_repeat_or_go_back():
    times = iter([1.0, 1.0, 0.5, 2.0])
    source = NonceSource(lambda: next(times))
    assert [source.next() for _ in range(4)] == [1000, 1001, 1002, 2000]


def verified(request: httpx.Request) -> dict:
    """Check a signed request as the server must, and return its signed payload."""
    payload = request.headers["X-TXC-PAYLOAD"]
    expected = hmac.new(SECRET.encode(), payload.encode(), hashlib.sha512).hexdigest()
    assert request.headers["X-TXC-SIGNATURE"] == expected
    assert request.headers["X-TXC-APIKEY"] == KEY
    signed = json.loads(base64.b64decode(payload))
    if request.method == "POST":
        assert base64.b64decode(payload) == request.content  # the exact bytes sent
    assert signed["request"] == request.url.raw_path.decode()
    return signed


def owner(handler) -> PoolClient:
    return PoolClient("http://pool.test:8080", KEY, SECRET, transport=httpx.MockTransport(handler))


async def test_v4_writes_are_signed_over_the_exact_body():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(verified(request))
        return httpx.Response(
            200, json={"payoutDestination": "external_address", "externalAddress": "bcrt1q"}
        )

    client = owner(handler)
    edit = PayoutDestinationEdit(
        account_name="alice", destination="external_address", address="bcrt1q"
    )
    result = await client.set_payout_destination(edit)
    await client.close()
    assert result.external_address == "bcrt1q"
    body = seen[0]
    assert body["request"] == "/api/v4/mining/payout-destination/edit"
    assert body["accountName"] == "alice" and body["destination"] == "external_address"
    assert isinstance(body["nonce"], int)


async def test_v1_reads_sign_path_and_query():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(verified(request))
        assert request.method == "GET"
        return httpx.Response(200, json={"interval": "5m", "points": []})

    client = owner(handler)
    series = await client.miner_hashrate("alice", "5m")
    await client.close()
    assert series.interval == "5m"
    assert seen[0]["request"] == "/api/v1/accounts/alice/btc/miner/hashrate?interval=5m"


async def test_watcher_sends_its_token_and_cannot_write():
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.params["token"] == "wt_abc"
        assert "X-TXC-APIKEY" not in request.headers
        return httpx.Response(
            200, json={"accounts": ["alice"], "permissions": ["dashboard"], "liveUntil": None}
        )

    client = WatcherClient("http://pool.test", "wt_abc", transport=httpx.MockTransport(handler))
    scope = await client.scope()
    assert scope.accounts == ["alice"]
    assert not client.is_owner
    with pytest.raises(AccessDenied):
        await client.create_watcher_link(
            WatcherLinkCreate(accounts=["a"], name="n", permissions=["dashboard"], live_until="1h")
        )
    await client.close()


V4_INVALID = {"code": 0, "message": "Validation failed", "errors": {"name": ["taken"]}}
V1_FORBIDDEN = {"code": "auth.unexpected_error", "message": "permission check failed"}
V1_UNAUTHORIZED = {"code": "auth.unauthorized", "message": "Unauthorized"}
V1_LIMITED = {"code": "rate_limit.exceeded", "message": "Too Many Requests"}


@pytest.mark.parametrize(
    "status,body,headers,error",
    [
        (400, V4_INVALID, {}, ApiRejected),
        (403, V1_FORBIDDEN, {}, AccessDenied),
        (401, V1_UNAUTHORIZED, {}, AccessDenied),
        (429, V1_LIMITED, {"Retry-After": "7"}, PoolUnavailable),
        (503, None, {}, PoolUnavailable),
    ],
)
async def test_error_statuses_map_to_errors(status, body, headers, error):
    def handler(request: httpx.Request) -> httpx.Response:
        if body is None:
            return httpx.Response(status, text="<html>down</html>", headers=headers)
        return httpx.Response(status, json=body, headers=headers)

    client = owner(handler)
    with pytest.raises(error) as raised:
        await client.create_account("rig")
    await client.close()
    if status == 400:
        assert raised.value.describe() == "name: taken"
    if status == 429:
        assert raised.value.retry_after == 7


async def test_connection_refused_is_unavailable_and_bad_json_is_rejected():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = owner(refuse)
    with pytest.raises(PoolUnavailable, match="cannot reach"):
        await client.pool_stats()
    await client.close()

    client = owner(lambda request: httpx.Response(200, json={"surprise": True}))
    with pytest.raises(ApiRejected, match="unexpected answer"):
        await client.pool_stats()
    await client.close()


async def test_event_stream_yields_events_and_reports_a_missing_stream():
    stream = (
        b": keep-alive\n\n"
        b'event: worker\ndata: {"name": "rig1",\ndata: "status": "online"}\n\n'
        b"event: hashrate\ndata: not json\n\n"
        b'event: block\ndata: {"height": 5}\n\n'
    )

    def handler(request: httpx.Request) -> httpx.Response:
        verified(request)
        assert request.url.path == "/api/v1/accounts/alice/btc/events"
        return httpx.Response(200, content=stream, headers={"content-type": "text/event-stream"})

    client = owner(handler)
    events = [event async for event in client.events("alice")]
    await client.close()
    assert events == [("worker", {"name": "rig1", "status": "online"}), ("block", {"height": 5})]

    client = owner(lambda request: httpx.Response(404, json={"code": "x", "message": "no"}))
    with pytest.raises(EventsUnsupported):
        async for _ in client.events("alice"):
            pass
    await client.close()


async def test_the_secret_never_shows_in_repr():
    client = owner(lambda request: httpx.Response(200))
    assert SECRET not in repr(client)
    await client.close()


async def test_pool_answers_probe():
    up = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    assert await pool_answers("http://pool.test", transport=up)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    assert not await pool_answers("http://pool.test", transport=httpx.MockTransport(refuse))


async def test_reads_use_the_nonce_window_and_fall_back_to_ordered_counters():
    """Concurrent requests carry `nonceWindow`; when the pool's clock is too far off, the client
    switches to plain counters and sends one request at a time, in nonce order."""
    seen: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        signed = verified(request)
        seen.append(signed)
        if signed.get("nonceWindow"):
            return httpx.Response(401, json={"code": 8, "message": OUT_OF_WINDOW})
        return httpx.Response(
            200, json={"accounts": ["a"], "permissions": ["dashboard"], "liveUntil": None}
        )

    client = owner(handler)
    assert client.nonce_window
    await asyncio.gather(*(client.scope() for _ in range(5)))
    await client.close()
    assert not client.nonce_window
    counters = [body["nonce"] for body in seen if "nonceWindow" not in body]
    assert len(counters) == 5
    assert counters == sorted(counters)
