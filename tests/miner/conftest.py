"""Fixtures: a fake pool on loopback and reference miners that are always stopped afterwards."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from backend.miner import MinerEvent, MinerSettings, ReferenceMiner

from .fake_pool import FakePool

FAST = MinerSettings(backoff_initial=0.05, backoff_max=0.2, response_timeout=5.0)
"""Settings for tests: quick reconnects, short handshake waits."""


@dataclass
class RunningMiner:
    """A miner task plus everything it reported."""

    miner: ReferenceMiner
    task: asyncio.Task[object]
    events: list[MinerEvent] = field(default_factory=list)

    def of(self, kind: type[MinerEvent]) -> list[MinerEvent]:
        return [event for event in self.events if isinstance(event, kind)]

    async def stop(self) -> None:
        self.miner.stop()
        async with asyncio.timeout(5):
            await self.task


@pytest.fixture
async def pool() -> AsyncIterator[FakePool]:
    async with FakePool() as running:
        yield running


@pytest.fixture
async def start_miner() -> AsyncIterator[object]:
    started: list[RunningMiner] = []

    def start(url: str, user: str = "acct.worker", **options: object) -> RunningMiner:
        options.setdefault("settings", FAST)
        events: list[MinerEvent] = []
        miner = ReferenceMiner(url, user, on_event=events.append, **options)  # type: ignore[arg-type]
        running = RunningMiner(miner, asyncio.create_task(miner.run()), events)
        started.append(running)
        return running

    yield start
    for running in started:
        await running.stop()
