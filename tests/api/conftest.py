"""A real pool on loopback with its API, for the API tests: the embedded chain, the owner key the
pool writes on first start, and a client signing from the reference alone."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from backend.config import load_settings
from backend.pool import Pool

from .reference_client import OwnerClient

API_FAST = {
    "stratum": "127.0.0.1:0",
    "start_difficulty": 1e-5,
    "min_difficulty": 1e-5,
    "max_difficulty": 1e-5,
    "log_level": "warning",
    "api": "127.0.0.1:0",
    "metrics": "127.0.0.1:0",
    "ledger": {"batch_interval": 0.2},
}
"""A fixed share difficulty of 1e-5 (CPU speed, as tests/e2e), the API and metrics on free ports,
and quick share batches."""


class Clock:
    """Wall time plus an offset the test moves forward (expiry without waiting)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


async def start_pool(data_dir, clock=time.time, **overrides) -> Pool:
    """A started pool with accounts `rigs` and `spare` (owner `local`) and `theirs` (owner
    `someone_else`)."""
    pool = Pool(load_settings({**API_FAST, "data_dir": data_dir, **overrides}), clock=clock)
    await pool.start()
    pool.accounts.create("rigs", "local")
    pool.accounts.create("spare", "local")
    pool.accounts.create("theirs", "someone_else")
    return pool


NO_DELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
"""Client socket option: without it, httpx's two writes per request meet delayed ACKs and every
request costs 40 ms."""


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "api_limits(**limits): API limit overrides for the `pool` fixture"
    )


@pytest.fixture
def clock() -> Clock:
    """The pool's clock."""
    return Clock()


@pytest.fixture
async def pool(tmp_path, request, clock) -> AsyncIterator[Pool]:
    """A started pool (see `start_pool`) on the test's clock, with the test's `api_limits`
    marker applied."""
    marker = request.node.get_closest_marker("api_limits")
    limits = dict(marker.kwargs) if marker else {}
    pool = await start_pool(tmp_path / "pool", clock=clock, api_limits=limits)
    try:
        yield pool
    finally:
        await pool.stop()


@pytest.fixture
async def http(pool) -> AsyncIterator[httpx.AsyncClient]:
    """A plain HTTP client for the pool's API."""
    transport = httpx.AsyncHTTPTransport(socket_options=NO_DELAY)
    async with httpx.AsyncClient(base_url=pool.api.url, timeout=10, transport=transport) as client:
        yield client


@pytest.fixture
def owner_key(pool) -> dict:
    """The owner key file the pool wrote on first start."""
    return json.loads((pool.settings.data_dir / "owner-key.json").read_text())


@pytest.fixture
def owner(http, owner_key) -> OwnerClient:
    """The local owner, signing with the key from `owner-key.json`."""
    return OwnerClient(http, owner_key["key"], owner_key["secret"])
