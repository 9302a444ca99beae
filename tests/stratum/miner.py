"""A small test miner: speaks Stratum V1 over a real socket and grinds shares in Python.

It computes headers from the notify params the way a real miner does (word-swapped prevhash,
coinb1 ‖ extranonce1 ‖ extranonce2 ‖ coinb2, branch folding), independently of the pool's code.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import struct
from fractions import Fraction
from typing import Any

DIFF1 = 0xFFFF << 208
READ_TIMEOUT = 3.0


def sha256d(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def share_target(difficulty: float) -> int:
    return min(int(Fraction(DIFF1) / Fraction(difficulty)), 2**256 - 1)


def header_for(
    notify: list[Any],
    extranonce1: bytes,
    extranonce2: bytes,
    ntime: int,
    nonce: int,
    version_bits: int = 0,
) -> bytes:
    """The 80-byte header a miner builds from a mining.notify (stratum reference §2.1)."""
    _, prevhash, coinb1, coinb2, branch, version, nbits, _, _ = notify
    swapped = bytes.fromhex(prevhash)
    prev = b"".join(swapped[i : i + 4][::-1] for i in range(0, 32, 4))
    root = sha256d(bytes.fromhex(coinb1) + extranonce1 + extranonce2 + bytes.fromhex(coinb2))
    for step in branch:
        root = sha256d(root + bytes.fromhex(step))
    return struct.pack(
        "<I32s32sIII", int(version, 16) | version_bits, prev, root, ntime, int(nbits, 16), nonce
    )


def grind(
    notify: list[Any],
    extranonce1: bytes,
    extranonce2: bytes,
    difficulty: float,
    start: int = 0,
    version_bits: int = 0,
) -> int:
    """The first nonce from ``start`` whose header meets ``difficulty``."""
    target = share_target(difficulty)
    ntime = int(notify[7], 16)
    for nonce in range(start, 2**32):
        header = header_for(notify, extranonce1, extranonce2, ntime, nonce, version_bits)
        if int.from_bytes(sha256d(header), "little") <= target:
            return nonce
    raise AssertionError("nonce space exhausted")


def miss(notify: list[Any], extranonce1: bytes, extranonce2: bytes, difficulty: float) -> int:
    """A nonce whose header does NOT meet ``difficulty``."""
    target = share_target(difficulty)
    ntime = int(notify[7], 16)
    for nonce in range(2**32):
        header = header_for(notify, extranonce1, extranonce2, ntime, nonce)
        if int.from_bytes(sha256d(header), "little") > target:
            return nonce
    raise AssertionError("every nonce meets the target")


class Miner:
    """One miner connection. ``lines`` keeps every parsed line received, in order."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.lines: list[dict[str, Any]] = []
        self.next_id = 1
        self.extranonce1 = b""
        self.extranonce2_size = 0
        self.difficulty: float | None = None
        self.jobs: dict[str, list[Any]] = {}
        self.job_difficulty: dict[str, float | None] = {}
        self.last_job: list[Any] | None = None
        self.counter = 0

    @classmethod
    async def connect(cls, port: int, source: str = "127.0.0.1") -> Miner:
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port, local_addr=(source, 0), limit=1 << 20
        )
        return cls(reader, writer)

    async def send_raw(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def send(self, method: str, params: list[Any], msg_id: Any = "auto") -> Any:
        if msg_id == "auto":
            msg_id = self.next_id
            self.next_id += 1
        line = json.dumps({"id": msg_id, "method": method, "params": params}) + "\n"
        await self.send_raw(line.encode())
        return msg_id

    async def recv(self, wait: float = READ_TIMEOUT) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.reader.readline(), wait)
        if not raw:
            raise EOFError("connection closed")
        msg = json.loads(raw)
        self.lines.append(msg)
        self._track(msg)
        return msg

    def _track(self, msg: dict[str, Any]) -> None:
        if msg.get("method") == "mining.set_difficulty":
            self.difficulty = msg["params"][0]
        elif msg.get("method") == "mining.notify":
            params = msg["params"]
            self.jobs[params[0]] = params
            self.job_difficulty[params[0]] = self.difficulty
            self.last_job = params

    async def drain(self, quiet: float = 0.05) -> None:
        """Read whatever the pool has sent until it has been quiet for ``quiet`` seconds."""
        with contextlib.suppress(TimeoutError):
            while True:
                await self.recv(quiet)

    async def reply_to(self, msg_id: Any, wait: float = READ_TIMEOUT) -> dict[str, Any]:
        """Read lines until the response with ``msg_id``; notifications on the way are kept."""
        while True:
            msg = await self.recv(wait)
            if msg.get("method") is None and msg.get("id") == msg_id:
                return msg

    async def call(self, method: str, params: list[Any]) -> dict[str, Any]:
        return await self.reply_to(await self.send(method, params))

    async def until(self, method: str, wait: float = READ_TIMEOUT) -> dict[str, Any]:
        """Read lines until a notification of ``method``."""
        while True:
            msg = await self.recv(wait)
            if msg.get("method") == method:
                return msg

    async def subscribe(self, agent: str = "testminer/1.0") -> dict[str, Any]:
        """mining.subscribe; keeps the extranonce1 and extranonce2 size it returns."""
        sub = await self.call("mining.subscribe", [agent])
        self.extranonce1 = bytes.fromhex(sub["result"][1])
        self.extranonce2_size = sub["result"][2]
        return sub

    async def handshake(self, username: str = "alice.rig1", agent: str = "testminer/1.0") -> None:
        """subscribe, authorize, then read set_difficulty and the first notify."""
        await self.subscribe(agent)
        auth = await self.call("mining.authorize", [username, "x"])
        assert auth["result"] is True, auth
        await self.until("mining.notify")

    def extranonce2(self) -> bytes:
        self.counter += 1
        return self.counter.to_bytes(self.extranonce2_size, "little")

    def solve(
        self, job: list[Any] | None = None, difficulty: float | None = None, version_bits: int = 0
    ) -> tuple[list[Any], bytes, int]:
        """(job, extranonce2, nonce) of a share meeting ``difficulty`` (default: the job's)."""
        job = job or self.last_job
        assert job is not None
        if difficulty is None:
            difficulty = self.job_difficulty[job[0]]
        assert difficulty is not None
        en2 = self.extranonce2()
        nonce = grind(job, self.extranonce1, en2, difficulty, version_bits=version_bits)
        return job, en2, nonce

    def submit_params(
        self, job: list[Any], en2: bytes, nonce: int, worker: str = "alice.rig1", **extra: Any
    ) -> list[Any]:
        params = [worker, job[0], en2.hex(), job[7], f"{nonce:08x}"]
        if "version_bits" in extra:
            params.append(extra["version_bits"])
        return params

    async def submit_share(self, worker: str = "alice.rig1") -> dict[str, Any]:
        job, en2, nonce = self.solve()
        return await self.call("mining.submit", self.submit_params(job, en2, nonce, worker))

    async def closed(self, wait: float = READ_TIMEOUT) -> bool:
        """True when the pool closes the connection within ``wait`` (lines are kept)."""
        try:
            async with asyncio.timeout(wait):
                while True:
                    raw = await self.reader.readline()
                    if not raw:
                        return True
                    try:
                        msg = json.loads(raw)
                    except ValueError:
                        continue
                    self.lines.append(msg)
                    self._track(msg)
        except TimeoutError:
            return False
        except ConnectionError:
            return True

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()
