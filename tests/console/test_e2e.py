"""The console attached to a real pool on loopback: embedded chain, HTTP API, reference miners.
The workers table shows the miners, and their hashrate moves."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from backend.api.schemas import WatcherLinkCreate
from backend.bitcoin.network import REGTEST
from backend.config import load_settings
from backend.miner.client import ReferenceMiner
from backend.pool import Pool
from minerconsole.app import make_app
from minerconsole.cli import parse_watch_link
from minerconsole.client import PoolClient, WatcherClient
from minerconsole.live import LiveSettings
from minerconsole.profiles import read_owner_key
from minerconsole.screens.dashboard import DashboardScreen
from minerconsole.widgets.workers_table import WorkersTable

from .harness import screen_text, until

POOL = {
    "stratum": "127.0.0.1:0",
    "api": "127.0.0.1:0",
    "metrics": "127.0.0.1:0",
    "start_difficulty": 1e-5,
    "min_difficulty": 1e-5,
    "max_difficulty": 1e-5,
    "log_level": "warning",
}
"""Loopback on free ports; difficulty 1e-5 gives CPU miners a share every few hundred ms."""

LIVE = LiveSettings(tick=0.2, poll=1.0, resync=2.0, accounts_every=1.0, tick_reload=1.0)


@contextlib.asynccontextmanager
async def mining(port: int, users: list[str]):
    running = [ReferenceMiner(f"stratum+tcp://127.0.0.1:{port}", user) for user in users]
    tasks = [asyncio.create_task(miner.run()) for miner in running]
    try:
        yield running
    finally:
        for miner in running:
            miner.stop()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 10)


@pytest.mark.slow
async def test_console_shows_real_miners_and_their_hashrate_moves(tmp_path):
    data_dir = tmp_path / "pool"
    pool = Pool(load_settings({**POOL, "data_dir": data_dir}))
    await pool.start()
    try:
        pool.accounts.create("rigs", "local")
        credentials = read_owner_key(data_dir)
        assert credentials is not None
        secret = credentials.secret.get_secret_value()
        app = make_app(
            PoolClient(credentials.url, credentials.key, secret), network=REGTEST, live=LIVE
        )
        miners = mining(pool.stratum_port, ["rigs.alpha", "rigs.beta"])
        async with miners, app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: any(a.name == "rigs" for a in app.accounts or ()), 20)
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, DashboardScreen))
            table = app.screen.query_one(WorkersTable)
            await until(pilot, lambda: {"alpha", "beta"} <= set(table.worker_rows), 30)
            seen: set[float] = set()

            def alpha_moved() -> bool:
                # A reload racing the recorder can briefly lack a row; only real values count.
                row = table.worker_rows.get("alpha")
                if row is not None:
                    seen.add(row.hashrate5m)
                return len(seen) >= 3

            await until(pilot, alpha_moved, 30)
            assert max(seen) > 0
            text = screen_text(app)
            assert "alpha" in text and "beta" in text and "online" in text
            assert app.connection.state == "connected"
            assert app.connection.via == "events"
    finally:
        await pool.stop()


@pytest.mark.slow
async def test_a_watcher_link_opens_read_only_with_its_permissions(tmp_path):
    data_dir = tmp_path / "pool"
    pool = Pool(load_settings({**POOL, "data_dir": data_dir}))
    await pool.start()
    try:
        pool.accounts.create("rigs", "local")
        credentials = read_owner_key(data_dir)
        owner = PoolClient(credentials.url, credentials.key, credentials.secret.get_secret_value())
        request = WatcherLinkCreate(
            accounts=["rigs"], name="friend", permissions=["dashboard"], live_until="1h"
        )
        created = await owner.create_watcher_link(request)
        await owner.close()
        base, token = parse_watch_link(created.data.link)
        app = make_app(WatcherClient(base, token), network=REGTEST, live=LIVE)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: bool(app.accounts), 20)
            assert [a.name for a in app.accounts] == ["rigs"]
            assert app.accounts[0].unpaid is None  # no rewards permission
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await until(pilot, lambda: app.snapshot is not None, 20)
            assert not app.screen.query_one(WorkersTable).display
            assert "does not include workers" in screen_text(app)
            actions = {b.binding.action for b in app.screen.active_bindings.values()}
            assert not {"payout", "links", "rewards"} & actions
    finally:
        await pool.stop()
