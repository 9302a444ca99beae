"""The HTTP API's own tables: API keys (with their last nonce) and watcher links.

Migration version 3 creates them (`API_MIGRATION`). `ApiTables` is mixed into the store classes
(`SqliteStore`, `PostgresStore`); it uses the host's `_write()` and `_read()` transactions
(`backend.store.sql.Tx`), so the same SQL serves both databases.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Annotation only: backend.store.sql imports the migrations, which import this module.
    from backend.ledger.buckets import ShareBucket
    from backend.store.sql import Tx

API_MIGRATION: tuple[int, tuple[str, ...]] = (
    3,
    (
        """
        CREATE TABLE api_keys (
            key TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            secret TEXT NOT NULL,
            scopes TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            last_nonce BIGINT NOT NULL DEFAULT 0,
            disabled BOOLEAN NOT NULL DEFAULT FALSE
        )
        """,
        "CREATE INDEX api_keys_owner ON api_keys (owner, created_at)",
        """
        CREATE TABLE watcher_links (
            id TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            name TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            permissions TEXT NOT NULL,
            live_until BIGINT,
            created_at BIGINT NOT NULL,
            revoked_at BIGINT
        )
        """,
        """
        CREATE TABLE watcher_link_accounts (
            link_id TEXT NOT NULL REFERENCES watcher_links (id),
            account TEXT NOT NULL,
            position INTEGER NOT NULL,
            PRIMARY KEY (link_id, account)
        )
        """,
        "CREATE INDEX watcher_link_accounts_account ON watcher_link_accounts (account)",
    ),
)
"""Schema version 3: the API's tables (contract "Migrations")."""


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    """One API key as stored: the secret only in sealed form."""

    key: str
    """The public key (the `X-TXC-APIKEY` value)."""
    owner: str
    """The owner whose accounts the key sees."""
    sealed_secret: str
    """The HMAC secret, sealed by `backend.api.secretbox`."""
    scopes: tuple[str, ...]
    """What the key may do (`backend.api.keys.SCOPES`)."""
    created_at: int
    """Unix seconds."""
    last_nonce: int = 0
    """Highest nonce accepted so far (non-window requests)."""
    disabled: bool = False
    """A disabled key is refused with the reference's "Enable your key" message."""


@dataclass(frozen=True, slots=True)
class WatcherLinkRecord:
    """One watcher link as stored: the token only as its SHA-256."""

    id: str
    """Public id (not a secret): names the link for listing and revoking."""
    owner: str
    """The owner who created it; only that owner lists or revokes it."""
    name: str
    """The label given at creation."""
    token_hash: str
    """Hex SHA-256 of the bearer token."""
    accounts: tuple[str, ...]
    """The mining accounts the token may read, in the order given."""
    permissions: tuple[str, ...]
    """`dashboard`, `rewards`, `workers`."""
    live_until: int | None
    """Expiry, Unix seconds; None = always."""
    created_at: int
    """Unix seconds."""
    revoked_at: int | None = None
    """When it was revoked, None while it is not."""

    def active(self, now: int) -> bool:
        """Not revoked and not expired at `now`."""
        return self.revoked_at is None and (self.live_until is None or now < self.live_until)


_LINK_COLUMNS = "id, owner, name, token_hash, permissions, live_until, created_at, revoked_at"
_LINK_COLUMNS_L = ", ".join("l." + column for column in _LINK_COLUMNS.split(", "))


class ApiTables:
    """Repository methods over the API's tables (mixed into the store classes, which provide
    `_write()` and `_read()`)."""

    # --- API keys -----------------------------------------------------------------------------

    def create_api_key(self, record: ApiKeyRecord) -> None:
        """Insert a new key (keys are random; a clash raises the driver's integrity error)."""
        with self._write() as tx:
            tx.execute(
                "INSERT INTO api_keys (key, owner, secret, scopes, created_at, last_nonce, "
                "disabled) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    record.key,
                    record.owner,
                    record.sealed_secret,
                    ",".join(record.scopes),
                    record.created_at,
                    record.last_nonce,
                    record.disabled,
                ),
            )

    def api_key(self, key: str) -> ApiKeyRecord | None:
        """The key called `key`, or None."""
        with self._read() as tx:
            row = tx.one(
                "SELECT key, owner, secret, scopes, created_at, last_nonce, disabled "
                "FROM api_keys WHERE key = ?",
                (key,),
            )
        return _key(row) if row else None

    def api_keys(self, owner: str) -> list[ApiKeyRecord]:
        """`owner`'s keys, oldest first."""
        with self._read() as tx:
            rows = tx.all(
                "SELECT key, owner, secret, scopes, created_at, last_nonce, disabled "
                "FROM api_keys WHERE owner = ? ORDER BY created_at, key",
                (owner,),
            )
        return [_key(row) for row in rows]

    def advance_nonces(self, nonces: Iterable[tuple[str, int]]) -> None:
        """Raise each key's last nonce to the given value (never lower it), in one transaction."""
        with self._write() as tx:
            for key, nonce in nonces:
                tx.execute(
                    "UPDATE api_keys SET last_nonce = ? WHERE key = ? AND last_nonce < ?",
                    (nonce, key, nonce),
                )

    def set_api_key_disabled(self, key: str, disabled: bool) -> bool:
        """Disable or re-enable a key; False when there is no such key."""
        with self._write() as tx:
            return tx.execute("UPDATE api_keys SET disabled = ? WHERE key = ?", (disabled, key)) > 0

    # --- pool-wide counts ---------------------------------------------------------------------

    def connected_counts(self) -> tuple[int, int]:
        """(workers, accounts) with at least one open stratum connection on any stratum process.

        Reads the ledger's `worker_nodes` table (migration 2): the contract's `workers(account)`
        answers per account, and the pool overview needs the whole pool in one query.
        """
        with self._read() as tx:
            row = tx.one(
                "SELECT COUNT(*), COUNT(DISTINCT account) FROM (SELECT DISTINCT account, worker "
                "FROM worker_nodes WHERE connections > 0) connected"
            )
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def worker_buckets(
        self, account: str, since: int, until: int, seconds: int
    ) -> dict[str, list[ShareBucket]]:
        """Every worker's rows of `account` with `since <= start < until`, by worker name, each
        ordered by start: the per-worker `share_buckets` of a whole account in one query (a
        1,000-worker table would otherwise take 2,000 queries). Reads the ledger's table."""
        # Imported here: backend.store.shares imports the migrations, which import this module.
        from backend.store.shares import BUCKET_COLUMNS, _bucket

        with self._read() as tx:
            rows = tx.all(
                f"SELECT {BUCKET_COLUMNS} FROM share_buckets WHERE account = ? AND worker <> '' "
                "AND seconds = ? AND start >= ? AND start < ? ORDER BY worker, start",
                (account, seconds, since, until),
            )
        grouped: dict[str, list[ShareBucket]] = {}
        for row in rows:
            grouped.setdefault(row[1], []).append(_bucket(row))
        return grouped

    def active_worker_counts(
        self, account: str, since: int, until: int, seconds: int
    ) -> dict[int, int]:
        """Per bucket start: how many workers of `account` had accepted shares in it."""
        with self._read() as tx:
            rows = tx.all(
                "SELECT start, COUNT(*) FROM share_buckets WHERE account = ? AND worker <> '' "
                "AND seconds = ? AND start >= ? AND start < ? AND accepted > 0 GROUP BY start",
                (account, seconds, since, until),
            )
        return {int(start): int(count) for start, count in rows}

    # --- watcher links ------------------------------------------------------------------------

    def create_watcher_link(self, link: WatcherLinkRecord, cap: int, now: int) -> str | None:
        """Insert `link` unless one of its accounts already has `cap` active links.

        Returns None when inserted, else the first account at its cap (nothing is written). The
        count and the insert share one write transaction, so concurrent creations cannot pass
        the cap together.
        """
        with self._write() as tx:
            for account in link.accounts:
                count = tx.one(
                    "SELECT COUNT(*) FROM watcher_link_accounts a JOIN watcher_links l "
                    "ON l.id = a.link_id WHERE a.account = ? AND l.revoked_at IS NULL "
                    "AND (l.live_until IS NULL OR l.live_until > ?)",
                    (account, now),
                )[0]
                if count >= cap:
                    return account
            tx.execute(
                f"INSERT INTO watcher_links ({_LINK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    link.id,
                    link.owner,
                    link.name,
                    link.token_hash,
                    ",".join(link.permissions),
                    link.live_until,
                    link.created_at,
                    link.revoked_at,
                ),
            )
            tx.many(
                "INSERT INTO watcher_link_accounts (link_id, account, position) VALUES (?, ?, ?)",
                [(link.id, account, position) for position, account in enumerate(link.accounts)],
            )
        return None

    def watcher_link(self, link_id: str) -> WatcherLinkRecord | None:
        """The link with public id `link_id`, or None."""
        with self._read() as tx:
            rows = tx.all(f"SELECT {_LINK_COLUMNS} FROM watcher_links WHERE id = ?", (link_id,))
            links = _links(tx, rows)
        return links[0] if links else None

    def watcher_link_by_token(self, token_hash: str) -> WatcherLinkRecord | None:
        """The link whose token hashes to `token_hash`, or None."""
        with self._read() as tx:
            rows = tx.all(
                f"SELECT {_LINK_COLUMNS} FROM watcher_links WHERE token_hash = ?", (token_hash,)
            )
            links = _links(tx, rows)
        return links[0] if links else None

    def active_watcher_links(self, owner: str, account: str, now: int) -> list[WatcherLinkRecord]:
        """`owner`'s links that include `account` and are active at `now`, newest first."""
        with self._read() as tx:
            rows = tx.all(
                f"SELECT {_LINK_COLUMNS_L} "
                "FROM watcher_links l JOIN watcher_link_accounts a ON a.link_id = l.id "
                "WHERE l.owner = ? AND a.account = ? AND l.revoked_at IS NULL "
                "AND (l.live_until IS NULL OR l.live_until > ?) ORDER BY l.created_at DESC, l.id",
                (owner, account, now),
            )
            return _links(tx, rows)

    def revoke_watcher_link(self, link_id: str, owner: str, now: int) -> bool:
        """Revoke `owner`'s link `link_id` (idempotent); False when `owner` has no such link."""
        with self._write() as tx:
            found = tx.one(
                "SELECT revoked_at FROM watcher_links WHERE id = ? AND owner = ?", (link_id, owner)
            )
            if found is None:
                return False
            if found[0] is None:
                tx.execute("UPDATE watcher_links SET revoked_at = ? WHERE id = ?", (now, link_id))
        return True


def _links(tx: Tx, rows: list[tuple]) -> list[WatcherLinkRecord]:
    links = []
    for row in rows:
        accounts = tx.all(
            "SELECT account FROM watcher_link_accounts WHERE link_id = ? ORDER BY position",
            (row[0],),
        )
        links.append(
            WatcherLinkRecord(
                id=row[0],
                owner=row[1],
                name=row[2],
                token_hash=row[3],
                accounts=tuple(account for (account,) in accounts),
                permissions=tuple(p for p in row[4].split(",") if p),
                live_until=row[5],
                created_at=row[6],
                revoked_at=row[7],
            )
        )
    return links


def _key(row: tuple) -> ApiKeyRecord:
    return ApiKeyRecord(
        key=row[0],
        owner=row[1],
        sealed_secret=row[2],
        scopes=tuple(s for s in row[3].split(",") if s),
        created_at=row[4],
        last_nonce=row[5],
        disabled=bool(row[6]),
    )
