"""Snapshots of every screen and modal at 80x24 and 120x40 in a dark and a light theme.

Deterministic by construction: fixed clock, canned synthetic pool, fixed theme, no animation,
no cursor blink, the live feed primed by hand (no timers), fixed retry jitter.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from backend.api.schemas import WatcherLinkCreate, WatcherLinkCreated
from minerconsole.alerts import Alert
from minerconsole.messages import AccountChosen, AlertsRaised
from minerconsole.samples import make_worker
from minerconsole.screens.payout import PayoutScreen
from minerconsole.screens.watcher_link import WatcherLinkScreen
from minerconsole.screens.watchers import WatchersScreen

from .harness import NOW, SIZES, THEMES, canned_pool, console, prime, settle, type_into

VALID_ADDRESS = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"
BAD_CHECKSUM = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt08q"

matrix = pytest.mark.parametrize(
    "size,theme", [(s, t) for t in THEMES for s in SIZES], ids=lambda v: str(v)
)


async def dashboard(pilot: Pilot) -> None:
    """The alice_farm dashboard (the flow tests reach it by keys; here it is pushed)."""
    await prime(pilot)
    pilot.app.post_message(AccountChosen("alice_farm"))
    await prime(pilot)


async def links(pilot: Pilot) -> None:
    await dashboard(pilot)
    await pilot.app.push_screen(WatchersScreen("alice_farm"))
    await settle(pilot)


async def with_link(pilot: Pilot) -> WatcherLinkCreated:
    """The links screen after one link was created through the API."""
    request = WatcherLinkCreate(
        accounts=["alice_farm"], name="client_view", permissions=["dashboard"], live_until="7d"
    )
    created = await pilot.app.api.create_watcher_link(request)
    await links(pilot)
    return created


async def payout_with(pilot: Pilot, address: str) -> None:
    await dashboard(pilot)
    await pilot.app.push_screen(PayoutScreen("alice_farm"))
    await settle(pilot)
    pilot.app.screen.query_one("#external_address").value = True
    await settle(pilot)
    await type_into(pilot, "#address", address)


class TestAccounts:
    """Account selection and account creation."""

    @matrix
    def test_accounts(self, snap_compare, size, theme):
        """Every account with hashrate, worker counts and unpaid balance."""
        assert snap_compare(console(canned_pool(), theme), terminal_size=size, run_before=prime)

    @matrix
    def test_create_account_invalid_name(self, snap_compare, size, theme):
        """The name rule is shown inline while typing."""

        async def run_before(pilot: Pilot) -> None:
            await prime(pilot)
            await pilot.press("n")
            await settle(pilot)
            await type_into(pilot, "#name", "rig hall")

        app = console(canned_pool(), theme)
        assert snap_compare(app, terminal_size=size, run_before=run_before)


class TestDashboard:
    """The account dashboard and worker detail."""

    @matrix
    def test_dashboard(self, snap_compare, size, theme):
        """Tiles, sparkline with labels, the workers table."""
        assert snap_compare(console(canned_pool(), theme), terminal_size=size, run_before=dashboard)

    @matrix
    def test_worker_detail(self, snap_compare, size, theme):
        """One worker's facts and its own sparkline."""

        async def run_before(pilot: Pilot) -> None:
            await dashboard(pilot)
            await pilot.press("down", "down", "enter")
            await settle(pilot)

        app = console(canned_pool(), theme)
        assert snap_compare(app, terminal_size=size, run_before=run_before)

    @matrix
    def test_threshold(self, snap_compare, size, theme):
        """The per-account hashrate alert threshold."""

        async def run_before(pilot: Pilot) -> None:
            await dashboard(pilot)
            await pilot.press("t")
            await settle(pilot)
            await type_into(pilot, "#threshold", "900 TH/s")

        app = console(canned_pool(), theme)
        assert snap_compare(app, terminal_size=size, run_before=run_before)

    @matrix
    def test_pool_unreachable(self, snap_compare, size, theme):
        """The status line says so when the pool goes away; the last data stays."""
        pool = canned_pool()

        async def run_before(pilot: Pilot) -> None:
            await dashboard(pilot)
            pool.go_offline()
            await prime(pilot)

        assert snap_compare(console(pool, theme), terminal_size=size, run_before=run_before)


class TestRewards:
    """Rewards, payouts, and the payout destination dialog."""

    @matrix
    def test_rewards(self, snap_compare, size, theme):
        """Balance, daily rewards, payout history."""

        async def run_before(pilot: Pilot) -> None:
            await dashboard(pilot)
            await pilot.press("w")
            await settle(pilot)

        app = console(canned_pool(), theme)
        assert snap_compare(app, terminal_size=size, run_before=run_before)

    @matrix
    def test_payout_invalid_address(self, snap_compare, size, theme):
        """The address is checked as typed and the reason shown."""

        async def run_before(pilot: Pilot) -> None:
            await payout_with(pilot, BAD_CHECKSUM)

        app = console(canned_pool(), theme)
        assert snap_compare(app, terminal_size=size, run_before=run_before)

    @matrix
    def test_payout_confirm(self, snap_compare, size, theme):
        """The confirmation step shows old → new before anything is sent."""

        async def run_before(pilot: Pilot) -> None:
            await payout_with(pilot, VALID_ADDRESS)
            await pilot.press("enter")
            await settle(pilot)

        app = console(canned_pool(), theme)
        assert snap_compare(app, terminal_size=size, run_before=run_before)


class TestWatcherLinks:
    """Watcher links: list, create, the link shown once, revoke."""

    @matrix
    def test_links(self, snap_compare, size, theme):
        """The list (with one link)."""

        app = console(canned_pool(), theme)
        assert snap_compare(app, terminal_size=size, run_before=with_link)

    @matrix
    def test_create_link(self, snap_compare, size, theme):
        """Name, accounts, permissions, expiry."""

        async def run_before(pilot: Pilot) -> None:
            await links(pilot)
            await pilot.press("n")
            await settle(pilot)
            await type_into(pilot, "#link-name", "client_view")

        app = console(canned_pool(), theme)
        assert snap_compare(app, terminal_size=size, run_before=run_before)

    @matrix
    def test_link_created(self, snap_compare, size, theme):
        """The new link, shown once, with its copy action."""

        async def run_before(pilot: Pilot) -> None:
            created = await with_link(pilot)
            data = created.data
            await pilot.app.push_screen(WatcherLinkScreen(data.link, data.live_until))
            await settle(pilot)

        app = console(canned_pool(), theme)
        assert snap_compare(app, terminal_size=size, run_before=run_before)

    @matrix
    def test_revoke_confirm(self, snap_compare, size, theme):
        """Revoking asks first."""

        async def run_before(pilot: Pilot) -> None:
            await with_link(pilot)
            await pilot.press("d")
            await settle(pilot)

        app = console(canned_pool(), theme)
        assert snap_compare(app, terminal_size=size, run_before=run_before)


class TestPoolHelpAlerts:
    """Pool overview, help, alerts."""

    @matrix
    def test_pool(self, snap_compare, size, theme):
        """Pool and network numbers, stratum URLs, blocks."""

        async def run_before(pilot: Pilot) -> None:
            await prime(pilot)
            await pilot.press("P")
            await settle(pilot)

        app = console(canned_pool(), theme)
        assert snap_compare(app, terminal_size=size, run_before=run_before)

    @matrix
    def test_help(self, snap_compare, size, theme):
        """Every key of the dashboard, and the app's."""

        async def run_before(pilot: Pilot) -> None:
            await dashboard(pilot)
            await pilot.press("question_mark")
            await settle(pilot)

        app = console(canned_pool(), theme)
        assert snap_compare(app, terminal_size=size, run_before=run_before)

    @matrix
    def test_alerts(self, snap_compare, size, theme):
        """The alerts list."""

        async def run_before(pilot: Pilot) -> None:
            await prime(pilot)
            pilot.app.post_message(
                AlertsRaised(
                    (
                        Alert(NOW - 600, "bob_rigs", "worker_offline", "shed-l7", "went offline"),
                        Alert(NOW - 60, "bob_rigs", "worker_low", "attic-s9", "hashrate is low"),
                        Alert(
                            NOW,
                            "alice_farm",
                            "hashrate_low",
                            "alice_farm",
                            "hashrate 1.20 PH/s is below 1.50 PH/s",
                        ),
                    )
                )
            )
            await settle(pilot)
            pilot.app.clear_notifications()
            await pilot.press("A")
            await settle(pilot)

        app = console(canned_pool(), theme)
        assert snap_compare(app, terminal_size=size, run_before=run_before)


HOSTILE_NAMES = [
    "[red]x[/]",
    '[link="https://evil.example/"]payout-ok[/link]',
    "\x1b]52;c;cHduZWQ=\x07clip",
    "\x1b]0;pwned\x07title",
    "\x1b[2Jwipe",
    "\x9b31mc1",
    "rtl-\u202egnp.exe",
    "zero\u200bwidth",
    "emoji-⛏️-🚀-rig",
    "w" * 200,
]


@pytest.mark.parametrize("size", SIZES, ids=str)
def test_hostile_names(snap_compare, size):
    """Markup, escape sequences, bidi overrides, emoji and a very long name render literally."""
    pool = canned_pool()
    rows = [make_worker(name, i, int(NOW)) for i, name in enumerate(HOSTILE_NAMES)]
    pool.add_account("hostile", rows)

    async def run_before(pilot: Pilot) -> None:
        await prime(pilot)
        await pilot.press("down", "down", "down", "enter")
        await prime(pilot)

    assert snap_compare(console(pool), terminal_size=size, run_before=run_before)
