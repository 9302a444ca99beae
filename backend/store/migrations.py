"""Forward-only schema migrations.

Each entry is (version, statements). A database records the versions it has applied in
`schema_version`; at start the store applies, in one transaction each, every migration newer than
the highest recorded version. Migrations are never edited once released: a change is a new entry.
The SQL sticks to what SQLite and PostgreSQL both accept so one list serves both.
"""

from __future__ import annotations

MIGRATIONS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (
        1,
        (
            """
            CREATE TABLE accounts (
                name TEXT PRIMARY KEY,
                owner TEXT,
                created_at BIGINT NOT NULL,
                anonymous BOOLEAN NOT NULL DEFAULT FALSE
            )
            """,
            "CREATE INDEX accounts_owner ON accounts (owner, created_at)",
        ),
    ),
)
"""Every migration in order. The highest version is the schema this code expects."""

LATEST_VERSION = MIGRATIONS[-1][0]
