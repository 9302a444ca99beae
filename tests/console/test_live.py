"""The live feed: events coalesced to the UI tick, polling as fallback, losing and regaining the
pool, alerts."""

from __future__ import annotations

import asyncio
import contextlib

from minerconsole.live import LiveFeed, LiveSettings
from minerconsole.messages import (
    AlertsRaised,
    ConnectionChanged,
    LiveUpdated,
    PoolEventReceived,
)
from minerconsole.samples import make_worker
from minerconsole.screens.dashboard import DashboardScreen
from minerconsole.widgets.status_line import StatusLine
from minerconsole.widgets.workers_table import WorkersTable

from .harness import FAST, NOW, canned_pool, clock, console, until


class Recorder:
    """Collects what the feed posts."""

    def __init__(self) -> None:
        self.messages: list = []

    def __call__(self, message) -> None:
        self.messages.append(message)

    def of(self, kind) -> list:
        return [m for m in self.messages if isinstance(m, kind)]


async def wait_for(condition, within: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def running(feed: LiveFeed):
    task = asyncio.create_task(feed.run())
    try:
        yield feed
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def slow_tick() -> LiveSettings:
    """Events arrive far faster than the tick: everything in between is one update."""
    return LiveSettings(tick=0.3, poll=5, resync=60, accounts_every=60, backoff_first=0.05)


async def test_many_events_become_one_update_per_tick():
    pool = canned_pool()
    posted = Recorder()
    feed = LiveFeed(pool, posted, clock, lambda _a: None, slow_tick(), jitter=lambda: 0.5)
    feed.follow("alice_farm")
    async with running(feed):
        await wait_for(lambda: posted.of(LiveUpdated))
        await wait_for(lambda: ("events", ("alice_farm",)) in pool.calls)
        first = len(posted.of(LiveUpdated))
        for step in range(200):
            row = make_worker(f"rig-{step % 12:05d}", step, int(NOW))
            pool.publish("alice_farm", "worker", row.model_dump(by_alias=True))
        await wait_for(lambda: len(posted.of(LiveUpdated)) > first)
        await asyncio.sleep(0.05)
        updates = posted.of(LiveUpdated)[first:]
        assert len(updates) == 1
        snapshot = updates[0].snapshot
        assert len(snapshot.changed) == 12
        assert snapshot.workers["rig-00003"] == make_worker("rig-00003", 195, int(NOW))
    assert posted.of(ConnectionChanged)[-1].connection.via == "events"


async def test_block_events_are_passed_on_and_bad_events_dropped():
    pool = canned_pool()
    posted = Recorder()
    feed = LiveFeed(pool, posted, clock, lambda _a: None, slow_tick(), jitter=lambda: 0.5)
    feed.follow("alice_farm")
    async with running(feed):
        await wait_for(lambda: ("events", ("alice_farm",)) in pool.calls)
        pool.publish("alice_farm", "worker", {"name": "[/]", "status": "exploded"})
        pool.publish("alice_farm", "surprise", {"x": 1})
        block = {
            "height": 7,
            "hash": "00" * 32,
            "foundAt": int(NOW),
            "status": "pending",
            "confirmations": 0,
            "value": "3.12500000",
            "worker": "rig-00001",
        }
        pool.publish("alice_farm", "block", block)
        await wait_for(lambda: posted.of(PoolEventReceived))
    event = posted.of(PoolEventReceived)[0].event
    assert event.kind == "block" and event.row.height == 7
    assert "[/]" not in feed._workers


async def test_without_an_event_stream_the_feed_polls():
    pool = canned_pool()
    pool.events_supported = False
    posted = Recorder()
    settings = LiveSettings(tick=0.02, poll=0.05, accounts_every=60, backoff_first=0.05)
    feed = LiveFeed(pool, posted, clock, lambda _a: None, settings, jitter=lambda: 0.5)
    feed.follow("bob_rigs")
    async with running(feed):
        await wait_for(lambda: [c for c in pool.calls if c == ("workers", ("bob_rigs",))][2:])
        pool.set_worker("bob_rigs", make_worker("garage-s19", 3, int(NOW), "offline"))
        await wait_for(
            lambda: any(
                m.snapshot.workers["garage-s19"].status == "offline" for m in posted.of(LiveUpdated)
            )
        )
    assert posted.of(ConnectionChanged)[-1].connection.via == "polling"
    alerts = [a for m in posted.of(AlertsRaised) for a in m.alerts]
    assert [(a.kind, a.subject) for a in alerts] == [("worker_offline", "garage-s19")]


async def test_losing_the_pool_backs_off_goes_offline_and_recovers():
    pool = canned_pool()
    posted = Recorder()
    feed = LiveFeed(pool, posted, clock, lambda _a: None, FAST, jitter=lambda: 1.0)
    feed.follow("alice_farm")
    async with running(feed):
        await wait_for(lambda: feed.connection.current.state == "connected")
        pool.go_offline()
        await wait_for(lambda: feed.connection.current.state == "reconnecting")
        await wait_for(lambda: feed.connection.current.state == "offline", within=5)
        delays = [
            m.connection.retry_in
            for m in posted.of(ConnectionChanged)
            if m.connection.retry_in is not None
        ]
        assert max(delays) <= FAST.backoff_cap
        assert delays[0] == FAST.backoff_first
        pool.online = True
        await wait_for(lambda: feed.connection.current.state == "connected", within=5)
    details = [m.connection.detail for m in posted.of(ConnectionChanged)]
    assert any("cannot reach" in detail for detail in details)


async def test_hashrate_threshold_raises_one_alert_per_fall():
    pool = canned_pool()
    posted = Recorder()
    thresholds = {"alice_farm": 2e15}
    settings = LiveSettings(tick=0.02, accounts_every=0.05)
    feed = LiveFeed(pool, posted, clock, thresholds.get, settings, jitter=lambda: 0.5)
    async with running(feed):
        await wait_for(lambda: len([c for c in pool.calls if c[0] == "accounts"]) >= 4)
    alerts = [a for m in posted.of(AlertsRaised) for a in m.alerts]
    assert [(a.kind, a.account) for a in alerts] == [("hashrate_low", "alice_farm")]
    assert "below 2.00 PH/s" in alerts[0].detail


async def test_console_survives_losing_the_pool_and_recovers_by_itself():
    pool = canned_pool()
    app = console(pool, live=FAST)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.accounts is not None)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen))
        table = app.screen.query_one(WorkersTable)
        await until(pilot, lambda: table.row_count == 12)
        await pilot.press("down", "down")
        pool.go_offline()
        status = app.screen.query_one(StatusLine)
        await until(pilot, lambda: status.connection.state == "offline")
        assert "offline" in str(status.render())
        assert table.row_count == 12  # the last data stays on screen
        await pilot.press("s")  # still responsive
        assert table.selected_worker == "rig-00002"
        pool.online = True
        await until(pilot, lambda: status.connection.state == "connected")
        row = make_worker("rig-00002", 2, int(NOW), "low")
        # Whichever way the data comes back (stream or polling), the change must show.
        pool.set_worker("alice_farm", row)
        pool.publish("alice_farm", "worker", row.model_dump(by_alias=True))
        await until(pilot, lambda: table.cell_text("rig-00002", "status") == "low")
        assert table.selected_worker == "rig-00002"
        await until(pilot, lambda: app.alerts)
        assert app.alerts[0].subject == "rig-00002"
