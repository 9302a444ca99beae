"""Real `minerpool` processes for the crash and multi-node tests: start, wait, stop, kill -9."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Minerpool:
    """One `python -m backend.cli ...` child, its output in a log file next to its data."""

    def __init__(self, args: list[str], log: Path, env: dict[str, str] | None = None) -> None:
        self.args = args
        self.log = log
        environ = {**os.environ, "PYTHONPATH": str(ROOT), "MINERPOOL_METRICS": ""}
        environ.setdefault("MINERPOOL_API", "127.0.0.1:0")
        environ.update(env or {})
        self._handle = open(log, "ab")  # noqa: SIM115 - closed in wait()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "backend.cli", *args],
            cwd=ROOT,
            env=environ,
            stdout=self._handle,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        """SIGKILL: the process dies mid-instruction, as in a power cut."""
        self.process.send_signal(signal.SIGKILL)
        self.wait()

    def stop(self) -> None:
        """SIGTERM: a graceful stop."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        self.wait()

    def wait(self, timeout: float = 20) -> int:
        """Wait for the process to end; its exit code (-9 after SIGKILL)."""
        try:
            code = self.process.wait(timeout)
        finally:
            self._handle.close()
        return code

    def output(self) -> str:
        """What it logged."""
        return self.log.read_text(errors="replace")


async def wait_for_port(port: int, process: Minerpool, within: float = 20) -> None:
    """Wait until something listens on ``port``; fail if the process exits first."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.process.poll() is not None:
            raise AssertionError(f"minerpool exited early:\n{process.output()[-3000:]}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        writer.close()
        return
    raise AssertionError(f"nothing listening on {port}:\n{process.output()[-3000:]}")


def ledger_env(**ledger: object) -> dict[str, str]:
    """The environment that sets ``[ledger]`` settings."""
    return {"MINERPOOL_LEDGER": json.dumps(ledger)}
