"""API secrets encrypted at rest, under a key kept outside the database.

HMAC verification needs the secret itself, so it cannot be stored as a one-way hash; it is sealed
with a master key that lives in its own file, mode 0600, next to (not inside) the database, so a
leaked database or backup does not leak usable secrets (security-and-reliability.md §4.1).

The construction uses only the standard library: HMAC-SHA256 as a pseudo-random function in
counter mode for the keystream, then HMAC-SHA256 over the whole sealed record (encrypt-then-MAC),
with independent subkeys derived from the master key. The record is bound to its row (the API
key) as associated data, so a sealed secret copied onto another row does not open.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

MASTER_KEY_BYTES = 32
"""Size of the master key: 256 bits."""

NONCE_BYTES = 16
"""Random nonce per sealed record; never reused under one key with overwhelming probability."""

VERSION = b"\x01"
"""Format byte of a sealed record, so the scheme can change without guessing."""

_BLOCK = hashlib.sha256().digest_size


class SealError(ValueError):
    """A sealed record is malformed, was tampered with, or belongs to another row or key."""


class SecretBox:
    """Seals and opens short secrets under one master key."""

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != MASTER_KEY_BYTES:
            raise ValueError(f"master key must be {MASTER_KEY_BYTES} bytes")
        self._enc = hmac.digest(master_key, b"minerpool api secret: encryption", "sha256")
        self._mac = hmac.digest(master_key, b"minerpool api secret: authentication", "sha256")

    def _keystream(self, nonce: bytes, length: int) -> bytes:
        blocks = (length + _BLOCK - 1) // _BLOCK
        return b"".join(
            hmac.digest(self._enc, nonce + counter.to_bytes(4, "big"), "sha256")
            for counter in range(blocks)
        )[:length]

    def _tag(self, associated: bytes, body: bytes) -> bytes:
        framed = len(associated).to_bytes(4, "big") + associated + body
        return hmac.digest(self._mac, framed, "sha256")

    def seal(self, plaintext: bytes, associated: bytes) -> str:
        """The sealed record of `plaintext` for the row named by `associated`, as base64 text."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        cipher = bytes(
            a ^ b for a, b in zip(plaintext, self._keystream(nonce, len(plaintext)), strict=True)
        )
        body = VERSION + nonce + cipher
        return base64.b64encode(body + self._tag(associated, body)).decode("ascii")

    def open(self, sealed: str, associated: bytes) -> bytes:
        """The plaintext of `sealed`; SealError unless it was sealed by this key for this row."""
        try:
            raw = base64.b64decode(sealed.encode("ascii"), validate=True)
        except (ValueError, UnicodeEncodeError) as exc:
            raise SealError("sealed secret is not base64") from exc
        if len(raw) < 1 + NONCE_BYTES + _BLOCK or raw[:1] != VERSION:
            raise SealError("sealed secret has an unknown format")
        body, tag = raw[:-_BLOCK], raw[-_BLOCK:]
        if not hmac.compare_digest(tag, self._tag(associated, body)):
            raise SealError("sealed secret does not authenticate")
        nonce, cipher = body[1 : 1 + NONCE_BYTES], body[1 + NONCE_BYTES :]
        return bytes(
            a ^ b for a, b in zip(cipher, self._keystream(nonce, len(cipher)), strict=True)
        )


def load_master_key(path: Path) -> bytes:
    """Read the master key at `path`, creating it (mode 0600, 32 random bytes as hex) when it
    does not exist yet. Refuses a key file that group or others can read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(MASTER_KEY_BYTES) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    if os.stat(path).st_mode & 0o077:
        raise PermissionError(f"{path} is readable by other users; chmod 600 it")
    text = path.read_text().strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != MASTER_KEY_BYTES:
        raise ValueError(f"{path} does not hold a {MASTER_KEY_BYTES}-byte hex key")
    return key
