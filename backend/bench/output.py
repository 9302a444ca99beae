"""How every `minerpool bench` command ends: run it, then print its report (and JSON)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

from backend.bench.process import BenchError


def run_and_report(
    run: Callable[[], dict[str, Any]], render: Callable[[dict[str, Any]], str], as_json: bool
) -> int:
    """Run a benchmark and print its report; with `as_json` the report goes to stderr and the
    results as JSON to stdout. Returns the command's exit status."""
    try:
        results = run()
    except BenchError as exc:
        print(f"minerpool bench: {exc}", file=sys.stderr)
        return 1
    report = render(results)
    if as_json:
        print(report, file=sys.stderr)
        print(json.dumps(results, indent=2))
    else:
        print(report)
    return 0
