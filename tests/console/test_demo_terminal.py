"""`minerconsole demo` the way a user runs it: typed at a shell in a real terminal (a tmux pane),
driven by keys and read off the screen. The demo account appears, its miners show a hashrate,
ctrl+q quits cleanly, and neither the console nor the demo pool it started is left running."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

SIZE = (120, 40)
"""Columns and rows of the terminal."""

START_WITHIN = 30.0
"""Seconds for the demo pool to start and the account list to show the demo account."""

MINING_WITHIN = 45.0
"""Seconds for the workers table to show the demo miners, one of them with a hashrate. The demo
starts at share difficulty 0.001 (4.3 million hashes a share) and its four miners make 540 kH/s
together: a share every 8 s on average, so 45 s leave about one run in 300 without one."""

EXIT_WITHIN = 15.0
"""Seconds for the console to quit and stop the demo pool (the pool gets 10 s after SIGTERM)."""

DEMO_WORKERS = ("rig_fast", "rig_medium", "rig_slow", "rig_flaky")
"""The demo's miners (backend/demo.py)."""

DEMO_ROW = re.compile(r"^\s*demo\s", re.M)
"""The demo account's row in the account list."""


def minerconsole_command() -> list[str]:
    """`minerconsole`: the script beside this Python when the package is installed with its
    scripts, else the same entry point through `python -m minerconsole`."""
    script = Path(sys.executable).with_name("minerconsole")
    return [str(script)] if script.exists() else [sys.executable, "-m", "minerconsole"]


class Terminal:
    """A private tmux server (its own socket file, no user config) with one pane running a shell
    command. The pane stays after the command ends, so its last screen can still be read."""

    def __init__(self, tmux: str, socket: Path, env: dict[str, str]) -> None:
        self.tmux = tmux
        self.socket = socket
        self.env = env

    def run(self, *args: str) -> str:
        result = subprocess.run(
            [self.tmux, "-S", str(self.socket), "-f", os.devnull, *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=10,
            check=True,
        )
        return result.stdout

    def start(self, shell_command: str) -> int:
        """Run `shell_command` with `sh -c` in a new detached session; the shell's pid."""
        columns, rows = SIZE
        pid = self.run(
            *("new-session", "-d", "-s", "demo", "-x", str(columns), "-y", str(rows)),
            *("-P", "-F", "#{pane_pid}", "sh", "-c", shell_command),
            *(";", "set-option", "-g", "remain-on-exit", "on"),
        )
        return int(pid.split()[0])

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "demo")

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "demo", *keys)

    def close(self) -> None:
        subprocess.run(
            [self.tmux, "-S", str(self.socket), "kill-server"], capture_output=True, env=self.env
        )


def wait_for(what: str, condition: Callable[[], bool], within: float, terminal: Terminal) -> None:
    """Poll `condition` until it holds; fail showing the screen if it does not within `within`
    seconds."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not seen within {within:.0f}s; the screen:\n{terminal.screen()}")
        time.sleep(0.25)


def children(pid: int) -> set[int]:
    """Pids of the live processes whose parent is `pid`."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # "pid (comm) state ppid ...": comm may hold spaces, so split after its ")".
            state, parent = stat.rsplit(")", 1)[1].split()[:2]
            if int(parent) == pid and state != "Z":
                found.add(int(entry.name))
    return found


def running(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie has exited)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def worker_hashrate(screen: str, worker: str) -> float | None:
    """The 5-minute hashrate on `worker`'s row of the workers table in H/s, read as shown
    (`143 kH/s`, or `143k` in a narrow terminal); None while there is no such row or rate."""
    row = re.search(
        rf"^\s*{re.escape(worker)}\s+(?:online|low|offline)\s+(\d+(?:\.\d+)?) ?([kMGTPEZ]?)",
        screen,
        re.M,
    )
    if row is None:
        return None
    number, prefix = row.groups()
    return float(number) * 1000 ** ("_kMGTPEZ".index(prefix) if prefix else 0)


@pytest.mark.slow
def test_minerconsole_demo_in_a_real_terminal(tmp_path):
    tmux = shutil.which("tmux")
    assert tmux, "this test drives a real terminal through tmux: install tmux"
    env = {
        **os.environ,
        # The demo's data directory (tempfile.mkdtemp) and the console's config stay in here.
        "TMPDIR": str(tmp_path),
        "MINERCONSOLE_CONFIG_DIR": str(tmp_path / "config"),
        "TERM": "xterm-256color",
    }
    env.pop("TEXTUAL_THEME", None)
    status = tmp_path / "status"
    # As typed at a prompt; the shell then notes how the console exited (tmux's own record of
    # a pane's exit status is not reliable).
    command = shlex.join([*minerconsole_command(), "demo"])
    terminal = Terminal(tmux, tmp_path / "tmux.sock", env)
    shell = terminal.start(f"{command}; echo $? > {shlex.quote(str(status))}")
    consoles: set[int] = set()
    started: set[int] = set()
    try:
        wait_for("the console process", lambda: bool(children(shell)), START_WITHIN, terminal)
        consoles = children(shell)
        wait_for(
            "the demo pool process",
            lambda: any(children(pid) for pid in consoles),
            START_WITHIN,
            terminal,
        )
        wait_for(
            "the demo account",
            lambda: DEMO_ROW.search(terminal.screen()) is not None,
            START_WITHIN,
            terminal,
        )
        terminal.keys("Enter")

        def mining() -> bool:
            screen = terminal.screen()
            rates = [worker_hashrate(screen, worker) for worker in DEMO_WORKERS]
            shown = "minerconsole · demo" in screen and None not in rates
            return shown and max(rates) > 0

        wait_for("the demo miners, one with a hashrate", mining, MINING_WITHIN, terminal)
        # Everything the console started, down to grandchildren, must be gone after quitting.
        started = {pid for console in consoles for pid in children(console)}
        started |= {grandchild for pid in started for grandchild in children(pid)}
        assert started, "the demo pool was not found among the console's processes"

        terminal.keys("C-q")
        wait_for("the console exiting", status.exists, EXIT_WITHIN, terminal)
        wait_for("its exit status", lambda: status.read_text().strip() != "", 2, terminal)
        screen = terminal.screen()
        assert status.read_text().strip() == "0", screen
        assert "Traceback" not in screen, screen
        left = [pid for pid in (*consoles, *started) if running(pid)]
        assert not left, f"still running after the console quit: {left}"
    finally:
        # Only what this test started: the console, what it launched, the private tmux server.
        for pid in (*consoles, *started):
            if running(pid):
                os.kill(pid, signal.SIGKILL)
        terminal.close()
