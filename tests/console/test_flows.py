"""The flows a user runs, driven by keys through Pilot against the synthetic pool."""

from __future__ import annotations

from backend.bitcoin.network import MAINNET
from minerconsole.preferences import PreferencesStore
from minerconsole.screens.accounts import AccountsScreen
from minerconsole.screens.dashboard import DashboardScreen
from minerconsole.screens.payout import PayoutScreen
from minerconsole.screens.watcher_link import WatcherLinkScreen
from minerconsole.screens.watchers import WatchersScreen
from minerconsole.synthetic import SyntheticPool
from minerconsole.widgets.accounts_table import AccountsTable
from minerconsole.widgets.links_table import LinksTable
from minerconsole.widgets.workers_table import WorkersTable

from .harness import NOW, canned_pool, console, prime, settle, type_into

VALID_ADDRESS = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"


def shown_workers(app) -> list[str]:
    table = app.screen.query_one(WorkersTable)
    return list(table.order)


def selected(app) -> str | None:
    return app.screen.query_one(WorkersTable).selected_worker


async def open_dashboard(pilot, account_index: int = 0) -> None:
    await prime(pilot)
    await pilot.press(*["down"] * account_index, "enter")
    await prime(pilot)


async def test_choose_an_account_and_go_back():
    app = console(canned_pool())
    async with app.run_test(size=(120, 40)) as pilot:
        await prime(pilot)
        table = app.screen.query_one(AccountsTable)
        assert list(table.records) == ["alice_farm", "bob_rigs", "empty_acct"]
        await pilot.press("down", "enter")
        await prime(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert app.screen.account == "bob_rigs"
        assert app.feed.account == "bob_rigs"
        assert shown_workers(app) == ["attic-s9", "garage-s19", "shed-l7"]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, AccountsScreen)
        assert app.feed.account is None


async def test_sort_and_filter_keep_the_cursor_on_its_worker():
    app = console(canned_pool())
    async with app.run_test(size=(120, 40)) as pilot:
        await open_dashboard(pilot)
        await pilot.press(*["down"] * 5)
        assert selected(app) == "rig-00005"
        await pilot.press("s")  # sort by status: offline, low, online
        assert shown_workers(app)[0] == "rig-00009"  # the only low one
        assert selected(app) == "rig-00005"
        await pilot.press("S")
        assert shown_workers(app)[-1] == "rig-00009"
        assert selected(app) == "rig-00005"
        await pilot.press("f")  # online only
        assert "rig-00009" not in shown_workers(app)
        assert selected(app) == "rig-00005"
        await pilot.press("f")  # low only
        assert shown_workers(app) == ["rig-00009"]
        await pilot.press("f", "f")  # offline (none), then all again
        assert len(shown_workers(app)) == 12
        await pilot.press("slash", "1", "1")
        assert shown_workers(app) == ["rig-00011"]
        await pilot.press("backspace")
        assert sorted(shown_workers(app)) == ["rig-00001", "rig-00010", "rig-00011"]
        await pilot.press("enter")  # back to the table
        assert app.screen.focused is app.screen.query_one(WorkersTable)


async def test_live_updates_change_cells_in_place_without_losing_the_cursor():
    pool = canned_pool()
    app = console(pool)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_dashboard(pilot)
        await pilot.press("s", "s")  # sort by 5m hashrate
        await pilot.press("down", "down")
        keep = selected(app)
        table = app.screen.query_one(WorkersTable)
        before = shown_workers(app)
        # Every worker but the selected one jumps, reversing the order; the row follows its key.
        rows = pool.state["alice_farm"].workers
        for name, row in list(rows.items()):
            if name != keep:
                rows[name] = row.model_copy(update={"hashrate5m": 1e18 - row.hashrate5m})
        await prime(pilot)
        assert selected(app) == keep
        assert shown_workers(app) != before
        assert table.cell_text(before[0], "h5m") == "1.00 EH/s"


async def test_edit_payout_destination_invalid_then_valid_then_confirm():
    pool = canned_pool()
    app = console(pool)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_dashboard(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, PayoutScreen)
        await pilot.press("down", "enter")  # RadioSet: external address
        await pilot.press(*"bc1qnope")
        reason = app.screen.query_one("#reason")
        assert "-invalid" in reason.classes
        assert str(reason.render())  # a reason is shown
        await pilot.press("enter")  # refused locally: still editing, nothing sent
        assert app.screen.query_one("ContentSwitcher").current == "edit"
        assert not [c for c in pool.calls if c[0] == "set_payout_destination"]
        await type_into(pilot, "#address", VALID_ADDRESS)
        assert "-invalid" not in reason.classes
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("ContentSwitcher").current == "confirm"
        change = str(app.screen.query_one("#change").render())
        assert "main balance" in change and VALID_ADDRESS in change
        assert not [c for c in pool.calls if c[0] == "set_payout_destination"]
        await pilot.press("enter")  # Confirm (focused)
        await settle(pilot)
        assert app.screen.query_one("ContentSwitcher").current == "done"
        sent = [c for c in pool.calls if c[0] == "set_payout_destination"]
        assert len(sent) == 1
        destination = pool.state["alice_farm"].destination
        assert destination.payout_destination == "external_address"
        assert destination.external_address == VALID_ADDRESS


async def test_payout_error_from_the_api_is_shown():
    """The console checks against regtest, the pool runs mainnet: the API refuses."""
    pool = SyntheticPool(lambda: NOW, network=MAINNET)
    pool.add_generated("alice_farm", 3)
    app = console(pool)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_dashboard(pilot)
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("down", "enter")
        await type_into(pilot, "#address", VALID_ADDRESS)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("ContentSwitcher").current == "edit"
        reason = str(app.screen.query_one("#reason").render())
        assert "invalidBtcAddress" in reason
        assert pool.state["alice_farm"].destination.payout_destination == "main_balance"


async def test_create_and_revoke_a_watcher_link():
    pool = canned_pool()
    app = console(pool)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_dashboard(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, WatchersScreen)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"client_view")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, WatcherLinkScreen)
        link = app.screen.link
        assert "token=" in link
        await pilot.press("c")
        assert app.clipboard == link
        await pilot.press("escape")
        await settle(pilot)
        table = app.screen.query_one(LinksTable)
        assert [r.name for r in table.records.values()] == ["client_view"]
        assert link.split("token=")[1] not in "".join(r.link for r in table.records.values())
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert table.records == {}
        assert ("revoke_watcher_link", ("wl0001",)) in pool.calls


async def test_switch_theme_from_the_palette_and_remember_it(tmp_path):
    path = tmp_path / "preferences.json"
    app = console(canned_pool(), theme=None, preferences=PreferencesStore(path))
    assert app.theme == "minerconsole-dark"
    async with app.run_test(size=(120, 40)) as pilot:
        await prime(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"theme", "enter")
        await settle(pilot)
        await pilot.press(*"minerconsole-light", "enter")
        await settle(pilot)
        assert app.theme == "minerconsole-light"
        assert app.theme_variables["share-accepted"].upper() == "#2A7E3B"
    assert PreferencesStore(path).current.theme == "minerconsole-light"
    again = console(canned_pool(), theme=None, preferences=PreferencesStore(path))
    assert again.theme == "minerconsole-light"


async def test_palette_runs_the_screen_actions():
    app = console(canned_pool())
    async with app.run_test(size=(120, 40)) as pilot:
        await open_dashboard(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Reverse", "enter")
        await settle(pilot)
        assert app.screen.reverse is True
        assert shown_workers(app)[0] == "rig-00011"


async def test_create_an_account_with_the_name_rules_inline():
    pool = canned_pool()
    app = console(pool)
    async with app.run_test(size=(100, 30)) as pilot:
        await prime(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"rig hall")
        reason = app.screen.query_one("#reason")
        assert "-invalid" in reason.classes
        assert "letters, digits and underscores" in str(reason.render())
        await type_into(pilot, "#name", "alice_farm")
        await pilot.press("enter")
        await settle(pilot)
        assert "already been taken" in str(reason.render())
        await type_into(pilot, "#name", "rig_hall_c")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AccountsScreen)
        await prime(pilot)
        assert "rig_hall_c" in app.screen.query_one(AccountsTable).records
