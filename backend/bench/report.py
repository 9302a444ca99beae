"""The human-readable report of `minerpool bench stratum`: each figure with its parameters and
the aim it is measured against (issue 2's scale aims)."""

from __future__ import annotations

from typing import Any

AIM_SHARES_PER_SECOND = 21_000
"""Accepted shares per second on one core (issue aim)."""

AIM_P99_MS = 10.0
"""p99 submit-to-reply latency at 100 connections, milliseconds (issue aim)."""

AIM_IDLE_MINERS = 10_000
"""Idle miners the memory and new-tip aims are stated for."""

AIM_IDLE_MB = 160
"""Pool RSS with 10,000 idle miners connected, MB of 10**6 bytes (issue aim)."""

AIM_NEW_TIP_MS = 150.0
"""New tip to the last of 10,000 miners, milliseconds (issue aim)."""


def _verdict(ok: bool) -> str:
    return "meets aim" if ok else "MISSES aim"


def _rejects(phase: dict[str, Any]) -> str:
    rejects = phase["rejects"]
    if not rejects:
        return "none"
    return ", ".join(f"{reason}: {n}" for reason, n in sorted(rejects.items()))


def _latency_line(latency: dict[str, Any]) -> str:
    if not latency["samples"]:
        return "no samples"
    return (
        f"p50 {latency['p50_ms']:.3f} ms, p90 {latency['p90_ms']:.3f} ms, "
        f"p99 {latency['p99_ms']:.3f} ms, max {latency['max_ms']:.3f} ms "
        f"({latency['samples']:,} replies)"
    )


def render(results: dict[str, Any]) -> str:
    """The report as text, one block per figure."""
    params = results["parameters"]
    cpus = results["cpus"]
    lines = ["minerpool bench stratum", ""]
    if cpus.get("pool") == "shared":
        lines.append(f"cores: {cpus['machine']} CPU; pool and load share it ({cpus['note']})")
    else:
        loads = ", ".join(str(c[0]) for c in cpus["load"])
        lines.append(
            f"cores: {cpus['machine']} available; pool process pinned to CPU {cpus['pool'][0]} "
            f"(one core, uvloop); {len(cpus['load'])} load process(es) pinned to CPU {loads}; "
            f"coordinator on CPU {','.join(map(str, cpus['coordinator']))} (sleeps on pipes)"
        )
    lines.append(
        f"template: mainnet-like bits 0x1705ae3a, {params['transactions']} transactions; "
        f"share difficulty {params['share_difficulty']:g} (every unique share is valid)"
    )
    lines.append("")

    flood = results["throughput"]
    rate = flood["shares_per_second"]
    lines += [
        "1. throughput",
        f"   {params['connections']} connections, each pipelining {params['window']} submits; "
        f"{params['duration_s']:g} s measured after {params['warmup_s']:g} s warm-up",
        f"   {rate:,.0f} accepted shares/s ({flood['accepted']:,} in {flood['seconds']:.2f} s)"
        f"  [{_verdict(rate >= AIM_SHARES_PER_SECOND)} >= {AIM_SHARES_PER_SECOND:,}]",
        f"   = {_per_cpu(flood)} accepted shares per CPU-second the pool got "
        "(what a dedicated core sustains)",
        f"   rejects: {_rejects(flood)}; connections lost: {flood['lost_connections']}",
        f"   CPU in the window: pool {flood['pool_cpu_percent']:.0f}% of its core; "
        f"load {', '.join(f'{p:.0f}%' for p in flood['load_cpu_percent'])}; "
        f"other processes on the machine {flood['others_cpu_percent']:.0f}% of a core",
        "",
    ]

    closed = results["latency_closed_loop"]
    paced = results["latency_open_loop"]
    p99 = closed["latency"]["p99_ms"]
    lines += [
        "2. submit -> reply latency (client-side, send to reply read)",
        f"   closed loop, {closed['connections']} connections x 1 outstanding submit: "
        f"{closed['shares_per_second']:,.0f} shares/s; others {closed['others_cpu_percent']:.0f}%",
        f"   {_latency_line(closed['latency'])}"
        + (f"  [{_verdict(p99 is not None and p99 < AIM_P99_MS)} p99 < {AIM_P99_MS:g} ms]"),
        f"   rejects: {_rejects(closed)}",
        f"   open loop, fixed offered rate {paced['offered_rate']:,.0f} shares/s "
        f"({paced['rate_source']}) over {paced['connections']} connections, sent in 1 ms ticks: "
        f"{paced['shares_per_second']:,.0f} shares/s answered",
        f"   {_latency_line(paced['latency'])}; pool CPU {paced['pool_cpu_percent']:.0f}%, "
        f"others {paced['others_cpu_percent']:.0f}%",
        f"   rejects: {_rejects(paced)}",
        "",
    ]

    idle = results.get("idle")
    if idle:
        miners = idle["miners"]
        per_kib = idle["per_connection_kib"]
        at_aim_mb = (idle["rss_before_kib"] + per_kib * AIM_IDLE_MINERS) * 1024 / 1e6
        scale = "" if miners == AIM_IDLE_MINERS else f" (projected to {AIM_IDLE_MINERS:,})"
        lines += [
            "3. connections held",
            f"   {miners:,} idle miners (subscribed, authorized, holding a job), "
            f"connected in {idle['connect_seconds']:.1f} s",
            f"   pool RSS (VmRSS) {_mb(idle['rss_before_kib'])} before, "
            f"{_mb(idle['rss_after_kib'])} after: {per_kib:.2f} KiB per connection",
            f"   {at_aim_mb:.1f} MB at {AIM_IDLE_MINERS:,} miners{scale}"
            f"  [{_verdict(at_aim_mb < AIM_IDLE_MB)} < {AIM_IDLE_MB} MB]",
            "",
        ]
        tip = results["new_tip"]
        last = tip["last_ms"]
        aim = f"{_verdict(last is not None and last < AIM_NEW_TIP_MS)} < {AIM_NEW_TIP_MS:g} ms"
        if tip["miners"] != AIM_IDLE_MINERS:
            aim += f" at {AIM_IDLE_MINERS:,}; measured at {tip['miners']:,}"
        lines += [
            "4. new tip to every miner",
            f"   {tip['miners']:,} idle miners; from the advance command to the last clean "
            f"mining.notify read: {_ms(last)} (first: {_ms(tip['first_ms'])})  [{aim}]",
            f"   median of {tip['rounds']} rounds; each round: "
            f"{', '.join(_ms(v) for v in tip['last_ms_each_round'])}; "
            f"got it: {tip['notified']:,}, missing (worst round): {tip['missing']}",
            f"   pool side: command reached the pool after {_ms(tip['pipe_ms'])}; "
            f"job built and broadcast {_ms(tip['publish_ms'])} after it; broadcast() itself "
            f"{_ms(tip['broadcast_ms'])} ({_ms(tip['broadcast_cpu_ms'])} of CPU) for "
            f"{tip['broadcast_sessions']:,} sessions "
            f"(each round: {', '.join(_ms(v) for v in tip['broadcast_ms_each_round'])})",
            "",
        ]

    end = results["pool_end"]
    lines.append(
        f"pool totals: {end['accepted']:,} accepted, rejected {end['rejected'] or 'none'}, "
        f"blocks {end['blocks_found']}, RSS at the end {_mb(end['rss_kib'])}"
    )
    profile = results.get("profile")
    if profile:
        title = "profile of the pool process under the throughput load (cProfile slows the pool)"
        figure = f"{profile['throughput_under_profiler']:,.0f} shares/s while profiled"
        lines += ["", *render_profile(profile, title, figure)]
    tip_profile = results.get("profile_new_tip")
    if tip_profile:
        title = "profile of the pool process from the advance command to the end of broadcast()"
        figure = f"last miner notified after {_ms(tip_profile['last_ms_under_profiler'])}"
        lines += ["", *render_profile(tip_profile, title, figure)]
    return "\n".join(lines)


def _per_cpu(phase: dict[str, Any]) -> str:
    value = phase.get("shares_per_pool_cpu_second")
    return "n/a" if value is None else f"{value:,.0f}"


def _mb(kib: int) -> str:
    return f"{kib * 1024 / 1e6:.1f} MB"


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} ms"


def render_profile(profile: dict[str, Any], title: str, figure: str) -> list[str]:
    """One profile's tables as text lines, under ``title``; ``figure`` is the measured result
    while profiled (the profiler slows the pool)."""
    unit = profile["unit"]
    lines = [
        title,
        f"   {figure}; {profile['units']:,} {unit}s; {profile['cpu_seconds']:.2f} s CPU in "
        f"{profile['wall_seconds']:.2f} s wall; {profile['profiled_seconds']:.2f} s attributed to "
        f"functions ({profile['attributed_us_per_unit']:.1f} us/{unit} under the profiler); "
        f"{profile['unattributed_seconds']:.2f} s not (uvloop C: socket reads, epoll; idle; "
        "preempted)",
        f"   self time by area (share of the attributed time, us per {unit}):",
    ]
    lines += [
        f"   {a['percent']:5.1f}% {a['us_per_unit']:8.2f} us  {a['area']}"
        for a in profile["by_area"]
    ]
    lines.append("   top functions by self time:")
    lines.append(f"   {'self%':>6} {'us/' + unit:>10} {'cum us':>8} {'calls':>10}  function")
    lines += [
        f"   {r['self_percent']:6.1f} {r['self_us_per_unit']:10.2f} "
        f"{r['cumulative_us_per_unit']:8.2f} {r['calls']:10,}  {r['function']}"
        for r in profile["by_self_time"]
    ]
    lines.append(f"   pool functions by cumulative time (us per {unit}):")
    lines += [
        f"   {r['cumulative_us_per_unit']:8.2f} us {r['calls']:10,}  {r['function']}"
        for r in profile["by_cumulative_time"]
    ]
    return lines
