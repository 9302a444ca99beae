"""Fixtures: ``make_pool`` starts a real pool (see ``harness``) and stops it after the test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from .harness import MakePool, Pool, make_limits, start_pool


@pytest.fixture
async def make_pool() -> AsyncIterator[MakePool]:
    pools: list[Pool] = []

    async def factory(**options: Any) -> Pool:
        settings = {
            k: options.pop(k) for k in ("vardiff", "start_difficulty", "first_job") if k in options
        }
        pool = await start_pool(limits=make_limits(**options), **settings)
        pools.append(pool)
        return pool

    yield factory
    for pool in pools:
        await pool.server.stop(reconnect=False)


@pytest.fixture
async def pool(make_pool: MakePool) -> Pool:
    return await make_pool()
