"""Helpers of the console tests: the fixed clock, the canned synthetic pool, the app as the CLI
builds it, and ways to wait for it without sleeping."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from textual.pilot import Pilot
from textual.widgets import Input

from backend.bitcoin.network import REGTEST
from minerconsole.app import MinerConsole, make_app
from minerconsole.live import LiveSettings
from minerconsole.preferences import PreferencesStore
from minerconsole.samples import make_worker
from minerconsole.synthetic import SyntheticPool

NOW = 1_767_225_600.0
"""2026-01-01 00:00:00 UTC: the console's "now" in every test."""

SIZES = [(80, 24), (120, 40)]
THEMES = ["minerconsole-dark", "minerconsole-light"]

FAST = LiveSettings(
    tick=0.05,
    poll=0.1,
    resync=0.5,
    accounts_every=0.2,
    backoff_first=0.05,
    backoff_cap=0.2,
    offline_after=0.3,
    events_retry=0.5,
)
"""Live-feed timing for tests that run the feed for real (seconds instead of minutes)."""


def clock() -> float:
    """The fixed clock."""
    return NOW


def canned_pool(now: float = NOW) -> SyntheticPool:
    """Three accounts: a farm of 12 workers, a small one with a worker offline, an empty one."""
    pool = SyntheticPool(lambda: now, network=REGTEST)
    pool.add_generated("alice_farm", 12)
    stamp = int(now)
    pool.add_account(
        "bob_rigs",
        [
            make_worker("garage-s19", 3, stamp),
            make_worker("attic-s9", 4, stamp, "low"),
            make_worker("shed-l7", 5, stamp, "offline"),
        ],
        unpaid="0.00420000",
    )
    pool.add_account("empty_acct")
    return pool


def console(
    pool: SyntheticPool,
    theme: str | None = THEMES[0],
    preferences: PreferencesStore | None = None,
    live: LiveSettings | None = None,
) -> MinerConsole:
    """The app as the CLI builds it, with the fake pool and the fixed clock. `theme` None keeps
    whatever the preferences remember."""
    preferences = preferences or PreferencesStore(None)
    if theme is not None:
        preferences.current.theme = theme
    app = make_app(
        pool,
        clock=clock,
        preferences=preferences,
        network=REGTEST,
        live=live,
        follow_live=live is not None,
        jitter=lambda: 0.5,
    )
    app.animation_level = "none"
    return app


async def settle(pilot: Pilot) -> None:
    """Let workers finish and messages drain (never a bare sleep)."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def prime(pilot: Pilot) -> None:
    """One round of the live feed, then settle."""
    app = pilot.app
    assert isinstance(app, MinerConsole)
    await app.feed.prime()
    await settle(pilot)


async def until(pilot: Pilot, condition: Callable[[], bool], within: float = 10.0) -> None:
    """Pump the app until `condition()` holds; fail after `within` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.02)
        await asyncio.sleep(0)


def screen_text(app: MinerConsole) -> str:
    """What the terminal would show, as plain text (one line per row)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


async def type_into(pilot: Pilot, selector: str, text: str) -> None:
    """Put `text` into an input as if pasted (one Changed event, validation runs), then settle.
    Key-by-key typing is exercised by the flow tests; screenshots only need the result."""
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.value = text
    field.cursor_position = len(text)
    await settle(pilot)
