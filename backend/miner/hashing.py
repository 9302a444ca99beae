"""The sha256d nonce scan and the executor that runs it in parallel.

hashlib releases the GIL only for inputs of 2 KiB and more, so threads cannot scale an 80-byte
header scan; more than one worker means worker processes.
"""

from __future__ import annotations

import asyncio
import hashlib
import multiprocessing
import signal
import struct
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import NamedTuple

HEADER_PREFIX_SIZE = 76
"""Header bytes before the nonce."""

_SHA256_BLOCK = 64


class ScanResult(NamedTuple):
    """What a scan did: hashes computed and the ``(nonce, hash)`` pairs that met the target."""

    hashes: int
    found: list[tuple[int, bytes]]


def scan_nonces(prefix: bytes, start: int, count: int, target: int) -> ScanResult:
    """Hash ``prefix ‖ nonce`` for nonces ``start .. start+count-1``; keep hashes <= ``target``.

    ``prefix`` is the 76-byte header without its nonce. Hashes are returned in internal order.
    The first 64 bytes are one SHA-256 block, so their state is computed once and copied for
    every nonce (the "midstate"); only the 12-byte tail and the nonce are hashed per try.
    """
    if len(prefix) != HEADER_PREFIX_SIZE:
        raise ValueError(f"header prefix must be {HEADER_PREFIX_SIZE} bytes")
    if start < 0 or count < 0 or start + count > 1 << 32:
        raise ValueError("nonce range must lie within 0 .. 2**32")
    sha256 = hashlib.sha256
    pack = struct.Struct("<I").pack
    midstate = sha256(prefix[:_SHA256_BLOCK])
    tail = prefix[_SHA256_BLOCK:]
    # Byte 31 is the most significant byte of the little-endian hash: comparing it first rejects
    # almost every hash without building a 256-bit integer.
    top = min(target >> 248, 255)
    found: list[tuple[int, bytes]] = []
    for nonce in range(start, start + count):
        state = midstate.copy()
        state.update(tail + pack(nonce))
        digest = sha256(state.digest()).digest()
        if digest[31] <= top and int.from_bytes(digest, "little") <= target:
            found.append((nonce, digest))
    return ScanResult(count, found)


def _leave_sigint_to_parent() -> None:
    # Ctrl-C reaches the whole process group; the miner stops its workers itself, and a
    # KeyboardInterrupt traceback from every worker would only bury its last log lines.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class HashEngine:
    """Runs ``scan_nonces`` on ``workers`` threads or processes, awaitable from asyncio.

    ``processes=None`` picks processes when ``workers > 1`` and an in-process thread otherwise.
    A worker process that dies takes the pool with it; the engine then builds a new one.
    """

    def __init__(
        self, workers: int, processes: bool | None = None, start_method: str = "spawn"
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        self.processes = workers > 1 if processes is None else processes
        self._start_method = start_method
        self._executor: Executor | None = None

    def _make_executor(self) -> Executor:
        if self.processes:
            context = multiprocessing.get_context(self._start_method)
            return ProcessPoolExecutor(
                max_workers=self.workers, mp_context=context, initializer=_leave_sigint_to_parent
            )
        return ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="miner-hash")

    async def scan(self, prefix: bytes, start: int, count: int, target: int) -> ScanResult:
        """Run one scan on a worker and return its result."""
        if self._executor is None:
            self._executor = self._make_executor()
        executor = self._executor
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(executor, scan_nonces, prefix, start, count, target)
        except BrokenExecutor:
            if self._executor is executor:
                self._executor = None
                await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)
            raise

    async def aclose(self) -> None:
        """Stop the workers, waiting for a running chunk to end (chunks are short).

        The wait happens on a thread so the event loop keeps running. Waiting at all matters:
        Python 3.11's ``shutdown(wait=False)`` races the interpreter's exit and can print an
        ``OSError: Bad file descriptor`` traceback from the executor's wake-up pipe.
        """
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)
