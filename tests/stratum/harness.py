"""The test pool: a real StratumServer on 127.0.0.1 with real jobs from the mining domain, a fake
authorizer and a recording share sink (test doubles of the two ports the pool plugs in), and a
clock the test can move forward."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from backend.mining.extranonce import ExtranonceAllocator
from backend.mining.jobs import Job, JobBuilder, JobTable
from backend.mining.shares import ShareResult
from backend.mining.template import BlockTemplate, TemplateTransaction
from backend.mining.vardiff import VardiffSettings
from backend.stratum.limits import StratumLimits
from backend.stratum.ports import AuthorizationError, Identity
from backend.stratum.server import StratumServer

from .miner import Miner

PAYOUT_SCRIPT = b"\x00\x14" + bytes(range(20))
MAINNET_BITS = 0x1D00FFFF  # difficulty 1: test shares at 1e-6 are never blocks
START_DIFFICULTY = 1e-6


def sha256d(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def make_template(prev_hash: bytes, now: float, height: int = 300) -> BlockTemplate:
    datas = (b"first transaction " + prev_hash, b"second transaction " + prev_hash)
    txs = tuple(
        TemplateTransaction(data=d, txid=sha256d(d), wtxid=sha256d(d), fee=500) for d in datas
    )
    return BlockTemplate(
        height=height,
        prev_hash=prev_hash,
        version=0x20000000,
        bits=MAINNET_BITS,
        curtime=int(now),
        mintime=int(now) - 3600,
        coinbase_value=50 * 10**8,
        transactions=txs,
    )


class FakeAuthorizer:
    """Accepts ``account.worker`` unless the account starts with ``bad``; records calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.delay = 0.0

    async def authorize(self, username: str, password: str) -> Identity:
        self.calls.append((username, password))
        if self.delay:
            await asyncio.sleep(self.delay)
        account, _, worker = username.partition(".")
        if account.startswith("bad"):
            raise AuthorizationError("Unknown account")
        return Identity(account=account, worker=worker or "default", anonymous=False)


class RecordingSink:
    """Keeps every share event."""

    def __init__(self) -> None:
        self.events: list[tuple[Identity, ShareResult, str]] = []

    def share(self, identity: Identity, result: ShareResult, peer: str) -> None:
        self.events.append((identity, result, peer))

    @property
    def accepted(self) -> list[ShareResult]:
        return [r for _, r, _ in self.events if r.accepted]

    @property
    def rejected(self) -> list[ShareResult]:
        return [r for _, r, _ in self.events if not r.accepted]


class Clock:
    """Wall time plus an offset the test can advance."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclass
class Pool:
    server: StratumServer
    jobs: JobTable
    builder: JobBuilder
    authorizer: FakeAuthorizer
    sink: RecordingSink
    clock: Clock
    extranonces: ExtranonceAllocator
    height: int = 300
    tip: bytes = field(default_factory=lambda: bytes.fromhex("11" * 32))

    @property
    def port(self) -> int:
        return self.server.port

    def new_job(self, new_tip: bool = False) -> Job:
        """Build a job (on a new previous block when ``new_tip``), add it and broadcast it."""
        if new_tip:
            self.height += 1
            self.tip = sha256d(self.tip)
        template = make_template(self.tip, self.clock(), self.height)
        job = self.builder.build(template, clean=new_tip, now=self.clock())
        self.jobs.add(job)
        self.server.broadcast(job)
        return job

    async def miner(self, source: str = "127.0.0.1") -> Miner:
        return await Miner.connect(self.port, source)

    async def mining(self, username: str = "alice.rig1", source: str = "127.0.0.1") -> Miner:
        miner = await self.miner(source)
        await miner.handshake(username)
        return miner


TEST_LIMITS = StratumLimits(sweep_interval=0.05, stop_grace=1.0)
TEST_VARDIFF = VardiffSettings(minimum=1e-10, retarget_interval=3600.0)

MakePool = Callable[..., Awaitable[Pool]]


def make_limits(**overrides: Any) -> StratumLimits:
    fields = {name: getattr(TEST_LIMITS, name) for name in TEST_LIMITS.__dataclass_fields__}
    return StratumLimits(**(fields | overrides))


async def start_pool(
    limits: StratumLimits = TEST_LIMITS,
    vardiff: VardiffSettings = TEST_VARDIFF,
    start_difficulty: float = START_DIFFICULTY,
    first_job: bool = True,
) -> Pool:
    clock = Clock()
    jobs = JobTable()
    builder = JobBuilder(PAYOUT_SCRIPT, b"/test/")
    extranonces = ExtranonceAllocator()
    authorizer = FakeAuthorizer()
    sink = RecordingSink()
    server = StratumServer(
        limits=limits,
        jobs=jobs,
        builder=builder,
        authorizer=authorizer,
        sink=sink,
        vardiff=vardiff,
        start_difficulty=start_difficulty,
        extranonces=extranonces,
        clock=clock,
    )
    await server.start("127.0.0.1", 0)
    pool = Pool(server, jobs, builder, authorizer, sink, clock, extranonces)
    if first_job:
        pool.new_job(new_tip=True)
    return pool


async def eventually(condition: Callable[[], bool], within: float = 3.0) -> bool:
    """Poll ``condition`` until it holds or ``within`` seconds pass; its final value."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True
