"""A real pool on loopback with the embedded chain, for end-to-end tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from backend.config import load_settings
from backend.pool import Pool

from .harness import FAST


@pytest.fixture
async def pool(tmp_path) -> AsyncIterator[Pool]:
    """A started pool on the embedded chain with an account called `rigs`."""
    pool = Pool(load_settings({**FAST, "data_dir": tmp_path / "pool"}))
    await pool.start()
    pool.accounts.create("rigs", "local")
    try:
        yield pool
    finally:
        await pool.stop()
