"""Hostile requests against the signed API: each gets the documented error and changes nothing."""

from __future__ import annotations

import asyncio
import base64
import json
import time

import pytest

from .reference_client import OwnerClient, body_bytes, next_nonce, signed_headers

ACCOUNTS = "/api/v4/mining/accounts"
CREATE = "/api/v4/mining/accounts/create"
EDIT = "/api/v4/mining/payout-destination/edit"
ADDRESS = "bcrt1qdavt4j2sd7dlhqsavtnfxvzppw6k7qy97tmnu9"


def error(response) -> tuple[int, int, str]:
    body = response.json()
    return response.status_code, body["code"], body["message"]


async def names(owner) -> list[str]:
    response = await owner.post(ACCOUNTS)
    assert response.status_code == 200
    return [item["name"] for item in response.json()["data"]]


async def destination(owner, account: str = "rigs") -> dict:
    response = await owner.post("/api/v4/mining/payout-destination", {"accountName": account})
    return response.json()


async def test_bad_base64_payload(http, owner, owner_key):
    body = body_bytes(CREATE, {"name": "evil"})
    headers = signed_headers(owner_key["key"], owner_key["secret"], body)
    good = headers["X-TXC-PAYLOAD"]
    urlsafe = base64.urlsafe_b64encode(body.replace(b"}", b"}~~?")).decode()
    for payload in (good + "==", "%%%" + good, good.rstrip("="), "e30", urlsafe):
        response = await http.post(
            CREATE, content=body, headers={**headers, "X-TXC-PAYLOAD": payload}
        )
        assert error(response) == (400, 9, "Invalid payload.")
    assert "evil" not in await names(owner)


async def test_payload_that_is_not_the_body(http, owner, owner_key):
    signed = body_bytes(CREATE, {"name": "innocent"})
    sent = signed.replace(b"innocent", b"evil_one")
    headers = signed_headers(owner_key["key"], owner_key["secret"], signed)
    response = await http.post(CREATE, content=sent, headers=headers)
    assert error(response) == (400, 9, "Invalid payload.")
    # Re-spaced JSON is another byte string, so it is not the signed body either.
    spaced = json.dumps(json.loads(signed)).encode()
    response = await http.post(CREATE, content=spaced, headers=headers)
    assert error(response) == (400, 9, "Invalid payload.")
    assert not {"innocent", "evil_one"} & set(await names(owner))


async def test_missing_headers_and_bad_signatures(http, owner, owner_key):
    body = body_bytes(CREATE, {"name": "nobody"})
    headers = signed_headers(owner_key["key"], owner_key["secret"], body)
    no_payload = {k: v for k, v in headers.items() if k != "X-TXC-PAYLOAD"}
    assert error(await http.post(CREATE, content=body, headers=no_payload)) == (
        401,
        1,
        "Payload not provided.",
    )
    unauthorized = (401, 2, "Unauthorized request.")
    cases = [
        {**headers, "X-TXC-SIGNATURE": "0" * 128},
        {**headers, "X-TXC-SIGNATURE": headers["X-TXC-SIGNATURE"].upper()},
        {**headers, "X-TXC-SIGNATURE": "é" * 128},
        {**headers, "X-TXC-APIKEY": "f" * 32},  # unknown key: same answer as a bad signature
        {k: v for k, v in headers.items() if k != "X-TXC-APIKEY"},
        {k: v for k, v in headers.items() if k != "X-TXC-SIGNATURE"},
    ]
    for case in cases:
        encoded = {k: v.encode("utf-8") for k, v in case.items()}
        assert error(await http.post(CREATE, content=body, headers=encoded)) == unauthorized
    assert "nobody" not in await names(owner)


async def test_replayed_nonce(http, owner, owner_key):
    body = body_bytes(CREATE, {"name": "once"})
    headers = signed_headers(owner_key["key"], owner_key["secret"], body)
    assert (await http.post(CREATE, content=body, headers=headers)).status_code == 200
    replay = await http.post(CREATE, content=body, headers=headers)
    assert error(replay) == (401, 7, "Too many requests.")
    # An older nonce is refused too, even on another endpoint.
    older = body_bytes(ACCOUNTS, {}, nonce=json.loads(body)["nonce"] - 1)
    response = await http.post(
        ACCOUNTS,
        content=older,
        headers=signed_headers(owner_key["key"], owner_key["secret"], older),
    )
    assert error(response) == (401, 7, "Too many requests.")


async def test_replayed_nonce_concurrently_passes_once(http, owner, owner_key):
    before = await destination(owner)
    body = body_bytes(
        EDIT, {"accountName": "rigs", "destination": "external_address", "address": ADDRESS}
    )
    headers = signed_headers(owner_key["key"], owner_key["secret"], body)
    responses = await asyncio.gather(
        *(http.post(EDIT, content=body, headers=headers) for _ in range(20))
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [401] * 19
    assert before["payoutDestination"] == "main_balance"
    assert (await destination(owner))["externalAddress"] == ADDRESS


async def test_replay_survives_a_restart(pool, http, owner, owner_key):
    body = body_bytes(ACCOUNTS, {})
    headers = signed_headers(owner_key["key"], owner_key["secret"], body)
    assert (await http.post(ACCOUNTS, content=body, headers=headers)).status_code == 200
    key = pool.store.api_key(owner_key["key"])
    assert key.last_nonce == json.loads(body)["nonce"]  # durable before the answer


async def test_nonce_window(http, owner, owner_key):
    now_ms = int(time.time() * 1000)
    first = await owner.post(ACCOUNTS, nonce=now_ms, window=True)
    assert first.status_code == 200
    again = await owner.post(ACCOUNTS, nonce=now_ms, window=True)
    assert error(again) == (401, 7, "Too many requests.")
    stale = await owner.post(ACCOUNTS, nonce=now_ms - 6000, window=True)
    assert error(stale) == (
        401,
        8,
        "Your nonce is more than 5 seconds lesser than the current nonce",
    )
    body = json.dumps({"request": ACCOUNTS, "nonce": next_nonce(), "nonceWindow": "yes"}).encode()
    response = await http.post(
        ACCOUNTS, content=body, headers=signed_headers(owner_key["key"], owner_key["secret"], body)
    )
    assert error(response) == (401, 10, "Invalid nonceWindow.")


async def test_missing_request_and_nonce(http, owner_key):
    key, secret = owner_key["key"], owner_key["secret"]
    for fields, expected in (
        ({"nonce": next_nonce()}, (401, 5, "Request not provided.")),
        ({"request": ACCOUNTS}, (401, 6, "Nonce not provided.")),
        ({"request": ACCOUNTS, "nonce": 1.5}, (401, 6, "Nonce not provided.")),
        ({"request": ACCOUNTS, "nonce": True}, (401, 6, "Nonce not provided.")),
        ({"request": ACCOUNTS, "nonce": 2**64}, (401, 6, "Nonce not provided.")),
    ):
        body = json.dumps(fields).encode()
        response = await http.post(
            ACCOUNTS, content=body, headers=signed_headers(key, secret, body)
        )
        assert error(response) == expected
    # The older docs' string nonce is accepted.
    body = json.dumps({"request": ACCOUNTS, "nonce": str(next_nonce())}).encode()
    response = await http.post(ACCOUNTS, content=body, headers=signed_headers(key, secret, body))
    assert response.status_code == 200


async def test_request_must_be_the_routed_path(http, owner, owner_key):
    # A signature made for a read endpoint cannot be replayed against the payout edit.
    body = body_bytes(
        "/api/v4/mining/payout-destination",
        {"accountName": "rigs", "destination": "external_address", "address": ADDRESS},
    )
    headers = signed_headers(owner_key["key"], owner_key["secret"], body)
    response = await http.post(EDIT, content=body, headers=headers)
    assert error(response) == (401, 2, "Unauthorized request.")
    assert response.json()["errors"] == {
        "request": ["The request does not match the requested path."]
    }
    for path in (EDIT + "/", EDIT + "?x=1"):
        body = body_bytes(path, {"accountName": "rigs", "destination": "main_balance"})
        headers = signed_headers(owner_key["key"], owner_key["secret"], body)
        response = await http.post(EDIT, content=body, headers=headers)
        assert response.status_code == 401
    assert (await destination(owner))["payoutDestination"] == "main_balance"


async def test_another_owners_account_is_not_found(owner):
    before = await destination(owner, "theirs")
    assert before["code"] == 0
    response = await owner.post(
        EDIT, {"accountName": "theirs", "destination": "external_address", "address": ADDRESS}
    )
    assert response.json() == {
        "code": 0,
        "message": "Validation failed",
        "errors": {"user": ["Mining account not found."]},
    }
    for path, field in (
        ("/api/v4/mining/miners/info", "account"),
        ("/api/v4/mining/workers/names", "account"),
        ("/api/v4/mining/watcher-links/list", "account"),
    ):
        response = await owner.post(path, {field: "theirs"})
        assert response.json()["errors"] == {"user": ["Mining pool account 'theirs' not found"]}
    response = await owner.post("/api/v4/mining/hashrate", {"account": "theirs"})
    assert response.json()["errors"] == {"account": ["Account not found"]}
    response = await owner.post("/api/v4/mining/rewards", {"account": "theirs"})
    assert response.status_code == 200 and response.json()["data"] == []
    response = await owner.post(
        "/api/v4/mining/watcher-links/create",
        {
            "accounts": ["rigs", "theirs"],
            "name": "peek",
            "permissions": ["dashboard"],
            "liveUntil": "1h",
        },
    )
    assert response.json()["errors"] == {"user": ["Mining pool account 'theirs' not found"]}
    assert (await owner.post("/api/v4/mining/watcher-links/list", {"account": "rigs"})).json() == {
        "data": []
    }
    assert "theirs" not in await names(owner)


@pytest.mark.api_limits(max_body_bytes=1024)
async def test_oversize_body(pool, http, owner, owner_key):
    big = body_bytes(CREATE, {"name": "huge", "referralCode": "x" * 2000})
    headers = signed_headers(owner_key["key"], owner_key["secret"], big)
    response = await http.post(CREATE, content=big, headers=headers)
    assert response.status_code == 413
    assert response.json() == {"code": 413, "message": "Payload too large."}

    # Without Content-Length the body is counted as it streams in, and cut off at the cap.
    reader, writer = await asyncio.open_connection("127.0.0.1", pool.api.api.port)
    head = f"POST {CREATE} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    writer.write(head.encode())
    for start in range(0, len(big), 100):
        writer.write(b"%x\r\n%s\r\n" % (len(big[start : start + 100]), big[start : start + 100]))
    writer.write(b"0\r\n\r\n")
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 413")
    assert "huge" not in await names(owner)


@pytest.mark.api_limits(header_timeout=1.0)
async def test_slow_headers_are_cut_off(pool):
    reader, writer = await asyncio.open_connection("127.0.0.1", pool.api.api.port)
    writer.write(b"POST /api/v4/mining/accounts HTTP/1.1\r\nHost: x\r\n")
    await writer.drain()
    started = time.monotonic()
    for _ in range(10):  # dribble a header line every 0.3 s, never finishing the head
        writer.write(b"X-Slow: 1\r\n")
        try:
            await writer.drain()
        except ConnectionError:
            break
        if reader.at_eof():
            break
        await asyncio.sleep(0.3)
    assert await asyncio.wait_for(reader.read(), 5) == b""
    assert time.monotonic() - started < 3.0
    writer.close()


@pytest.mark.api_limits(body_timeout=1.0)
async def test_slow_body_gets_408(pool, owner_key):
    body = body_bytes(CREATE, {"name": "slowpoke"})
    headers = signed_headers(owner_key["key"], owner_key["secret"], body)
    reader, writer = await asyncio.open_connection("127.0.0.1", pool.api.api.port)
    head = f"POST {CREATE} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    writer.write(head.encode() + body[:5])
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 5)
    assert answer.startswith(b"HTTP/1.1 408")
    writer.close()


async def test_injection_in_names(owner):
    before = await names(owner)
    for name in ("rigs'; DROP TABLE accounts; --", "a.b", "<script>", "x" * 256, "名前", ""):
        response = await owner.post(CREATE, {"name": name})
        assert response.status_code == 400
        assert response.json()["message"] == "Validation failed"
        assert list(response.json()["errors"]) == ["name"]
    response = await owner.post(
        "/api/v4/mining/watcher-links/create",
        {
            "accounts": ["rigs"],
            "name": "<img src=x>",
            "permissions": ["dashboard"],
            "liveUntil": "1h",
        },
    )
    assert response.json()["errors"] == {"name": ["The name format is invalid."]}
    response = await owner.post("/api/v4/mining/rewards", {"account": "' OR 1=1 --"})
    assert response.json()["data"] == []
    assert await names(owner) == before


async def test_validation_messages(owner):
    cases = [
        ({"limit": 101}, {"limit": ["validation.max.integer"]}),
        ({"limit": 0}, {"limit": ["validation.min"]}),
        ({"offset": 10001}, {"offset": ["validation.max"]}),
        ({"limit": "10"}, {"limit": ["validation.integer"]}),
    ]
    for fields, errors in cases:
        response = await owner.post("/api/v4/mining/rewards", fields)
        assert response.status_code == 400
        assert response.json() == {"code": 0, "message": "Validation failed", "errors": errors}
    for fields in ({"from": 20, "to": 10}, {"from": -1}):
        response = await owner.post("/api/v4/mining/rewards", fields)
        assert (response.status_code, response.json()) == (
            422,
            {"code": 422, "message": "Incorrect timestamp"},
        )


async def test_scopes_are_enforced(pool, http, owner):
    key, secret = pool.api.context.keys.create("local", ["read"])
    reader = OwnerClient(http, key, secret)
    assert (await reader.post(ACCOUNTS)).status_code == 200
    response = await reader.post(
        EDIT, {"accountName": "rigs", "destination": "external_address", "address": ADDRESS}
    )
    assert error(response) == (403, 4, "You don't have permission to use this endpoint.")
    response = await reader.post(CREATE, {"name": "readers_cannot"})
    assert response.status_code == 403
    assert (await destination(owner))["payoutDestination"] == "main_balance"


async def test_disabled_key(pool, owner):
    key = owner.key
    pool.store.set_api_key_disabled(key, True)
    pool.api.context.keys.forget(key)
    response = await owner.post(ACCOUNTS)
    assert error(response) == (
        401,
        3,
        "This action is unauthorized. Enable your key in API settings",
    )


@pytest.mark.api_limits(failed_auth=5)
async def test_failed_authentications_are_throttled_per_ip(http, owner, owner_key):
    body = body_bytes(ACCOUNTS, {})
    bad = {
        **signed_headers(owner_key["key"], owner_key["secret"], body),
        "X-TXC-SIGNATURE": "0" * 128,
    }
    for _ in range(5):
        assert (await http.post(ACCOUNTS, content=body, headers=bad)).status_code == 401
    throttled = await http.post(ACCOUNTS, content=body, headers=bad)
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) >= 1
    # Even a good request from that address waits: guessing must not go on.
    assert (await owner.post(ACCOUNTS)).status_code == 429


@pytest.mark.api_limits(key_requests=3)
async def test_key_rate_limit_per_endpoint(owner):
    statuses = [(await owner.post(ACCOUNTS)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = await owner.post(ACCOUNTS)
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.json() == {"code": 429, "message": "Rate limit exceeded."}
    # Another endpoint has its own budget, and the refused nonces were not consumed.
    assert (
        await owner.post("/api/v4/mining/payout-destination", {"accountName": "rigs"})
    ).status_code == 200


async def test_errors_never_carry_a_traceback(http):
    for response in (
        await http.get("/api/v4/nothing"),
        await http.post("/api/v4/public/mining-pool"),
        await http.get("/api/v1/accounts/rigs/btc/miner/workers?status=bogus&token=x"),
    ):
        assert response.status_code in (400, 404, 405)
        assert "Traceback" not in response.text
        assert response.headers["content-type"] == "application/json"
    assert (await http.get("/api/v4/nothing")).json() == {"code": 404, "message": "Not Found."}
