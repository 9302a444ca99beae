"""Where the pool's time went: a cProfile run boiled down to the tables the lead optimises from.

Three views of one profile: the top functions by self time (what to make cheaper), the top pool
functions by cumulative time (which part of the share path costs what), and self time summed by
area (the stratum listener, share validation, hashing, JSON, the event loop's own C code, ...).
uvloop is Cython and invisible to cProfile: socket writes show up as the self time of the Python
function calling ``transport.write`` (the listener's ``Connection.write`` and ``_flush``), and
socket reads,
epoll and the loop's own bookkeeping are not attributed to any function at all; they are the
difference between the wall time and the attributed time (which also holds idle time and time
the process was preempted, so read it together with the CPU seconds).
"""

from __future__ import annotations

import cProfile
import pstats
from typing import Any

_AREAS = (
    # (area, predicate on (file, function)) in priority order; the first match wins.
    # uvloop's Cython methods are invisible to cProfile, so transport.write's send() syscall is
    # the self time of the Python method that calls it: the listener's Connection.write/_flush.
    (
        "socket writes (Connection.write/_flush -> uvloop transport.write)",
        lambda f, n: (
            (f == "~" and "TCPTransport" in n)
            or (f.endswith("/backend/stratum/connection.py") and n in ("write", "_flush"))
        ),
    ),
    ("event loop C code (reads, callbacks, timers)", lambda f, n: f == "~" and "uvloop" in n),
    ("hashing (hashlib)", lambda f, n: f == "~" and ("_hashlib" in n or "sha256" in n)),
    ("json (stdlib decoder/encoder)", lambda f, n: "/json/" in f or (f == "~" and "_json" in n)),
    ("regex", lambda f, n: f.endswith("/re/__init__.py") or (f == "~" and "re.Pattern" in n)),
    ("logging", lambda f, n: "/logging/" in f),
    ("asyncio (Python part)", lambda f, n: "/asyncio/" in f),
    ("backend.stratum (listener, session, codec)", lambda f, n: "/backend/stratum/" in f),
    ("backend.mining (jobs, share validation)", lambda f, n: "/backend/mining/" in f),
    ("backend.bitcoin (primitives)", lambda f, n: "/backend/bitcoin/" in f),
    ("backend.ledger (share events, batches, recorder)", lambda f, n: "/backend/ledger/" in f),
    ("backend.text.loggable (log arguments)", lambda f, n: f.endswith("/backend/text.py")),
    ("backend.activity (share tally)", lambda f, n: f.endswith("/backend/activity.py")),
    ("backend (pool, accounts, other)", lambda f, n: "/backend/" in f and "/bench/" not in f),
    ("benchmark harness (target process)", lambda f, n: "/backend/bench/" in f),
    ("other builtins (bytes, dict, str, int ops)", lambda f, n: f == "~"),
)


def label(key: tuple[str, int, str]) -> str:
    """A short readable name for a pstats key: ``backend/stratum/session.py:412 _submit``."""
    path, line, name = key
    if path == "~":
        return name
    for marker in ("/backend/", "/site-packages/", "/lib/python3"):
        cut = path.rfind(marker)
        if cut >= 0:
            path = path[cut + 1 :]
            break
    return f"{path}:{line} {name}"


def area(key: tuple[str, int, str]) -> str:
    """Which part of the program a function belongs to (see ``_AREAS``)."""
    path, _, name = key
    for title, matches in _AREAS:
        if matches(path, name):
            return title
    return "other Python"


def summarize(
    profiler: cProfile.Profile, wall: float, cpu: float, units: int, unit: str, top: int = 25
) -> dict[str, Any]:
    """Tables of a finished profile covering ``wall`` seconds in which the process used ``cpu``
    seconds of CPU and handled ``units`` of work (accepted shares, notified sessions), each
    time also given in microseconds per ``unit`` (see the module docstring)."""
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    rows = []
    by_area: dict[str, float] = {}
    total = 0.0
    for key, (_, calls, self_time, cumulative, _) in stats.items():
        total += self_time
        group = area(key)
        by_area[group] = by_area.get(group, 0.0) + self_time
        rows.append((key, calls, self_time, cumulative))

    def per_unit(seconds: float) -> float:
        return round(1e6 * seconds / units, 2) if units else 0.0

    def row(item: tuple[Any, int, float, float]) -> dict[str, Any]:
        key, calls, self_time, cumulative = item
        return {
            "function": label(key),
            "calls": calls,
            "self_seconds": round(self_time, 4),
            "cumulative_seconds": round(cumulative, 4),
            "self_percent": round(100 * self_time / total, 1) if total else 0.0,
            "self_us_per_unit": per_unit(self_time),
            "cumulative_us_per_unit": per_unit(cumulative),
        }

    by_self = sorted(rows, key=lambda r: r[2], reverse=True)[:top]
    pool_rows = [r for r in rows if "/backend/" in r[0][0] and "/backend/bench/" not in r[0][0]]
    by_cumulative = sorted(pool_rows, key=lambda r: r[3], reverse=True)[:top]
    unattributed = max(0.0, wall - total)
    return {
        "unattributed_seconds": round(unattributed, 3),
        "units": units,
        "unit": unit,
        "attributed_us_per_unit": per_unit(total),
        "wall_seconds": round(wall, 3),
        "profiled_seconds": round(total, 3),
        "cpu_seconds": round(cpu, 3),
        "by_self_time": [row(r) for r in by_self],
        "by_cumulative_time": [row(r) for r in by_cumulative],
        "by_area": [
            {
                "area": name,
                "seconds": round(sec, 4),
                "percent": round(100 * sec / total, 1),
                "us_per_unit": per_unit(sec),
            }
            for name, sec in sorted(by_area.items(), key=lambda kv: kv[1], reverse=True)
            if total
        ],
    }
