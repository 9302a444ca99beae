"""Starting a pool for the console: `minerpool run` in the background, or `minerpool demo`.

`minerpool run` is started in its own session with its output in a log file, so it keeps running
after the console exits (the console only offers to start it; stopping it is the user's call).
`minerpool demo` is the console's child and is stopped when the console exits.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from minerconsole.client import pool_answers
from minerconsole.profiles import Credentials, ProfileError, read_owner_key

START_TIMEOUT = 60.0
"""Seconds a freshly started pool gets to write its owner key and answer on its API."""

STOP_TIMEOUT = 10.0
"""Seconds a demo pool gets to stop after SIGTERM before it is killed."""

RUN_ARGS = ("run",)
"""`minerpool run`: the pool with its HTTP API on 127.0.0.1:8080 (its defaults)."""

DEMO_ARGS = ("demo", "--stratum", "127.0.0.1:0")
"""`minerpool demo` on a free stratum port, so it never clashes with a pool already running."""

DEMO_ENV = {"MINERPOOL_API": "127.0.0.1:0", "MINERPOOL_METRICS": ""}
"""The demo's API on a free port too and no metrics listener (the pool reads `MINERPOOL_*`; the
API port it got is in the owner key file it writes)."""


class LaunchError(RuntimeError):
    """The pool could not be started or did not come up; the message says where to look."""


def minerpool_command() -> list[str]:
    """How to run `minerpool` from this environment: the script next to this Python, the one on
    PATH, or the module through this interpreter."""
    beside = Path(sys.executable).with_name("minerpool")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("minerpool")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from backend.cli import main; sys.exit(main())"]


def start_pool(
    data_dir: Path,
    args: tuple[str, ...],
    *,
    detach: bool,
    env: dict[str, str] | None = None,
) -> subprocess.Popen:
    """Start `minerpool <args> --data-dir <data_dir>` (with `env` added to the environment),
    output to `<data_dir>/minerpool.log`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    log = (data_dir / "minerpool.log").open("ab")
    try:
        return subprocess.Popen(  # noqa: S603 - our own executable and fixed arguments
            [*minerpool_command(), *args, "--data-dir", str(data_dir)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=detach,
            env={**os.environ, **(env or {})},
        )
    finally:
        log.close()


async def wait_until_up(
    data_dir: Path, process: subprocess.Popen | None, within: float = START_TIMEOUT
) -> Credentials:
    """Wait until the pool in `data_dir` has written its owner key and answers on its API."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise LaunchError(
                f"minerpool exited with status {process.returncode}; "
                f"see {data_dir / 'minerpool.log'}"
            )
        try:
            credentials = read_owner_key(data_dir)
        except ProfileError:
            credentials = None  # being written right now
        if credentials is not None and await pool_answers(credentials.url):
            return credentials
        await asyncio.sleep(0.2)
    raise LaunchError(
        f"the pool did not come up within {within:.0f}s; see {data_dir / 'minerpool.log'}"
    )


def stop(process: subprocess.Popen) -> None:
    """Stop a child pool: SIGTERM, then SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def log_tail(data_dir: Path, lines: int = 15) -> str:
    """The end of a pool's log, for an error message."""
    try:
        text = (data_dir / "minerpool.log").read_text(errors="replace")
    except OSError:
        return ""
    return os.linesep.join(text.splitlines()[-lines:])
