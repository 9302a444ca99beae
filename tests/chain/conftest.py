"""Fixtures for the chain tests: a settable clock and a fresh embedded chain in tmp_path."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.chain.embedded import EmbeddedChain

from .blocks import Clock


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "chain"


@pytest.fixture
def chain(data_dir: Path, clock: Clock) -> Iterator[EmbeddedChain]:
    with EmbeddedChain(data_dir, clock=clock) as chain:
        yield chain
