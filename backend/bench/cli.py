"""`minerpool bench ...`: benchmarks that print figures (never timed test assertions).

    minerpool bench stratum [--connections N] [--duration S] [--idle N] [--window N]
                            [--rate R] [--profile] [--json] ...
    minerpool bench ledger  [--database URL] [--shares N] [--workers W] [--json] ...
    minerpool bench api     [--connections N] [--duration S] [--workers W] [--json] ...

`backend/cli.py` routes `minerpool bench <rest>` to ``main(rest)``. With ``--json`` the standard
output carries one JSON document and the human-readable report goes to standard error.
"""

from __future__ import annotations

import argparse
import sys

from backend.bench.output import run_and_report
from backend.bench.process import raise_fd_limit
from backend.bench.report import render
from backend.bench.stratum import BenchOptions, StratumBench

FD_RESERVE = 256
"""File descriptors kept free beyond the miners themselves (pipes, the store, the listener)."""


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _non_negative(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError("must be 0 or more seconds")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be a positive number of seconds")
    return value


def _parser() -> argparse.ArgumentParser:
    defaults = BenchOptions()
    parser = argparse.ArgumentParser(prog="minerpool bench", description=__doc__.split("\n")[0])
    benches = parser.add_subparsers(dest="bench", metavar="BENCH")
    stratum = benches.add_parser(
        "stratum",
        help="the Stratum listener: throughput, latency, idle connections, new-tip broadcast",
        description="Run the real pool in its own process against a load generator in others "
        "and print shares/s, submit latency, memory per idle miner and new-tip broadcast time.",
    )
    stratum.add_argument(
        "--connections",
        type=_positive_int,
        default=defaults.connections,
        help="miners submitting in the throughput and latency phases (default %(default)s)",
    )
    stratum.add_argument(
        "--duration",
        type=_seconds,
        default=defaults.duration,
        help="measured seconds per load phase (default %(default)s)",
    )
    stratum.add_argument(
        "--idle",
        type=_count,
        default=defaults.idle,
        help="idle miners for the memory and new-tip phases; 0 skips them (default %(default)s)",
    )
    stratum.add_argument(
        "--window",
        type=_positive_int,
        default=defaults.window,
        help="submits each connection keeps in flight in the throughput phase "
        "(default %(default)s)",
    )
    stratum.add_argument(
        "--rate",
        type=_seconds,
        help="offered shares/s of the open-loop latency phase (default: half the throughput)",
    )
    stratum.add_argument(
        "--warmup",
        type=_non_negative,
        help="seconds of load before each measured window (default: 1, or duration/5)",
    )
    stratum.add_argument(
        "--transactions",
        type=_count,
        default=defaults.transactions,
        help="synthetic transactions in the template (default %(default)s: a 12-hash branch)",
    )
    stratum.add_argument(
        "--load-processes",
        type=_positive_int,
        help="load generator processes (default: one per spare core, at most 4)",
    )
    stratum.add_argument(
        "--profile",
        action="store_true",
        help="also run the throughput load under cProfile in the pool and print the top functions",
    )
    stratum.add_argument(
        "--profile-top",
        type=_positive_int,
        default=defaults.profile_top,
        help="functions per profile table (default %(default)s)",
    )
    stratum.add_argument(
        "--timeout",
        type=_seconds,
        default=defaults.timeout,
        help="give up after this many seconds in all (default %(default)s)",
    )
    stratum.add_argument(
        "--json",
        action="store_true",
        help="print the results as JSON on stdout (the report goes to stderr)",
    )
    return parser


def main(argv: list[str]) -> int:
    """Run `minerpool bench <argv>`; returns the process exit code."""
    if argv[:1] == ["ledger"]:
        from backend.bench.ledger import main as ledger_main

        return ledger_main(argv[1:])
    if argv[:1] == ["api"]:
        from backend.bench.api import main as api_main

        return api_main(argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    if args.bench != "stratum":
        parser.print_help()
        return 2
    options = BenchOptions(
        connections=args.connections,
        duration=args.duration,
        idle=args.idle,
        window=args.window,
        rate=args.rate,
        warmup=args.warmup,
        transactions=args.transactions,
        load_processes=args.load_processes,
        profile=args.profile,
        profile_top=args.profile_top,
        timeout=args.timeout,
    )
    limit = raise_fd_limit()
    needed = options.idle + options.connections + FD_RESERVE
    if needed > limit:
        print(
            f"minerpool bench: {options.idle + options.connections} connections need about "
            f"{needed} file descriptors per process; the limit is {limit}",
            file=sys.stderr,
        )
        return 2
    return run_and_report(StratumBench(options).run, render, args.json)
