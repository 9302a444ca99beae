"""Account naming rules and stratum username authorization."""

import pytest

from backend.accounts.names import DEFAULT_WORKER, account_name_problem, split_username
from backend.accounts.registry import AccountRegistry, InvalidAccountName
from backend.bitcoin.network import REGTEST
from backend.store.records import AccountExists
from backend.store.sqlite import SqliteStore
from backend.stratum.ports import AuthorizationError

REGTEST_ADDRESS = "bcrt1qdavt4j2sd7dlhqsavtnfxvzppw6k7qy97tmnu9"
MAINNET_ADDRESS = "bc1qvyq0cc6rahyvsazfdje0twl7ez82ndmuac2lhv"


@pytest.fixture
def registry(tmp_path):
    store = SqliteStore(tmp_path / "pool.sqlite3")
    yield AccountRegistry(store, REGTEST, clock=lambda: 1_700_000_000)
    store.close()


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("rig_hall_a", True),
        ("A1", True),
        ("x" * 255, True),
        ("x" * 256, False),
        ("", False),
        ("has space", False),
        ("dot.ted", False),
        ("dash-ed", False),
        ("ünï", False),
        ("a\x1b", False),
    ],
)
def test_account_name_rules(name, ok):
    assert (account_name_problem(name) is None) is ok


def test_username_split_at_first_dot():
    assert split_username("acct.rack1.slot4").worker == "rack1.slot4"
    assert split_username("acct").worker == DEFAULT_WORKER
    assert split_username("acct.").worker == ""


def test_create_rejects_bad_and_duplicate_and_address_names(registry):
    registry.create("rig_a", "local")
    with pytest.raises(AccountExists):
        registry.create("rig_a", "local")
    with pytest.raises(InvalidAccountName, match="letters, digits"):
        registry.create("bad name", "local")
    with pytest.raises(InvalidAccountName, match="reserved for anonymous"):
        registry.create(REGTEST_ADDRESS, "local")


async def test_authorize_named_account(registry):
    registry.create("rig_a", "local")
    identity = await registry.authorize("rig_a.s19_01", "x")
    assert (identity.account, identity.worker, identity.anonymous) == ("rig_a", "s19_01", False)


async def test_authorize_anonymous_address_creates_account_once(registry):
    identity = await registry.authorize(f"{REGTEST_ADDRESS}.bitaxe", "x")
    assert identity.anonymous and identity.account == REGTEST_ADDRESS
    again = await registry.authorize(f"{REGTEST_ADDRESS}.other", "x")
    assert again.account == REGTEST_ADDRESS
    assert registry.lookup(REGTEST_ADDRESS).anonymous


@pytest.mark.parametrize(
    ("username", "reason"),
    [
        ("ghost.rig", "unknown account"),
        (f"{MAINNET_ADDRESS}.rig", "invalid payout address"),
        (f"{REGTEST_ADDRESS[:-1]}x.rig", "invalid payout address"),
        ("rig_a.[red]x[/]", "worker name may only contain"),
        ("rig_a.\x1b]52;c;AAAA\x07", "worker name may only contain"),
        ("rig_a." + "w" * 65, "longer than 64"),
        ("rig_a.", "worker name may only contain"),
    ],
)
async def test_authorize_refusals_name_the_reason(registry, username, reason):
    registry.create("rig_a", "local")
    with pytest.raises(AuthorizationError, match=reason):
        await registry.authorize(username, "x")
