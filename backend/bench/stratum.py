"""`minerpool bench stratum`: the phases, run from the parent process.

The parent only coordinates: the pool runs in one child process (``backend.bench.target``) pinned
to a core of its own, and the miners in one or more load processes (``backend.bench.load``) pinned
to the other cores. The parent pins itself next to the load and mostly sleeps on pipes.

Phases run in this order, so that the memory figure is taken on a pool that has not yet grown its
heap under the share flood: idle miners (RSS), new tip to all of them, then throughput, closed-loop
latency, open-loop latency, and the profiled throughput run when asked.
"""

from __future__ import annotations

import math
import time
from array import array
from dataclasses import dataclass
from typing import Any

from backend.bench import load, target
from backend.bench.process import (
    BenchError,
    Child,
    available_cpus,
    cpu_seconds,
    machine_busy_seconds,
    pin,
    receive,
    sleep_until,
)

OPEN_CONCURRENCY = 256
"""Connects in flight at once across the load processes (the listener's backlog is 1024)."""

HANDSHAKE_TIMEOUT = 30.0
"""Seconds one benchmark miner may take to connect, subscribe, authorize and get its job."""

NOTIFY_TIMEOUT = 10.0
"""Seconds the new-tip phase waits for the last idle miner's clean notify."""

DRAIN_TIMEOUT = 5.0
"""Seconds a load phase waits for its in-flight submits to be answered before moving on."""

NEW_TIP_ROUNDS = 3
"""Times the new-tip phase advances the tip; the report gives the median round and all rounds."""

SETTLE = 0.5
"""Seconds to let the pool settle before an RSS reading or a phase start."""

START_DELAY = 0.3
"""Seconds between the parent's "go" and the load processes' common start time."""


@dataclass(frozen=True)
class BenchOptions:
    """Parameters of one `minerpool bench stratum` run (the CLI's options)."""

    connections: int = 100
    duration: float = 10.0
    idle: int = 10_000
    window: int = 16
    rate: float | None = None
    warmup: float | None = None
    transactions: int = 3000
    load_processes: int | None = None
    profile: bool = False
    profile_top: int = 25
    timeout: float = 600.0

    @property
    def warmup_seconds(self) -> float:
        """Warm-up before each measured window: 1 s, or a fifth of a shorter duration."""
        return self.warmup if self.warmup is not None else min(1.0, self.duration / 5)


def percentiles(samples: list[float]) -> dict[str, float | int | None]:
    """p50/p90/p99/max/mean in milliseconds (nearest rank) of latencies given in seconds."""
    if not samples:
        return {"samples": 0, "p50_ms": None, "p90_ms": None, "p99_ms": None, "max_ms": None}
    ordered = sorted(samples)

    def rank(q: float) -> float:
        return round(1000 * ordered[max(0, math.ceil(q * len(ordered)) - 1)], 3)

    return {
        "samples": len(ordered),
        "p50_ms": rank(0.50),
        "p90_ms": rank(0.90),
        "p99_ms": rank(0.99),
        "max_ms": round(1000 * ordered[-1], 3),
        "mean_ms": round(1000 * sum(ordered) / len(ordered), 3),
    }


def split(total: int, parts: int) -> list[int]:
    """``total`` spread over ``parts`` as evenly as integers allow."""
    return [total // parts + (i < total % parts) for i in range(parts)]


class StratumBench:
    """One benchmark run: start the children, run the phases, stop everything."""

    def __init__(self, options: BenchOptions) -> None:
        self.options = options
        self.deadline = time.monotonic() + options.timeout
        self.pool: Child | None = None
        self.loads: list[Child] = []
        self.results: dict[str, Any] = {}
        self._affinity = frozenset(available_cpus())

    # -- processes -----------------------------------------------------------------------

    def _plan_cpus(self) -> tuple[frozenset[int] | None, list[frozenset[int] | None], dict]:
        cpus = available_cpus()
        wanted = self.options.load_processes
        if len(cpus) < 2:
            count = wanted or 1
            plan = {"machine": len(cpus), "pool": "shared", "load": "shared", "note": "one CPU"}
            return None, [None] * count, plan
        pool_cpus = frozenset(cpus[:1])
        rest = cpus[1:]
        count = wanted or min(len(rest), 4)
        load_cpus = [frozenset([rest[i % len(rest)]]) for i in range(count)]
        pin(frozenset(rest))  # this coordinating process stays off the pool's core
        plan = {
            "machine": len(cpus),
            "pool": sorted(pool_cpus),
            "load": [sorted(c) for c in load_cpus],
            "coordinator": rest,
        }
        return pool_cpus, load_cpus, plan

    def _start(self) -> None:
        options = self.options
        pool_cpus, load_cpus, plan = self._plan_cpus()
        self.results["cpus"] = plan
        pool_options = {
            "transactions": options.transactions,
            "connections": options.idle + options.connections + 64,
            "log_level": "warning",
        }
        self.pool = Child("pool process", target.serve, pool_cpus, pool_options)
        ready = self.pool.reply(self._within(60.0))
        self.port = ready["port"]
        self.pool_pid = ready["pid"]
        self.results["pool_start"] = {"pid": ready["pid"], "rss_kib": ready["rss_kib"]}
        self.loads = [
            Child(f"load process {i}", load.serve, cpus, "127.0.0.1", self.port)
            for i, cpus in enumerate(load_cpus)
        ]

    def _within(self, seconds: float) -> float:
        return min(self.deadline, time.monotonic() + seconds)

    def _all(self, name: str, per_load: list[dict[str, Any]] | dict[str, Any]) -> list[dict]:
        if isinstance(per_load, dict):
            per_load = [per_load] * len(self.loads)
        for child, args in zip(self.loads, per_load, strict=True):
            child.send(name, **args)
        return receive(self.loads, self.deadline)

    def _status(self) -> dict[str, Any]:
        assert self.pool is not None
        return self.pool.request("status", self._within(30.0))

    def stop(self) -> None:
        """Stop every child (idempotent; used on success and on any error)."""
        for child in [*self.loads, *([self.pool] if self.pool else [])]:
            child.stop()
        self.loads = []
        self.pool = None
        pin(self._affinity)  # the caller's process gets its CPUs back

    # -- the run -------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        """Run every phase; returns the results (see ``backend.bench.report``)."""
        options = self.options
        self.results["parameters"] = {
            "connections": options.connections,
            "window": options.window,
            "duration_s": options.duration,
            "warmup_s": options.warmup_seconds,
            "idle": options.idle,
            "transactions": options.transactions,
            "share_difficulty": target.BENCH_DIFFICULTY,
        }
        try:
            self._start()
            self.results["parameters"]["load_processes"] = len(self.loads)
            if options.idle:
                self._idle()
                self._new_tip()
                self._close("idle")
            self._open("flood", options.connections)
            self.results["throughput"] = self._flood(options.window, timed=False)
            closed = self._flood(1, timed=True)
            self.results["latency_closed_loop"] = closed
            self.results["latency_open_loop"] = self._paced()
            if options.profile:
                self.results["profile"] = self._profiled()
            self._close("flood")
            self.results["pool_end"] = self._status()
        finally:
            self.stop()
        return self.results

    def _open(self, group: str, count: int) -> dict[str, Any]:
        parts = split(count, len(self.loads))
        replies = self._all(
            "open",
            [
                {
                    "group": group,
                    "count": n,
                    "prefix": f"{group}{i}-",
                    "concurrency": max(1, OPEN_CONCURRENCY // len(self.loads)),
                    "limit": HANDSHAKE_TIMEOUT,
                }
                for i, n in enumerate(parts)
            ],
        )
        opened = sum(r["opened"] for r in replies)
        if opened < count:
            failures: dict[str, int] = {}
            for reply in replies:
                for text, n in reply["failures"].items():
                    failures[text] = failures.get(text, 0) + n
            raise BenchError(f"only {opened} of {count} {group} miners connected: {failures}")
        return {"opened": opened, "seconds": max(r["seconds"] for r in replies)}

    def _close(self, group: str) -> None:
        self._all("close", {"group": group, "limit": 10.0})
        # Wait until the pool has noticed, so the next phase starts from an empty listener.
        until = self._within(15.0)
        while self._status()["sessions"] and time.monotonic() < until:
            time.sleep(0.1)

    def _idle(self) -> None:
        count = self.options.idle
        time.sleep(SETTLE)
        before = self._status()
        opened = self._open("idle", count)
        time.sleep(SETTLE)
        after = self._status()
        if after["mining"] < count:
            raise BenchError(f"the pool reports {after['mining']} mining sessions of {count}")
        grown = after["rss_kib"] - before["rss_kib"]
        self.results["idle"] = {
            "miners": count,
            "connect_seconds": round(opened["seconds"], 2),
            "rss_before_kib": before["rss_kib"],
            "rss_after_kib": after["rss_kib"],
            "per_connection_kib": round(grown / count, 2),
            "sessions": after["sessions"],
        }

    def _new_tip(self) -> None:
        """Advance the tip ``NEW_TIP_ROUNDS`` times; the figure is the median round."""
        rounds = [self._tip_round() for _ in range(NEW_TIP_ROUNDS)]
        complete = [r for r in rounds if r["last_ms"] is not None]
        ordered = sorted(complete, key=lambda r: r["last_ms"])
        median = ordered[(len(ordered) - 1) // 2] if ordered else rounds[0]
        self.results["new_tip"] = median | {
            "rounds": len(rounds),
            "last_ms_each_round": [r["last_ms"] for r in rounds],
            "broadcast_ms_each_round": [r["broadcast_ms"] for r in rounds],
            "missing": max(r["missing"] for r in rounds),
        }
        if self.options.profile:
            profiled = self._tip_round(profile=True)
            profile = profiled.pop("profile")
            profile["last_ms_under_profiler"] = profiled["last_ms"]
            self.results["profile_new_tip"] = profile

    def _tip_round(self, profile: bool = False) -> dict[str, Any]:
        assert self.pool is not None
        armed = sum(r["armed"] for r in self._all("arm", {"group": "idle"}))
        for child in self.loads:
            child.send("await_notify", group="idle", limit=NOTIFY_TIMEOUT)
        sent = time.monotonic()
        self.pool.send("advance", profile_top=self.options.profile_top if profile else None)
        pool_reply = self.pool.reply(self._within(60.0))
        replies = receive(self.loads, self._within(NOTIFY_TIMEOUT + 30.0))
        notified = sum(r["notified"] for r in replies)
        lasts = [r["last"] for r in replies if r["last"] is not None]
        firsts = [r["first"] for r in replies if r["first"] is not None]
        time.sleep(SETTLE)
        return {
            "miners": armed,
            "notified": notified,
            "missing": armed - notified,
            "last_ms": round(1000 * (max(lasts) - sent), 3) if lasts else None,
            "first_ms": round(1000 * (min(firsts) - sent), 3) if firsts else None,
            "pipe_ms": round(1000 * (pool_reply["received"] - sent), 3),
            "publish_ms": round(1000 * pool_reply["publish_seconds"], 3),
            "broadcast_ms": round(1000 * pool_reply["broadcast_seconds"], 3),
            "broadcast_cpu_ms": round(1000 * pool_reply["broadcast_cpu_seconds"], 3),
            "broadcast_sessions": pool_reply["sessions"],
        } | ({"profile": pool_reply["profile"]} if profile else {})

    def _flood(self, window: int, timed: bool) -> dict[str, Any]:
        args = {"window": window, "timed": timed}
        result = self._load_phase("flood", [args] * len(self.loads))
        result["window"] = window
        result["connections"] = self.options.connections
        return result

    def _paced(self) -> dict[str, Any]:
        options = self.options
        measured = self.results["throughput"]["shares_per_second"]
        rate = options.rate if options.rate is not None else max(1.0, round(measured / 2, -2))
        share = {"rate": rate / len(self.loads)}
        result = self._load_phase("paced", [share] * len(self.loads))
        result["offered_rate"] = rate
        result["rate_source"] = "--rate" if options.rate is not None else "half the throughput"
        result["connections"] = options.connections
        return result

    def _load_phase(self, name: str, per_load: list[dict[str, Any]]) -> dict[str, Any]:
        """Run one timed load phase on every load process; the parent samples the pool's CPU
        time at the edges of the measured window while the loads run."""
        options = self.options
        before = self._status()
        start_at = time.monotonic() + START_DELAY
        common = {
            "group": "flood",
            "start_at": start_at,
            "warmup": options.warmup_seconds,
            "duration": options.duration,
            "drain": DRAIN_TIMEOUT,
        }
        for child, args in zip(self.loads, per_load, strict=True):
            child.send(name, **common, **args)
        begin = start_at + options.warmup_seconds
        sleep_until(begin)
        first = self._cpu_sample()
        sleep_until(begin + options.duration)
        last = self._cpu_sample()
        replies = receive(self.loads, self.deadline)
        after = self._status()
        result = self._merge(replies, before, after)
        wall, pool, mine, loads, machine = (b - a for a, b in zip(first, last, strict=True))
        result["pool_cpu_percent"] = round(100 * pool / wall, 1)
        # Normalised by the CPU the pool actually got: on a shared machine this is the figure
        # that says what one dedicated core would sustain.
        result["shares_per_pool_cpu_second"] = round(result["accepted"] / pool, 1) if pool else None
        # Whatever else ran on the machine meanwhile (other jobs sharing it) skews the figures.
        result["others_cpu_percent"] = round(
            100 * max(0.0, machine - pool - mine - loads) / wall, 1
        )
        if name == "paced":
            result["sent"] = sum(r["sent"] for r in replies)
        return result

    def _profiled(self) -> dict[str, Any]:
        assert self.pool is not None
        self.pool.request("profile_start", self._within(30.0))
        run = self._flood(self.options.window, timed=False)
        summary = self.pool.request(
            "profile_stop", self._within(60.0), top=self.options.profile_top
        )
        summary["throughput_under_profiler"] = run["shares_per_second"]
        return summary

    def _cpu_sample(self) -> tuple[float, float, float, float, float]:
        """(wall, pool CPU, this process's CPU, load processes' CPU, machine busy), in seconds."""
        return (
            time.monotonic(),
            cpu_seconds(self.pool_pid),
            time.process_time(),
            sum(cpu_seconds(child.pid) for child in self.loads),
            machine_busy_seconds(),
        )

    @staticmethod
    def _merge(replies: list[dict], before: dict, after: dict) -> dict[str, Any]:
        samples: list[float] = []
        rejects: dict[str, int] = {}
        for reply in replies:
            samples.extend(array("d", reply["samples"]))
            for reason, n in reply["rejects"].items():
                rejects[reason] = rejects.get(reason, 0) + n
        accepted = sum(r["accepted"] for r in replies)
        rate = sum(r["accepted"] / r["seconds"] for r in replies if r["seconds"] > 0)
        return {
            "accepted": accepted,
            "replies": sum(r["replies"] for r in replies),
            "seconds": round(max(r["seconds"] for r in replies), 3),
            "shares_per_second": round(rate, 1),
            "rejects": rejects,
            "lost_connections": sum(r["lost"] for r in replies),
            "unanswered": sum(r["unanswered"] for r in replies),
            "load_cpu_percent": [round(100 * r["cpu_seconds"] / r["seconds"], 1) for r in replies],
            "latency": percentiles(samples),
            "pool_accepted": after["accepted"] - before["accepted"],
        }
