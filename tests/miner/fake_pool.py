"""A tiny stratum pool for driving the reference miner: real TCP, real share checks.

It speaks the pool side of stratum reference §1 (configure, subscribe, authorize, then
set_difficulty and a clean notify), hands out the §8.6 regtest job, and checks every submit by
rebuilding the coinbase, merkle root and header with ``backend.bitcoin``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from backend.bitcoin.hashes import sha256d
from backend.bitcoin.header import BlockHeader
from backend.bitcoin.target import bits_to_target, difficulty_to_target, hash_to_int

EXTRANONCE1 = "11223344"
"""extranonce1 of the first connection, as in reference §8.6."""

WAIT = 10.0
"""Longest any test waits for the miner to do something; normally it takes well under a second."""

POOL_MASK = 0x1FFFE000
"""The BIP 320 version-rolling mask (reference §1.3)."""

# The §8.6 job: regtest height 1 on top of genesis.
PREVHASH_86 = "466e2206590b1a116012afcabf5beb433a4fc3281f2a335e3cb7b2c70f9188f1"
COINB1_86 = (
    "02000000010000000000000000000000000000000000000000000000000000000000000000ffffffff115108"
)
COINB2_86 = (
    "062f746573742fffffffff0200f2052a010000001600146f58bac9506f9bfb821d62e69330410bb56f0085"
    "0000000000000000266a24aa21a9ede2f61c3f71d1defd3fa999dfa36953755c690689799962b48bebd836"
    "974e8cf900000000"
)
OTHER_PREVHASH = sha256d(b"another tip").hex()
"""A second prevhash for jobs that must not be confused with the §8.6 one."""


def job_params(
    job_id: str = "1",
    *,
    prevhash: str = PREVHASH_86,
    clean: bool = True,
    ntime: int = 1700000000,
    branch: tuple[str, ...] = (),
) -> list[Any]:
    """The nine mining.notify params of the §8.6 job, with the given changes."""
    return [job_id, prevhash, COINB1_86, COINB2_86, list(branch), "20000000", "207fffff",
            f"{ntime:08x}", clean]  # fmt: skip


def unswap(prevhash: str) -> bytes:
    raw = bytes.fromhex(prevhash)
    return b"".join(raw[i : i + 4][::-1] for i in range(0, 32, 4))


@dataclass
class Submit:
    """One mining.submit as received, with the pool's verdict on it."""

    connection: int
    params: list[Any]
    worker: str
    job_id: str
    extranonce2: str
    ntime: int
    nonce: int
    version_bits: int | None
    version: int
    difficulty: float
    """The difficulty in force when its job was sent on that connection."""
    hash: bytes
    problems: list[str]
    """Everything wrong with it; empty for a valid share that meets its job's target."""
    is_block: bool
    arrived: float


@dataclass
class PoolConnection:
    """The pool's view of one miner connection."""

    number: int
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    extranonce1: bytes
    accepted_at: float
    extranonce2_size: int = 4
    version_mask: int | None = None
    difficulty: float = 1.0
    next_extranonce: tuple[bytes, int] | None = None
    jobs: dict[str, SentJob] = field(default_factory=dict)
    received: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class SentJob:
    """A notify as sent on one connection, with what was in force then."""

    params: list[Any]
    difficulty: float
    extranonce1: bytes
    extranonce2_size: int


class FakePool:
    """Listens on 127.0.0.1, serves every miner the same job, records what they send."""

    def __init__(
        self,
        *,
        difficulty: float = 2e-5,
        extranonce2_size: int = 4,
        pool_mask: int = POOL_MASK,
        answer: Callable[[Submit], dict[str, Any]] | None = None,
        authorize: bool = True,
    ) -> None:
        self.difficulty = difficulty
        self.extranonce2_size = extranonce2_size
        self.pool_mask = pool_mask
        self.answer = answer or (lambda submit: {"result": True, "error": None})
        """Maps a submit to the response fields sent back; the default accepts everything."""
        self.authorize = authorize
        self.job = job_params()
        self.connections: list[PoolConnection] = []
        self.submits: list[Submit] = []
        self.port = 0
        self._server: asyncio.Server | None = None
        self._ids = itertools.count(1000)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"stratum+tcp://127.0.0.1:{self.port}"

    @property
    def valid(self) -> bool:
        """Every submit so far rebuilt to a header that meets its job's share target."""
        return all(not s.problems for s in self.submits)

    @property
    def latest(self) -> PoolConnection:
        return self.connections[-1]

    async def start(self) -> None:
        """Listen (again on the same port after a stop)."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and drop every connection, like a pool process going away."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for conn in self.connections:
            conn.writer.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def until(self, predicate: Callable[[], bool]) -> None:
        """Poll ``predicate`` until it holds; fail the test after ``WAIT`` seconds."""
        async with asyncio.timeout(WAIT):
            # Polling, because miner stats change without anything here to wait on.
            while not predicate():  # noqa: ASYNC110
                await asyncio.sleep(0.01)

    def submits_on(self, job_id: str) -> list[Submit]:
        return [s for s in self.submits if s.job_id == job_id]

    async def send(self, conn: PoolConnection, message: dict[str, Any]) -> None:
        conn.writer.write(json.dumps(message).encode() + b"\n")
        await conn.writer.drain()

    async def notify(self, params: list[Any], conn: PoolConnection | None = None) -> None:
        """Send a job; it is checked later at the difficulty in force now."""
        conn = conn or self.latest
        if conn.next_extranonce is not None:
            conn.extranonce1, conn.extranonce2_size = conn.next_extranonce
            conn.next_extranonce = None
        conn.jobs[params[0]] = SentJob(
            params, conn.difficulty, conn.extranonce1, conn.extranonce2_size
        )
        await self.send(conn, {"id": None, "method": "mining.notify", "params": params})

    async def set_difficulty(self, difficulty: float, conn: PoolConnection | None = None) -> None:
        conn = conn or self.latest
        conn.difficulty = difficulty
        await self.send(
            conn, {"id": None, "method": "mining.set_difficulty", "params": [difficulty]}
        )

    async def set_extranonce(self, extranonce1: bytes, size: int) -> None:
        """Send mining.set_extranonce; like the miner, apply it from the next notify on."""
        self.latest.next_extranonce = (extranonce1, size)
        params = [extranonce1.hex(), size]
        await self.send(
            self.latest, {"id": None, "method": "mining.set_extranonce", "params": params}
        )

    async def request(self, method: str, params: list[Any]) -> dict[str, Any]:
        """Send a pool→miner request and return the miner's response."""
        msg_id = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        self._waiting[msg_id] = future
        await self.send(self.latest, {"id": msg_id, "method": method, "params": params})
        async with asyncio.timeout(WAIT):
            return await future

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        number = len(self.connections)
        extranonce1 = (int(EXTRANONCE1, 16) + number).to_bytes(4, "big")
        conn = PoolConnection(
            number, reader, writer, extranonce1, time.monotonic(), self.extranonce2_size
        )
        self.connections.append(conn)
        try:
            while line := await reader.readline():
                message = json.loads(line)
                conn.received.append(message)
                await self._handle(conn, message)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()
            self._tasks.discard(task)

    async def _handle(self, conn: PoolConnection, message: dict[str, Any]) -> None:
        method, msg_id, params = message.get("method"), message.get("id"), message.get("params")
        if method is None:
            future = self._waiting.pop(msg_id, None)
            if future is not None:
                future.set_result(message)
            return
        if method == "mining.configure":
            requested = int(params[1].get("version-rolling.mask", "ffffffff"), 16)
            conn.version_mask = self.pool_mask & requested
            result = {"version-rolling": True, "version-rolling.mask": f"{conn.version_mask:08x}"}
            await self.send(conn, {"id": msg_id, "result": result, "error": None})
        elif method == "mining.subscribe":
            subscriptions = [["mining.set_difficulty", "s1"], ["mining.notify", "s1"]]
            result = [subscriptions, conn.extranonce1.hex(), self.extranonce2_size]
            await self.send(conn, {"id": msg_id, "result": result, "error": None})
        elif method == "mining.authorize":
            if not self.authorize:
                error = [24, "Unauthorized worker", None]
                await self.send(conn, {"id": msg_id, "result": False, "error": error})
                return
            await self.send(conn, {"id": msg_id, "result": True, "error": None})
            await self.set_difficulty(self.difficulty, conn)
            await self.notify(self.job, conn)
        elif method == "mining.submit":
            submit = self._check(conn, params)
            self.submits.append(submit)
            await self.send(conn, {"id": msg_id, **self.answer(submit)})
        elif msg_id is not None:
            await self.send(conn, {"id": msg_id, "result": None, "error": [20, "unknown", None]})

    def _check(self, conn: PoolConnection, params: list[Any]) -> Submit:
        problems: list[str] = []
        if not 5 <= len(params) <= 6 or not all(isinstance(p, str) for p in params):
            problems.append(f"malformed params {params!r}")
            params = ["", "", "", "0", "0"]
        worker, job_id, en2_hex, ntime_hex, nonce_hex, *rest = params
        if len(ntime_hex) != 8 or len(nonce_hex) != 8:
            problems.append("ntime and nonce must be 8 hex digits")
        sent = conn.jobs.get(job_id)
        if sent is None:
            problems.append(f"unknown job {job_id!r}")
            sent = SentJob(job_params(job_id), conn.difficulty, conn.extranonce1, 4)
        _, prevhash, coinb1, coinb2, branch, version_hex, bits_hex, _, _ = sent.params
        difficulty = sent.difficulty
        extranonce2 = bytes.fromhex(en2_hex)
        if len(extranonce2) != sent.extranonce2_size:
            problems.append(f"extranonce2 {en2_hex!r} has the wrong length")
        job_version = int(version_hex, 16)
        version_bits = int(rest[0], 16) if rest else None
        version = job_version
        if version_bits is not None:
            if conn.version_mask is None:
                problems.append("6th param without version-rolling negotiation")
            elif version_bits & ~conn.version_mask:
                problems.append(f"version bits {version_bits:08x} outside the mask")
            else:
                # BIP 310's rule; equal to ESP-Miner's XOR as the job has no bits in the mask.
                version = (job_version & ~conn.version_mask) | version_bits
        elif conn.version_mask is not None:
            problems.append("5 params after version-rolling negotiation")
        coinbase = bytes.fromhex(coinb1) + sent.extranonce1 + extranonce2 + bytes.fromhex(coinb2)
        root = sha256d(coinbase)
        for node in branch:
            root = sha256d(root + bytes.fromhex(node))
        header = BlockHeader(
            version=version,
            prev_hash=unswap(prevhash),
            merkle_root=root,
            time=int(ntime_hex, 16),
            bits=int(bits_hex, 16),
            nonce=int(nonce_hex, 16),
        )
        digest = header.hash()
        value = hash_to_int(digest)
        meets = value <= difficulty_to_target(difficulty)
        if not meets:
            problems.append("hash above the share target")
        return Submit(
            connection=conn.number,
            params=params,
            worker=worker,
            job_id=job_id,
            extranonce2=en2_hex,
            ntime=int(ntime_hex, 16),
            nonce=int(nonce_hex, 16),
            version_bits=version_bits,
            version=version,
            difficulty=difficulty,
            hash=digest,
            problems=problems,
            is_block=value <= bits_to_target(int(bits_hex, 16)),
            arrived=time.monotonic(),
        )

    async def __aenter__(self) -> FakePool:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):
            await self.stop()
