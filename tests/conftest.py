"""Fixtures shared by every test package: the database a test runs on.

``database`` is parametrized over SQLite and PostgreSQL. PostgreSQL is the database named by
``MINERPOOL_TEST_POSTGRES`` (a ``postgresql://`` URL; CI always sets it, see README "Tests"); each
test gets a fresh schema in it, dropped afterwards. Its case is skipped only when that variable is
absent.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import pytest

POSTGRES_ENV = "MINERPOOL_TEST_POSTGRES"


@dataclass(frozen=True)
class Database:
    """Where a test's pool keeps its data."""

    kind: str
    """``sqlite`` or ``postgres``."""
    url: str | None
    """The ``database`` setting: None (SQLite in the data directory) or a PostgreSQL URL."""
    data_dir: Path
    """A fresh data directory for the test."""

    def open(self):
        """Open the store (the caller closes it)."""
        from backend.store.repository import open_store

        return open_store(self.url, self.data_dir)


def with_schema(url: str, schema: str) -> str:
    """``url`` with ``options=-c search_path=<schema>``: every connection made from it, in this
    process or a child process, works inside that schema."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "options"]
    query.append(("options", f"-c search_path={schema}"))
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))


_SKIP_POSTGRES = pytest.mark.skipif(
    not os.environ.get(POSTGRES_ENV), reason=f"{POSTGRES_ENV} is not set"
)


@contextlib.contextmanager
def _postgres(data_dir: Path) -> Iterator[Database]:
    import psycopg

    url = os.environ[POSTGRES_ENV]
    schema = "t_" + secrets.token_hex(6)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield Database("postgres", with_schema(url, schema), data_dir)
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=_SKIP_POSTGRES)])
def database(request, tmp_path) -> Iterator[Database]:
    """A fresh database of each kind (module docstring)."""
    data_dir = tmp_path / "pool"
    if request.param == "sqlite":
        yield Database("sqlite", None, data_dir)
        return
    with _postgres(data_dir) as database:
        yield database


@pytest.fixture(params=[pytest.param("postgres", marks=_SKIP_POSTGRES)])
def postgres_database(tmp_path) -> Iterator[Database]:
    """A fresh PostgreSQL schema, for what only PostgreSQL can do (several processes on one
    database across hosts)."""
    with _postgres(tmp_path / "pool") as database:
        yield database
