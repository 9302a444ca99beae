"""`minerconsole`: attach the console to a pool.

minerconsole                     the local pool, with the owner key it wrote
minerconsole --profile NAME      a remote pool saved as a profile
minerconsole --url URL           a remote pool, key and secret from the environment
minerconsole watch LINK          a watcher link, read-only
minerconsole demo                start a demo pool with miners and attach to it
minerconsole profile add|list|remove   manage profiles (secrets are never echoed)
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from backend.bitcoin.network import Network, network_by_name
from minerconsole.api import AccessDenied, ApiError, PoolApi
from minerconsole.app import make_app
from minerconsole.client import PoolClient, WatcherClient, pool_answers
from minerconsole.launcher import (
    DEMO_ARGS,
    DEMO_ENV,
    RUN_ARGS,
    LaunchError,
    log_tail,
    start_pool,
    stop,
    wait_until_up,
)
from minerconsole.preferences import PREFERENCES_FILE, PreferencesStore
from minerconsole.profiles import (
    Credentials,
    Profile,
    ProfileError,
    ProfileStore,
    config_dir,
    credentials_from_env,
    pool_data_dir,
    read_owner_key,
)
from minerconsole.theming import THEMES_DIR

LOCAL_NETWORK = "regtest"
"""The local pool's chain when its key file does not say: the embedded chain is regtest-format."""


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `minerconsole` console script."""
    args = _parser().parse_args(argv)
    try:
        return args.handler(args)
    except (ProfileError, LaunchError) as exc:
        print(f"minerconsole: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"minerconsole: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="minerconsole",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    _attach_options(parser)
    parser.set_defaults(handler=_attach)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    watch = commands.add_parser("watch", help="open a watcher link read-only")
    watch.add_argument("link", help="the link as it was shared")
    watch.add_argument("--theme", help="colour theme")
    watch.set_defaults(handler=_watch)

    demo = commands.add_parser("demo", help="start a demo pool with miners and attach")
    demo.add_argument("--keep", action="store_true", help="keep the demo's data directory")
    demo.add_argument("--theme", help="colour theme")
    demo.set_defaults(handler=_demo)

    profile = commands.add_parser("profile", help="manage remote pool profiles")
    actions = profile.add_subparsers(metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add or replace a profile (asks for the secret)")
    add.add_argument("name")
    add.add_argument("--url", required=True)
    add.add_argument("--key", required=True, help="the public API key")
    add.add_argument("--network", default="main", help="main, test, signet or regtest")
    add.set_defaults(handler=_profile_add)
    listing = actions.add_parser("list", help="list profiles")
    listing.set_defaults(handler=_profile_list)
    remove = actions.add_parser("remove", help="forget a profile and its secret")
    remove.add_argument("name")
    remove.set_defaults(handler=_profile_remove)
    return parser


def _attach_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", help="a remote pool's API address")
    parser.add_argument("--profile", help="a saved profile (minerconsole profile add ...)")
    parser.add_argument("--network", help="the pool's chain: main, test, signet or regtest")
    parser.add_argument("--data-dir", type=Path, help="the local pool's data directory")
    parser.add_argument("--theme", help="colour theme, e.g. minerconsole-light")


def _run(api: PoolApi, network: Network, theme: str | None) -> int:
    preferences = PreferencesStore(config_dir() / PREFERENCES_FILE)
    if theme:
        preferences.current.theme = theme
    app = make_app(
        api,
        preferences=preferences,
        network=network,
        theme_dirs=(THEMES_DIR, config_dir() / "themes"),
    )
    app.run()
    return 0


def _owner(credentials: Credentials) -> PoolClient:
    return PoolClient(credentials.url, credentials.key, credentials.secret.get_secret_value())


def _attach(args: argparse.Namespace) -> int:
    if args.profile or args.url:
        credentials = _remote_credentials(args)
        network = network_by_name(args.network or credentials.network or "main")
        return _run(_owner(credentials), network, args.theme)
    data_dir = args.data_dir or pool_data_dir()
    credentials = read_owner_key(data_dir)
    if credentials is None or not asyncio.run(pool_answers(credentials.url)):
        credentials = _offer_local_pool(data_dir, credentials)
        if credentials is None:
            return 1
    network = network_by_name(args.network or credentials.network or LOCAL_NETWORK)
    return _run(_owner(credentials), network, args.theme)


def _remote_credentials(args: argparse.Namespace) -> Credentials:
    if args.profile:
        credentials = ProfileStore(config_dir()).credentials(args.profile)
        if args.url:
            credentials = credentials.model_copy(update={"url": args.url})
        return credentials
    credentials = credentials_from_env(args.url)
    if credentials is None:
        raise ProfileError(
            "no key for --url: use --profile NAME, or set MINERCONSOLE_KEY and MINERCONSOLE_SECRET"
        )
    return credentials


def _offer_local_pool(data_dir: Path, known: Credentials | None) -> Credentials | None:
    where = f"nothing answers at {known.url}" if known else f"no owner key in {data_dir}"
    print(f"No minerpool is running on this machine ({where}).")
    if not sys.stdin.isatty():
        print("Start one with: minerpool run   (or try: minerconsole demo)")
        return None
    answer = input("Start one now in the background (minerpool run)? [Y/n] ").strip().lower()
    if answer not in {"", "y", "yes"}:
        return None
    process = start_pool(data_dir, RUN_ARGS, detach=True)
    print(f"Starting minerpool (pid {process.pid}, log {data_dir / 'minerpool.log'})…")
    credentials = asyncio.run(wait_until_up(data_dir, process))
    print(f"minerpool keeps running after the console exits; stop it with: kill {process.pid}")
    return credentials


def parse_watch_link(link: str) -> tuple[str, str]:
    """(API base URL, token) from a watcher link: `...?token=T` or `.../watcher-link/T`."""
    parts = urlsplit(link.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError("a watcher link starts with http:// or https://")
    base = f"{parts.scheme}://{parts.netloc}"
    tokens = parse_qs(parts.query).get("token")
    if tokens and tokens[0]:
        return base, tokens[0]
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) >= 2 and segments[-2] == "watcher-link":
        return base, segments[-1]
    raise ValueError("this link carries no watcher token")


def _watch(args: argparse.Namespace) -> int:
    base, token = parse_watch_link(args.link)
    client = WatcherClient(base, token)

    async def check() -> str | None:
        try:
            await client.scope()
        except AccessDenied:
            return "this watcher link is invalid, expired or revoked"
        except ApiError as exc:
            return str(exc)
        finally:
            await client.close()
        return None

    problem = asyncio.run(check())
    if problem:
        print(f"minerconsole: {problem}", file=sys.stderr)
        return 1
    # Watchers never edit payouts, so the network only labels addresses: mainnet by default.
    return _run(WatcherClient(base, token), network_by_name("main"), args.theme)


def _demo(args: argparse.Namespace) -> int:
    data_dir = Path(tempfile.mkdtemp(prefix="minerconsole-demo-"))
    process = start_pool(data_dir, DEMO_ARGS, detach=False, env=DEMO_ENV)
    print(f"Starting the demo pool and miners (log {data_dir / 'minerpool.log'})…")
    try:
        try:
            credentials = asyncio.run(wait_until_up(data_dir, process))
        except LaunchError:
            print(log_tail(data_dir), file=sys.stderr)
            raise
        network = network_by_name(credentials.network or LOCAL_NETWORK)
        return _run(_owner(credentials), network, args.theme)
    finally:
        stop(process)
        if args.keep:
            print(f"demo data kept in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


def _profile_add(args: argparse.Namespace) -> int:
    network_by_name(args.network)
    if sys.stdin.isatty():
        secret = getpass.getpass(f"API secret for {args.name} (not echoed): ")
    else:
        secret = sys.stdin.readline().strip()
    if not secret:
        raise ProfileError("no secret given")
    store = ProfileStore(config_dir())
    store.save(args.name, Profile(url=args.url, key=args.key, network=args.network), secret)
    print(f"saved profile {args.name} ({args.url}); secret in {store.secrets_path} (mode 600)")
    return 0


def _profile_list(args: argparse.Namespace) -> int:
    store = ProfileStore(config_dir())
    names = store.names()
    if not names:
        print("no profiles: minerconsole profile add NAME --url URL --key KEY")
    for name in names:
        profile = store.get(name)
        print(f"{name}  {profile.url}  key {profile.key[:8]}…  {profile.network}")
    return 0


def _profile_remove(args: argparse.Namespace) -> int:
    ProfileStore(config_dir()).remove(args.name)
    print(f"removed profile {args.name}")
    return 0
