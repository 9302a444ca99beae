"""The recovery file: where batches go when the database cannot take them, until it can.

Append-only JSON lines, one batch each, every line prefixed with the CRC-32 of its JSON and
``fsync``'d before ``append`` returns — so a batch in the file survives a crash of the process or
of the machine. A crash in the middle of an append leaves a torn last line; its checksum fails and
it is skipped (that batch was never acknowledged as safe, and the recorder counts it in the crash
window). Replaying is idempotent: the store applies each batch id once, so a file replayed twice,
or a batch that reached the database before the write that failed was retried, counts once.

Line format: ``<crc32 as 8 hex digits> <json>\\n``.
"""

from __future__ import annotations

import json
import logging
import os
import zlib
from pathlib import Path

from backend.ledger.batch import ShareBatch

log = logging.getLogger("minerpool.recorder")


def encode_line(batch: ShareBatch) -> bytes:
    """One file line for ``batch``."""
    body = json.dumps(batch.as_dict(), separators=(",", ":"), sort_keys=True).encode()
    return b"%08x " % zlib.crc32(body) + body + b"\n"


def decode_line(line: bytes) -> ShareBatch:
    """The batch a line holds; ValueError for a torn, corrupt or foreign line."""
    checksum, space, body = line.rstrip(b"\n").partition(b" ")
    if not space or len(checksum) != 8:
        raise ValueError("no checksum")
    if int(checksum, 16) != zlib.crc32(body):
        raise ValueError("checksum mismatch")
    try:
        return ShareBatch.from_dict(json.loads(body))
    except (KeyError, TypeError) as exc:
        raise ValueError(f"not a batch: {exc!r}") from None


class RecoveryFile:
    """The append-only recovery file of one stratum process (module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        """Where the file lives (in the data directory, one per ``instance_id``)."""

    def append(self, batch: ShareBatch) -> None:
        """Append ``batch`` and fsync: when this returns, the batch survives a crash."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        new = not self.path.exists()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, encode_line(batch))
            os.fsync(fd)
        finally:
            os.close(fd)
        if new:
            _fsync_directory(self.path.parent)

    @property
    def replaying(self) -> Path:
        """Where the file is moved while it is replayed, so appends meanwhile start a new one."""
        return self.path.with_name(self.path.name + ".replaying")

    def take(self) -> list[ShareBatch]:
        """The batches to replay next, in order: those of an unfinished replay if one is left,
        else the file's (moved aside first). Damaged lines are logged and skipped. Call ``done``
        once they are all in the database."""
        if not self.replaying.exists():
            if not self.path.exists():
                return []
            os.replace(self.path, self.replaying)
            _fsync_directory(self.path.parent)
        batches = []
        lines = self.replaying.read_bytes().splitlines(keepends=True)
        for number, line in enumerate(lines, 1):
            try:
                batches.append(decode_line(line))
            except ValueError as exc:
                log.error("%s line %d skipped: %s", self.replaying, number, exc)
        return batches

    def done(self) -> None:
        """The batches ``take`` returned are in the database: forget them."""
        self.replaying.unlink(missing_ok=True)
        _fsync_directory(self.path.parent)

    @property
    def waiting(self) -> bool:
        """Whether anything is left to replay."""
        return self.path.exists() or self.replaying.exists()


def _fsync_directory(path: Path) -> None:
    # The file's creation or removal is durable only once its directory entry is.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
