"""Property-based fuzzing of every endpoint from the OpenAPI document (schemathesis): whatever
the input, no 500, and every answer matches the documented status codes, content types and
schemas. Signed endpoints are signed (so the fuzzing reaches past authentication), and v1 reads
carry a watcher token for the account they name."""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import NO_DELAY, start_pool
from .reference_client import signed_headers

GENEROUS = {
    "key_requests": 1_000_000,
    "public_requests": 1_000_000,
    "token_per_minute": 1_000_000,
    "token_per_hour": 1_000_000,
    "failed_auth": 1_000_000,
}
"""Limits out of the fuzzer's way (the limits have their own tests)."""


@dataclass
class LiveApi:
    url: str
    key: str
    secret: str
    token: str
    http: httpx.Client


@pytest.fixture(scope="module")
def live_api(tmp_path_factory):
    """A pool serving its API from a thread of its own, for the synchronous fuzzer."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def run(coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(60)

    pool = run(start_pool(tmp_path_factory.mktemp("fuzz") / "pool", api_limits=GENEROUS))
    owner = json.loads((pool.settings.data_dir / "owner-key.json").read_text())
    token = run(_watcher_token(pool.api.context))
    transport = httpx.HTTPTransport(socket_options=NO_DELAY)
    http = httpx.Client(base_url=pool.api.url, timeout=10, transport=transport)
    try:
        yield LiveApi(pool.api.url, owner["key"], owner["secret"], token, http)
    finally:
        http.close()
        run(pool.stop())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


async def _watcher_token(ctx) -> str:
    record, token = await ctx.watchers.create(
        "local", ["rigs"], "fuzz", ["dashboard", "rewards", "workers"], "always"
    )
    assert record.id
    return token


@pytest.fixture(scope="module")
def api_schema(live_api):
    """The live OpenAPI document."""
    return schemathesis.openapi.from_url(live_api.url + "/openapi.json")


# The event stream never ends by itself; it has its own tests.
schema = schemathesis.pytest.from_fixture("api_schema").exclude(path_regex=r"/events$")
_nonces = itertools.count(time.time_ns())


def _send(case, live: LiveApi) -> httpx.Response:
    definition = case.operation.definition.raw
    query = dict(case.query or {})
    path_parameters = dict(case.path_parameters or {})
    if "account" in path_parameters and not case.path.startswith("/api/v1/anonymous"):
        path_parameters["account"] = "rigs"  # the account the token may read
    case.path_parameters = path_parameters
    path = case.formatted_path
    headers: dict[str, str] = {}
    body: bytes | None = None
    if "x-scope" in definition:
        fields = case.body if isinstance(case.body, dict) else {}
        fields = {**fields, "request": path, "nonce": next(_nonces)}
        fields.pop("nonceWindow", None)
        body = json.dumps(fields).encode()
        headers = signed_headers(live.key, live.secret, body)
    elif "token" in query or definition.get("security"):
        query["token"] = live.token
    return live.http.request(case.method, path, params=query, content=body, headers=headers)


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors_and_documented_answers(case, live_api):
    response = _send(case, live_api)
    case.validate_response(
        response,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )


def test_every_endpoint_is_fuzzed(api_schema):
    operations = {
        result.ok().path for result in api_schema.get_all_operations() if result.ok() is not None
    }
    assert {
        "/api/v4/public/mining-pool",
        "/api/v4/mining/accounts/create",
        "/api/v4/mining/accounts",
        "/api/v4/mining/rewards",
        "/api/v4/mining/hashrate",
        "/api/v4/mining/payout-destination",
        "/api/v4/mining/payout-destination/edit",
        "/api/v4/mining/miners/info",
        "/api/v4/mining/workers/names",
        "/api/v4/mining/workers/hashrate",
        "/api/v4/mining/watcher-links/create",
        "/api/v4/mining/watcher-links/list",
        "/api/v4/mining/watcher-links/revoke",
        "/api/v4/mining/balance",
        "/api/v4/mining/payouts",
        "/api/v1/pool/btc/stats",
        "/api/v1/watcher",
        "/api/v1/accounts/{account}/btc/miner/stats",
        "/api/v1/accounts/{account}/btc/rewards-stats",
        "/api/v1/accounts/{account}/btc/rewards",
        "/api/v1/accounts/{account}/btc/miner/hashrate",
        "/api/v1/accounts/{account}/btc/miner/workers",
        "/api/v1/accounts/{account}/btc/miner/workers/{worker}/hashrate",
        "/api/v1/accounts/{account}/transactions",
        "/api/v1/accounts/{account}/btc/blocks",
        "/api/v1/anonymous/{account}/btc/miner/stats",
    } <= operations
