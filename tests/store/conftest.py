"""Every store test runs on SQLite and on PostgreSQL (the ``database`` fixture)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from backend.store.repository import Store

OpenStore = Callable[[], Store]


@pytest.fixture
def open_store(database) -> Iterator[OpenStore]:
    """Open (and reopen) the test's database; every store opened is closed afterwards."""
    opened: list[Store] = []

    def make() -> Store:
        opened.append(database.open())
        return opened[-1]

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: OpenStore) -> Store:
    """A fresh, migrated store."""
    return open_store()
