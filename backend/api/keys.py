"""API keys: creating them (the secret shown once), finding them fast, and the owner key file.

A key belongs to one owner and sees only that owner's mining accounts. Its secret is sealed at
rest (`secretbox`) and opened into memory on first use; a short cache keeps the hot path off the
database while a key disabled elsewhere still stops working within `KEY_CACHE_SECONDS`.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from backend.api.secretbox import SecretBox, load_master_key
from backend.store.api_tables import ApiKeyRecord

SCOPES = ("read", "accounts", "watchers", "payout")
"""What a key may do. `read`: every read endpoint (v4 and v1); `accounts`: create mining
accounts; `watchers`: create and revoke watcher links; `payout`: change a payout destination
(security §1.15: payout changes need their own scope). New keys get all four unless told."""

KEY_CACHE_SECONDS = 5.0
"""How long a looked-up key (and its opened secret) is trusted without asking the store again."""

KEY_CACHE_ENTRIES = 10_000
"""Most keys held in the cache; it is emptied when full (keys are few, so this is a backstop)."""

OWNER_KEY_FILE = "owner-key.json"
"""File in the data directory where the local pool writes its owner's key for the console."""

DEFAULT_OWNER = "local"
"""The owner of a self-hosted pool's accounts."""


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A key with its secret opened: what request verification needs."""

    key: str
    """The public key."""
    owner: str
    """Whose accounts it sees."""
    secret: bytes
    """The HMAC-SHA512 key (the secret text's bytes, as WhiteBIT clients use it)."""
    scopes: frozenset[str]
    """What it may do."""
    disabled: bool
    """Refused when True."""
    last_nonce: int
    """The highest non-window nonce accepted when it was loaded."""


def check_scopes(scopes: Iterable[str]) -> tuple[str, ...]:
    """`scopes` in canonical order; ValueError naming any unknown scope."""
    wanted = set(scopes)
    unknown = sorted(wanted - set(SCOPES))
    if unknown:
        raise ValueError(f"unknown scope(s): {', '.join(unknown)}; known: {', '.join(SCOPES)}")
    if not wanted:
        raise ValueError("a key needs at least one scope")
    return tuple(scope for scope in SCOPES if scope in wanted)


class ApiKeys:
    """Creates and finds API keys over the store."""

    def __init__(self, store, box: SecretBox, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._box = box
        self._clock = clock
        self._cache: dict[str, tuple[float, ApiKey | None]] = {}

    def create(self, owner: str, scopes: Iterable[str] = SCOPES) -> tuple[str, str]:
        """Create a key for `owner`; returns (key, secret). The secret is not kept in clear."""
        if not owner:
            raise ValueError("a key needs an owner")
        key, secret = secrets.token_hex(16), secrets.token_hex(32)
        self._store.create_api_key(
            ApiKeyRecord(
                key=key,
                owner=owner,
                sealed_secret=self._box.seal(secret.encode(), key.encode()),
                scopes=check_scopes(scopes),
                created_at=int(self._clock()),
            )
        )
        return key, secret

    async def find(self, key: str) -> ApiKey | None:
        """The key called `key`, or None: from the cache when fresh, else from the store in a
        worker thread (a store write holding its lock must not stall the event loop)."""
        held = self._cache.get(key)
        if held is not None and time.monotonic() - held[0] < KEY_CACHE_SECONDS:
            return held[1]
        return await asyncio.to_thread(self.lookup, key)

    def lookup(self, key: str) -> ApiKey | None:
        """The key called `key` read from the store (and cached), or None."""
        now = time.monotonic()
        record = self._store.api_key(key)
        found = None
        if record is not None:
            found = ApiKey(
                key=record.key,
                owner=record.owner,
                secret=self._box.open(record.sealed_secret, record.key.encode()),
                scopes=frozenset(record.scopes),
                disabled=record.disabled,
                last_nonce=record.last_nonce,
            )
        if len(self._cache) >= KEY_CACHE_ENTRIES:
            self._cache.clear()
        self._cache[key] = (now, found)
        return found

    def forget(self, key: str) -> None:
        """Drop `key` from the cache (after disabling it in this process)."""
        self._cache.pop(key, None)


def write_owner_key(path: Path, key: str, secret: str, owner: str, api_url: str) -> None:
    """Write the owner key file, mode 0600 from its first byte (never world-readable)."""
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({"key": key, "secret": secret, "owner": owner, "api": api_url}, handle)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


def ensure_owner_key(
    keys: ApiKeys, data_dir: Path, api_url: str, owner: str = DEFAULT_OWNER
) -> Path:
    """Create a key for `owner` and write `<data_dir>/owner-key.json` unless the file exists
    (then only its `api` address is brought up to date).

    Returns the file's path. The console reads it to attach to the local pool.
    """
    path = data_dir / OWNER_KEY_FILE
    try:
        held = json.loads(path.read_text())
    except FileNotFoundError:
        key, secret = keys.create(owner)
        write_owner_key(path, key, secret, owner, api_url)
        return path
    if held.get("api") != api_url:
        # Same key, new address (the operator moved the listener): keep the console pointed at it.
        write_owner_key(path, held["key"], held["secret"], held.get("owner", owner), api_url)
    return path


def create_key(
    store, master_key_file: Path, owner: str, scopes: Iterable[str] = SCOPES
) -> tuple[str, str]:
    """Create a key for `owner` in `store`, sealing its secret with the key in `master_key_file`
    (created when missing). Returns (key, secret): `minerpool keys create`."""
    return ApiKeys(store, SecretBox(load_master_key(master_key_file))).create(owner, scopes)
