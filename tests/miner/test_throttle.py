"""The hash-rate limit, with a fake clock and with real time."""

import asyncio
import time

import pytest

from backend.miner.throttle import Throttle


class FakeTime:
    """A clock that only moves when the throttle sleeps (or the test says so)."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


async def test_chunks_wait_for_their_slot_at_the_rate() -> None:
    fake = FakeTime()
    throttle = Throttle(1000.0, clock=fake.clock, sleep=fake.sleep)
    for _ in range(4):
        await throttle.take(500)  # the first starts at once; each books half a second
    assert fake.sleeps == pytest.approx([0.5, 0.5, 0.5])
    assert fake.now == pytest.approx(101.5)


async def test_idle_time_is_not_saved_up_for_a_burst() -> None:
    fake = FakeTime()
    throttle = Throttle(1000.0, clock=fake.clock, sleep=fake.sleep)
    await throttle.take(500)
    fake.now += 10.0  # no work for a while
    await throttle.take(500)
    await throttle.take(500)
    assert fake.sleeps == pytest.approx([0.5])


async def test_real_waits_hold_the_rate() -> None:
    throttle = Throttle(10_000.0)
    began = time.monotonic()
    for _ in range(5):
        await throttle.take(1000)
    elapsed = time.monotonic() - began
    assert 0.2 <= elapsed <= 0.8  # 4 waits of 0.1 s after the first chunk


async def test_no_limit_never_waits_and_caps_nothing() -> None:
    throttle = Throttle(None)
    async with asyncio.timeout(0.05):
        await throttle.take(10**9)
    assert throttle.chunk_cap(2, 0.05) is None
    assert Throttle(1000.0).chunk_cap(2, 0.05) == 25
    assert Throttle(1.0).chunk_cap(4, 0.05) == 1


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Throttle(0.0)
