"""The benchmark's processes: spawning children, talking to them over pipes, and what each
process sets up for itself (file-descriptor limit, CPU pinning, event loop), plus reading RSS.

Every child is started with the ``spawn`` method (a fresh interpreter, nothing inherited from the
parent's loop), gets one duplex pipe, and answers each command with exactly one reply. A child
whose pipe closes (the parent died) exits on its own. The parent waits for every reply with a
deadline and, on any error, stops its children: politely first, then terminate, then kill.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import resource
import signal
import time
from collections.abc import AsyncIterator, Callable
from multiprocessing.connection import Connection, wait
from typing import Any

STOP_GRACE = 10.0
"""Seconds a child gets to finish after "stop" before it is terminated, then killed."""


class BenchError(RuntimeError):
    """The benchmark cannot go on (a child failed, timed out or refused); the message says why."""


def child_setup(cpus: frozenset[int] | None) -> None:
    """What every benchmark child does first: raise its fd limit, pin itself to ``cpus``, and
    leave Ctrl-C to the parent, which stops the children in order."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise_fd_limit()
    pin(cpus)


def raise_fd_limit() -> int:
    """Raise RLIMIT_NOFILE's soft limit to the hard limit; returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
    if soft == resource.RLIM_INFINITY or soft >= target:
        return soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError):
        return soft
    return target


def pin(cpus: frozenset[int] | None) -> None:
    """Restrict this process to ``cpus`` (no-op for None or where affinity is unsupported)."""
    if cpus and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, cpus)


def available_cpus() -> list[int]:
    """CPUs this process may run on, in order."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def rss_kib(pid: int | str = "self") -> int:
    """Resident set size of a process in KiB (VmRSS of /proc/<pid>/status)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise BenchError(f"no VmRSS in /proc/{pid}/status")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        text = stat.read()
    # Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    fields = text[text.rfind(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time all CPUs of the machine have spent busy (not idle or waiting on IO) so far."""
    with open("/proc/stat", encoding="ascii") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    # guest and guest_nice (fields 9, 10) are already counted in user and nice.
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def sleep_until(moment: float) -> None:
    """Sleep until ``moment`` (time.monotonic())."""
    delay = moment - time.monotonic()
    if delay > 0:
        time.sleep(delay)


def run_loop(main: Callable[[], Any]) -> None:
    """Run the coroutine ``main()`` on uvloop when installed (the pool's own loop), else asyncio."""
    try:
        import uvloop

        factory = uvloop.new_event_loop
    except ImportError:  # pragma: no cover
        factory = None
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(main())


async def commands(conn: Connection) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """The commands arriving on a child's pipe, read without blocking the loop.

    Ends when the parent sends "stop" or its end of the pipe closes.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()

    def readable() -> None:
        try:
            while conn.poll():
                queue.put_nowait(conn.recv())
        except (EOFError, OSError):
            loop.remove_reader(conn.fileno())
            queue.put_nowait(("stop", {}))

    loop.add_reader(conn.fileno(), readable)
    # uvloop makes a watched fd non-blocking; replies are written to the same pipe and may be
    # larger than its buffer (latency samples), so they must block until the parent reads.
    os.set_blocking(conn.fileno(), True)
    try:
        while True:
            name, args = await queue.get()
            if name == "stop":
                return
            yield name, args
    finally:
        if not conn.closed:
            loop.remove_reader(conn.fileno())


class Child:
    """A spawned child process and the parent's end of its pipe."""

    def __init__(self, name: str, target: Callable[..., None], *args: Any) -> None:
        context = multiprocessing.get_context("spawn")
        self.name = name
        self.conn, child_end = context.Pipe()
        self.process = context.Process(
            target=target, args=(child_end, *args), name=name, daemon=True
        )
        self.process.start()
        child_end.close()

    @property
    def pid(self) -> int:
        """The child's process id."""
        assert self.process.pid is not None
        return self.process.pid

    def send(self, name: str, **args: Any) -> None:
        """Send a command without waiting for its reply."""
        self.conn.send((name, args))

    def reply(self, deadline: float) -> dict[str, Any]:
        """Wait for the child's next reply until ``deadline`` (time.monotonic())."""
        return receive([self], deadline)[0]

    def request(self, name: str, deadline: float, **args: Any) -> dict[str, Any]:
        """Send a command and wait for its reply until ``deadline``."""
        self.send(name, **args)
        return self.reply(deadline)

    def stop(self) -> None:
        """Ask the child to stop, then make sure it is gone."""
        try:
            if self.process.is_alive():
                self.conn.send(("stop", {}))
        except (OSError, BrokenPipeError):
            pass
        self.process.join(STOP_GRACE)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(2.0)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(2.0)
        self.conn.close()


def receive(children: list[Child], deadline: float) -> list[dict[str, Any]]:
    """One reply from each child, in the order given; BenchError on failure or at ``deadline``."""
    replies: dict[int, dict[str, Any]] = {}
    waiting = {id(child.conn): child for child in children}
    while waiting:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            names = ", ".join(sorted(child.name for child in waiting.values()))
            raise BenchError(f"timed out waiting for {names}")
        for conn in wait([child.conn for child in waiting.values()], min(remaining, 1.0)):
            child = waiting[id(conn)]
            try:
                ok, payload = conn.recv()  # type: ignore[union-attr]
            except (EOFError, OSError):
                code = child.process.exitcode
                raise BenchError(f"{child.name} exited unexpectedly (exit code {code})") from None
            if not ok:
                raise BenchError(f"{child.name} failed: {payload}")
            replies[id(conn)] = payload
            del waiting[id(conn)]
        for child in waiting.values():
            if not child.process.is_alive() and not child.conn.poll():
                code = child.process.exitcode
                raise BenchError(f"{child.name} exited unexpectedly (exit code {code})")
    return [replies[id(child.conn)] for child in children]
