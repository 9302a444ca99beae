"""`python -m minerconsole.bench`: the console's benchmark figures.

- time to first screen: from building the app to the account list drawn with its numbers;
- time to the dashboard of an account with 1,000 workers, drawn;
- CPU while idle-live: the dashboard of 1,000 workers following the pool's event stream (a
  hashrate tick every 5 s, a few worker events a second) with nobody typing;
- time to apply one update with 1,000 and 10,000 workers: one UI tick in which every worker
  changed (the worst case) and one in which 1 % did, each until the table has been redrawn.

The pool is the synthetic one (no network), the app runs headless (no terminal IO), so these are
the console's own costs. Aims (issue 5): first screen < 1 s, a 1,000-worker update < 50 ms,
idle CPU < 3 %.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import resource
import time
from collections.abc import Callable

from minerconsole.app import MinerConsole, make_app
from minerconsole.live import LiveSettings
from minerconsole.messages import AccountChosen, LiveSnapshot
from minerconsole.samples import make_worker
from minerconsole.screens.dashboard import DashboardScreen
from minerconsole.synthetic import SyntheticPool
from minerconsole.widgets.workers_table import WorkersTable

SIZE = (120, 40)
"""Terminal size the benchmark renders at."""


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _until(condition: Callable[[], bool], pilot, within: float = 30.0) -> None:
    deadline = time.perf_counter() + within
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("benchmark step did not finish")
        await pilot.pause(0.001)


def _pool(workers: int) -> SyntheticPool:
    now = time.time()
    pool = SyntheticPool(lambda: now)
    pool.add_generated("farm", workers)
    pool.add_generated("garage", 3)
    return pool


async def first_screen() -> float:
    """Seconds from building the app to the account list drawn with data."""
    start = time.perf_counter()
    app = make_app(_pool(1000), live=LiveSettings())
    async with app.run_test(size=SIZE) as pilot:
        await _until(lambda: app.accounts is not None, pilot)
        await pilot.pause()
        return time.perf_counter() - start


async def dashboard(workers: int) -> float:
    """Seconds from choosing an account to its dashboard drawn with every worker."""
    app = make_app(_pool(workers), live=LiveSettings())
    async with app.run_test(size=SIZE) as pilot:
        await _until(lambda: app.accounts is not None, pilot)
        start = time.perf_counter()
        app.post_message(AccountChosen("farm"))
        await _until(lambda: _rows(app) == workers, pilot)
        await pilot.pause()
        return time.perf_counter() - start


def _rows(app: MinerConsole) -> int:
    screen = app.screen
    if not isinstance(screen, DashboardScreen):
        return -1
    return screen.query_one(WorkersTable).row_count


async def idle_cpu(seconds: float) -> float:
    """Share of one CPU used while following 1,000 workers live with nobody typing."""
    pool = _pool(1000)
    app = make_app(pool, live=LiveSettings())
    now = int(time.time())
    async with app.run_test(size=SIZE) as pilot:
        await _until(lambda: app.accounts is not None, pilot)
        app.post_message(AccountChosen("farm"))
        await _until(lambda: _rows(app) == 1000, pilot)
        await _until(lambda: ("events", ("farm",)) in pool.calls, pilot)

        # The pool's side of the traffic is built up front: only the console's work is measured.
        events = [
            make_worker(f"rig-{step % 1000:05d}", step, now).model_dump(by_alias=True)
            for step in range(400)
        ]

        async def traffic() -> None:
            step = 0
            while True:
                await asyncio.sleep(0.25)
                step += 1
                pool.publish("farm", "worker", events[step % len(events)])
                if step % 20 == 0:
                    point = {
                        "timestamp": now // 300 * 300,
                        "hashrate": 9.5e16 + step,
                        "rejectRate": 0.004,
                        "activeWorkers": 1000,
                    }
                    pool.publish("farm", "hashrate", point)

        feeder = asyncio.create_task(traffic())
        await asyncio.sleep(1.0)
        cpu, wall = _cpu(), time.perf_counter()
        await asyncio.sleep(seconds)
        used = (_cpu() - cpu) / (time.perf_counter() - wall)
        feeder.cancel()
        return used


async def update(workers: int, changed_share: float, sort: str) -> tuple[float, float]:
    """(apply, apply and redraw) seconds of one tick in which `changed_share` of the workers
    changed, with the table sorted by `sort`. "Redraw" renders the whole next frame of the
    screen synchronously (Textual's compositor, as it does before writing to the terminal)."""
    pool = _pool(workers)
    app = make_app(pool, follow_live=False)
    async with app.run_test(size=SIZE) as pilot:
        await app.feed.prime()
        app.post_message(AccountChosen("farm"))
        await _until(lambda: isinstance(app.screen, DashboardScreen), pilot)
        await app.feed.prime()
        await _until(lambda: _rows(app) == workers, pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        screen.sort_key = sort
        screen.query_one(WorkersTable).set_view("", "all", sort, False)
        await pilot.pause()
        snapshot = app.snapshot
        assert snapshot is not None
        now = int(time.time())
        names = sorted(snapshot.workers)[: max(1, int(workers * changed_share))]
        rows = dict(snapshot.workers)
        for index, name in enumerate(names):
            rows[name] = make_worker(name, index + 7, now)
        tick = LiveSnapshot(
            account="farm",
            workers=rows,
            changed=frozenset(names),
            removed=frozenset(),
            stats=snapshot.stats,
            series=snapshot.series,
            at=now,
        )
        start = time.perf_counter()
        screen._show(tick)
        applied = time.perf_counter() - start
        screen._compositor.render_update(full=True)
        return applied, time.perf_counter() - start


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


async def run(idle_seconds: float) -> list[tuple[str, str]]:
    """Every figure as (what, value). Idle CPU is measured first, in a fresh process, so the
    garbage of the other runs does not count against it."""
    cpu = await idle_cpu(idle_seconds)
    gc.collect()
    figures = [
        ("time to first screen (account list)", _ms(await first_screen())),
        ("time to dashboard, 1,000 workers", _ms(await dashboard(1000))),
        ("time to dashboard, 10,000 workers", _ms(await dashboard(10_000))),
    ]
    for workers in (1000, 10_000):
        for share, label in ((1.0, "all changed"), (0.01, "1% changed")):
            for sort in ("name", "h5m"):
                applied, drawn = await update(workers, share, sort)
                what = f"one update, {workers:,} workers, {label}, sorted by {sort}"
                figures.append((what, f"{_ms(applied)} apply, {_ms(drawn)} drawn"))
    figures.append((f"CPU while idle-live ({idle_seconds:.0f} s, 1,000 workers)", f"{cpu:8.1%}"))
    return figures


def main(argv: list[str] | None = None) -> int:
    """Print the figures."""
    parser = argparse.ArgumentParser(prog="python -m minerconsole.bench", description=__doc__)
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    figures = asyncio.run(run(args.idle_seconds))
    width = max(len(what) for what, _ in figures)
    for what, value in figures:
        print(f"{what:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
