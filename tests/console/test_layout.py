"""At home in an 80x24 SSH session and in a large terminal: every screen's footer shows whole
keys, no table needs sideways scrolling, and the workers table shows every column at 80 columns
(compact units, a shorter name) while staying roomy from 112 columns up."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from textual.pilot import Pilot
from textual.widgets import DataTable, Footer

from backend.bitcoin.network import REGTEST
from minerconsole.formatting import (
    format_count,
    format_hashrate,
    format_percent,
    header_title,
)
from minerconsole.messages import AccountChosen
from minerconsole.samples import make_worker
from minerconsole.screens.alerts import AlertsScreen
from minerconsole.screens.dashboard import DashboardScreen
from minerconsole.screens.help import HelpScreen
from minerconsole.screens.pool import PoolScreen
from minerconsole.screens.rewards import RewardsScreen
from minerconsole.screens.watchers import WatchersScreen
from minerconsole.screens.worker_detail import WorkerDetailScreen
from minerconsole.synthetic import SyntheticPool
from minerconsole.widgets.accounts_table import AccountsTable
from minerconsole.widgets.key_table import KeyTable
from minerconsole.widgets.record_table import fit_columns
from minerconsole.widgets.worker_columns import (
    COLUMNS,
    NAME_CELLS,
    NAME_MIN,
    fit_layout,
)
from minerconsole.widgets.workers_table import WorkersTable

from .harness import NOW, canned_pool, console, prime, screen_text, settle

# --- the workers table's layout -------------------------------------------------------------


@pytest.mark.parametrize("width", [78, 80, 90, 99])
def test_every_workers_column_fits_a_narrow_terminal(width):
    layout = fit_layout(width)
    assert layout.compact
    assert layout.total <= width
    assert len(layout.widths) == len(COLUMNS)
    assert layout.widths[0] >= 16  # room for a name like "garage-s19-unit3"


def test_the_workers_table_is_roomy_from_112_columns():
    layout = fit_layout(112)
    assert not layout.compact
    assert layout.widths[0] == NAME_CELLS
    assert layout.total == 112
    assert fit_layout(200) == layout  # wider terminals keep the same columns


def test_the_name_column_grows_with_the_terminal_and_never_below_its_minimum():
    names = [fit_layout(width).widths[0] for width in range(40, 140)]
    assert min(names) == NAME_MIN
    assert max(names) == NAME_CELLS
    for width in range(62, 140):
        layout = fit_layout(width)
        # Either everything fits, or the name is already as narrow as it goes.
        assert layout.total <= width or layout.widths[0] == NAME_MIN


@pytest.mark.parametrize(
    "value,compact",
    [
        (None, "—"),
        (0, "0"),
        (950, "950"),
        (71_600, "71.6k"),
        (103e12, "103T"),
        (99.96e12, "100T"),
        (999.7e12, "1.00P"),
        (1.44e15, "1.44P"),
    ],
)
def test_compact_hashrates_fit_five_cells(value, compact):
    assert format_hashrate(value, compact=True) == compact
    assert cell_len(compact) <= 5


def test_three_figures_never_grow_a_fourth():
    assert format_hashrate(9.996e12) == "10.0 TH/s"
    assert format_hashrate(99.96e12) == "100 TH/s"


@pytest.mark.parametrize(
    "value,compact",
    [(0, "0"), (9_999, "9,999"), (10_000, "10.0k"), (99_950, "100k"), (999_950, "1.00M")],
)
def test_compact_counts_fit_five_cells(value, compact):
    assert format_count(value, compact=True) == compact
    assert format_count(value) == f"{value:,}"


@pytest.mark.parametrize(
    "ratio,compact", [(0.0, "0.0%"), (0.0123, "1.2%"), (0.0996, "10%"), (1.0, "100%")]
)
def test_compact_percentages_fit_four_cells(ratio, compact):
    assert format_percent(ratio, compact=True) == compact


def test_the_header_reads_app_dot_subtitle():
    assert header_title("minerconsole", "alice_farm").plain == "minerconsole · alice_farm"
    assert header_title("minerconsole", "").plain == "minerconsole"
    assert header_title("minerconsole", "x\x1b[2J").plain == "minerconsole · x\ufffd[2J"


# --- the simple tables' columns -------------------------------------------------------------

WIDE = (("name", "Name", 20), ("a", "A", 10), ("b", "B", 10), ("c", "C", 10))


def test_fit_columns_keeps_everything_when_there_is_room():
    assert fit_columns(WIDE, 100, 1, {"name": 8}, ("c",)) == WIDE


def test_fit_columns_shrinks_flex_columns_first_then_leaves_optional_ones_out():
    assert fit_columns(WIDE, 50, 1, {"name": 8}, ("c",))[0] == ("name", "Name", 12)
    narrow = fit_columns(WIDE, 40, 1, {"name": 8}, ("c",))
    assert [key for key, _, _ in narrow] == ["name", "a", "b"]
    assert sum(width + 2 for _, _, width in narrow) <= 40


# --- every screen in 80x24 ------------------------------------------------------------------


async def open_dashboard(pilot: Pilot) -> None:
    await prime(pilot)
    pilot.app.post_message(AccountChosen("alice_farm"))
    await prime(pilot)


async def push(pilot: Pilot, screen) -> None:
    await open_dashboard(pilot)
    await pilot.app.push_screen(screen)
    await settle(pilot)


SCREENS = {
    "accounts": prime,
    "dashboard": open_dashboard,
    "worker": lambda pilot: push(pilot, WorkerDetailScreen("alice_farm", "rig-00002")),
    "rewards": lambda pilot: push(pilot, RewardsScreen("alice_farm")),
    "links": lambda pilot: push(pilot, WatchersScreen("alice_farm")),
    "pool": lambda pilot: push(pilot, PoolScreen()),
    "alerts": lambda pilot: push(pilot, AlertsScreen()),
}


def assert_footer_whole(app) -> None:
    """Every key of the footer is drawn whole, left of the palette key."""
    footer = app.screen.query_one(Footer)
    keys = list(footer.query("FooterKey"))
    palette = [key for key in keys if key.has_class("-command-palette")]
    assert len(palette) == 1
    for key in keys:
        if key is not palette[0]:
            assert key.region.width > 0
            assert key.region.right <= palette[0].region.x, f"{key.description!r} is cut off"


def assert_no_sideways_scrolling(app) -> None:
    for table in app.screen.query(DataTable).results():
        if table.display:
            assert table.virtual_size.width <= table.scrollable_content_region.width, table
    for table in app.screen.query(WorkersTable).results():
        assert table.virtual_size.width <= table.scrollable_content_region.width


@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=str)
async def test_footer_and_tables_fit(screen, size):
    pool = canned_pool()
    if screen == "rewards":
        # A long payout history and a balance above 10 BTC still fit.
        pool.state["alice_farm"].unpaid = "12.34567890"
    app = console(pool)
    async with app.run_test(size=size) as pilot:
        await SCREENS[screen](pilot)
        assert_footer_whole(app)
        assert_no_sideways_scrolling(app)


async def test_the_80_column_dashboard_shows_every_column_whole():
    pool = canned_pool()
    pool.add_account(
        "long_names",
        [make_worker(f"garage-rack-{i:02d}-antminer-s19-xp", i, int(NOW)) for i in range(30)],
    )
    app = console(pool)
    async with app.run_test(size=(80, 24)) as pilot:
        await prime(pilot)
        app.post_message(AccountChosen("long_names"))
        await prime(pilot)
        assert isinstance(app.screen, DashboardScreen)
        table = app.screen.query_one(WorkersTable)
        assert table.column_layout.compact
        text = screen_text(app)
        header = next(line for line in text.splitlines() if line.lstrip().startswith("Worker"))
        assert header.split() == [column.label for column in COLUMNS]
        assert " garage-rack-00-… online " in text  # the name cut with an ellipsis
        assert_no_sideways_scrolling(app)  # 30 rows: with a vertical scrollbar too
        assert table.cell_text("garage-rack-00-antminer-s19-xp", "h5m").endswith("T")
        await pilot.resize_terminal(120, 40)
        await settle(pilot)
        assert not table.column_layout.compact
        assert table.cell_text("garage-rack-00-antminer-s19-xp", "h5m").endswith("TH/s")


async def test_help_and_palette_list_the_keys_the_footer_leaves_out():
    app = console(canned_pool())
    async with app.run_test(size=(80, 24)) as pilot:
        await open_dashboard(pilot)
        footer = {key.key for key in app.screen.query_one(Footer).query("FooterKey")}
        assert {"t", "e", "l", "ctrl+t"}.isdisjoint(footer)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        rows = app.screen.query_one(KeyTable).records.values()
        listed = {row.keys for row in rows}
        assert {"t", "e", "l", "^t", "S", "i", "d", "r"} <= listed


async def test_an_empty_table_says_so_whole_then_shows_its_columns():
    pool = SyntheticPool(lambda: NOW, network=REGTEST)
    app = console(pool)
    async with app.run_test(size=(80, 24)) as pilot:
        await prime(pilot)
        table = app.screen.query_one(AccountsTable)
        assert "no accounts yet — press n to create one" in screen_text(app)
        assert not table.show_header
        pool.add_account("first_one")
        await prime(pilot)
        assert table.show_header
        assert [column.label.plain for column in table.columns.values()][:2] == ["Account", "5m"]
        assert "first_one" in screen_text(app)
        assert_no_sideways_scrolling(app)
