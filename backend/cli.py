"""`minerpool`: the pool's command line.

minerpool run       start the pool (embedded chain unless --node)
minerpool accounts  create or list mining accounts
minerpool node      serve the embedded chain over Bitcoin Core's JSON-RPC
minerpool miner     run the reference CPU miner
minerpool demo      a local pool with a few reference miners, logging what they do
minerpool bench     print benchmark figures
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from backend.config import ConfigError, PoolSettings, load_settings, parse_host_port


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `minerpool` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return args.handler(args)
    except ConfigError as exc:
        print(f"minerpool: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="minerpool", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    run = commands.add_parser("run", help="start the pool")
    _pool_options(run)
    run.set_defaults(handler=_run)

    accounts = commands.add_parser("accounts", help="create or list mining accounts")
    accounts_commands = accounts.add_subparsers(metavar="ACTION")
    create = accounts_commands.add_parser("create", help="create a mining account")
    create.add_argument("name")
    create.add_argument("--owner", default="local", help="owner the account belongs to")
    _store_options(create)
    create.set_defaults(handler=_accounts_create)
    listing = accounts_commands.add_parser("list", help="list mining accounts")
    listing.add_argument("--owner", help="only this owner's accounts")
    _store_options(listing)
    listing.set_defaults(handler=_accounts_list)

    keys = commands.add_parser("keys", help="create API keys")
    keys_commands = keys.add_subparsers(metavar="ACTION")
    key_create = keys_commands.add_parser("create", help="create an API key (shown once)")
    key_create.add_argument("--owner", default="local", help="owner whose accounts the key sees")
    key_create.add_argument(
        "--scopes", default="read,accounts,watchers,payout", help="comma-separated scopes"
    )
    key_create.add_argument("--json", action="store_true", help='print {"key": ..., "secret": ...}')
    _store_options(key_create)
    key_create.set_defaults(handler=_keys_create)

    node = commands.add_parser("node", help="serve the embedded chain over Core's JSON-RPC")
    node.add_argument("--data-dir", type=Path)
    node.add_argument("--rpc", default="127.0.0.1:18443", help="HOST:PORT to listen on")
    node.add_argument("--block-interval", type=float, help="target seconds between blocks")
    node.add_argument("--log-level", default="info")
    node.set_defaults(handler=_node)

    miner = commands.add_parser("miner", help="run the reference CPU miner", add_help=False)
    miner.add_argument("rest", nargs=argparse.REMAINDER)
    miner.set_defaults(handler=_miner)

    demo = commands.add_parser("demo", help="a local pool with reference miners")
    demo.add_argument("--data-dir", type=Path, help="default: a fresh temporary directory")
    demo.add_argument("--stratum", default="127.0.0.1:3333")
    demo.add_argument("--duration", type=float, help="stop after this many seconds")
    demo.set_defaults(handler=_demo)

    bench = commands.add_parser("bench", help="print benchmark figures", add_help=False)
    bench.add_argument("rest", nargs=argparse.REMAINDER)
    bench.set_defaults(handler=_bench)
    return parser


def _pool_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="TOML file with settings")
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--stratum", help="HOST:PORT for miners (default 127.0.0.1:3333)")
    parser.add_argument("--node", help="Bitcoin Core JSON-RPC URL (default: embedded chain)")
    parser.add_argument("--node-cookie", type=Path, help="Core's .cookie file")
    parser.add_argument("--coinbase-address", help="address block rewards are paid to")
    parser.add_argument("--start-difficulty", type=float)
    parser.add_argument("--min-difficulty", type=float)
    parser.add_argument("--max-difficulty", type=float)
    parser.add_argument("--block-interval", type=float, help="embedded chain block time, s")
    parser.add_argument("--instance-id", type=int, help="0-255, distinct per stratum process")
    parser.add_argument("--log-level", help="debug, info, warning or error")
    parser.add_argument("--role", choices=("all", "stratum", "api"), help="what this process runs")
    parser.add_argument("--database", help="postgresql://... (default: SQLite in the data dir)")
    parser.add_argument("--reward-scheme", choices=("fpps", "pplns"))
    parser.add_argument("--pool-fee", help="pool fee in percent (default 2.5)")
    parser.add_argument("--api", help="HOST:PORT for the HTTP API (default 127.0.0.1:8080)")
    parser.add_argument("--metrics", help="HOST:PORT for /metrics (default 127.0.0.1:9464)")


def _store_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="TOML file with settings")
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--database", help="postgresql://... (default: SQLite in the data dir)")


def _settings(args: argparse.Namespace) -> PoolSettings:
    overrides = {
        key: value
        for key, value in vars(args).items()
        if key in PoolSettings.model_fields and value is not None
    }
    return load_settings(overrides, getattr(args, "config", None))


def configure_logging(level: str) -> None:
    """Plain log lines on stderr with UTC timestamps."""
    handler = logging.StreamHandler()
    formatter = logging.Formatter(
        "%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%SZ"
    )
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def run_until_signalled(body: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Run `body(stop)` on uvloop (when available) until SIGINT or SIGTERM sets `stop`."""

    async def wrapper() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await body(stop)

    try:
        import uvloop

        factory = uvloop.new_event_loop
    except ImportError:
        factory = None
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(wrapper())


def _run(args: argparse.Namespace) -> int:
    from backend.pool import run_pool

    settings = _settings(args)
    configure_logging(settings.log_level)
    run_until_signalled(lambda stop: run_pool(settings, stop))
    return 0


def _open_registry(args: argparse.Namespace):
    from backend.accounts.registry import AccountRegistry
    from backend.bitcoin.network import REGTEST, network_by_name
    from backend.store.repository import open_store

    settings = _settings(args)
    store = open_store(settings.database, settings.data_dir)
    network = REGTEST if settings.embedded else network_by_name(_node_chain(settings))
    return store, AccountRegistry(store, network)


def _node_chain(settings: PoolSettings) -> str:
    from backend.chain.bitcoind import BitcoindClient

    async def ask() -> str:
        client = BitcoindClient(settings.node, cookie_file=settings.node_cookie)
        try:
            return (await client.chain_info()).chain
        finally:
            await client.close()

    return asyncio.run(ask())


def _accounts_create(args: argparse.Namespace) -> int:
    from backend.accounts.registry import InvalidAccountName
    from backend.store.records import AccountExists

    store, registry = _open_registry(args)
    try:
        account = registry.create(args.name, args.owner)
    except InvalidAccountName as exc:
        print(f"minerpool: invalid account name: {exc}", file=sys.stderr)
        return 1
    except AccountExists:
        print(f"minerpool: account {args.name!r} already exists", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"created account {account.name} (owner {account.owner})")
    print(f"point miners at it with user {account.name}.<worker>")
    return 0


def _keys_create(args: argparse.Namespace) -> int:
    import json

    from backend.api.keys import create_key
    from backend.api.service import MASTER_KEY_FILE
    from backend.store.repository import open_store

    settings = _settings(args)
    store = open_store(settings.database, settings.data_dir)
    try:
        key_file = settings.api_secret_key or settings.data_dir / MASTER_KEY_FILE
        key, secret = create_key(store, key_file, args.owner, args.scopes.split(","))
    except ValueError as exc:
        print(f"minerpool: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    if args.json:
        print(json.dumps({"key": key, "secret": secret}))
    else:
        print(f"API key for owner {args.owner} (the secret is shown this once):")
        print(f"  key     {key}")
        print(f"  secret  {secret}")
    return 0


def _accounts_list(args: argparse.Namespace) -> int:
    store, registry = _open_registry(args)
    try:
        accounts = registry.list(args.owner)
    finally:
        store.close()
    if not accounts:
        print("no accounts yet: minerpool accounts create NAME")
        return 0
    width = max(len(a.name) for a in accounts)
    for account in accounts:
        created = time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(account.created_at))
        print(f"{account.name:<{width}}  owner {account.owner}  created {created}")
    return 0


def _node(args: argparse.Namespace) -> int:
    from backend.chain.embedded import EmbeddedChain
    from backend.chain.node_server import serve_node
    from backend.chain.params import ChainParams

    overrides = {"data_dir": args.data_dir, "block_interval": args.block_interval}
    settings = load_settings(overrides)
    host, port = parse_host_port(args.rpc)
    configure_logging(args.log_level)
    chain_dir = settings.data_dir / "chain"
    params = ChainParams(target_block_interval=max(1, round(settings.block_interval)))

    async def body(stop: asyncio.Event) -> None:
        chain = EmbeddedChain(chain_dir, params)
        server = asyncio.create_task(serve_node(chain, host, port, chain_dir / ".cookie"))
        try:
            await stop.wait()
        finally:
            server.cancel()
            await asyncio.gather(server, return_exceptions=True)
            chain.close()

    run_until_signalled(body)
    return 0


def _miner(args: argparse.Namespace) -> int:
    from backend.miner import main as miner_main

    return miner_main(args.rest)


def _demo(args: argparse.Namespace) -> int:
    from backend.demo import run_demo

    configure_logging("info")
    run_until_signalled(lambda stop: run_demo(stop, args.data_dir, args.stratum, args.duration))
    return 0


def _bench(args: argparse.Namespace) -> int:
    from backend.bench.cli import main as bench_main

    return bench_main(args.rest)


if __name__ == "__main__":
    sys.exit(main())
