"""``minerpool miner`` as a user runs it: arguments, log lines, clean stops."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import pytest

from backend.miner import main

from .fake_pool import FakePool

RUN_MINER = "import sys; from backend.miner import main; sys.exit(main(sys.argv[1:]))"


async def start_cli(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        RUN_MINER,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )


async def finish(process: asyncio.subprocess.Process) -> tuple[int, str]:
    async with asyncio.timeout(10):
        output, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, output.decode()


def test_help_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "--hashrate-limit" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["--user", "acct.w"],
        ["--url", "stratum+tcp://127.0.0.1:3333", "--user", "acct.w", "--threads", "0"],
        ["--url", "stratum+tcp://127.0.0.1:3333", "--user", "acct.w", "--hashrate-limit", "-5"],
        ["--url", "http://127.0.0.1:3333", "--user", "acct.w"],
    ],
)
def test_bad_arguments_exit_two(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err


async def test_duration_mines_then_exits_cleanly(pool: FakePool) -> None:
    process = await start_cli(
        "--url", pool.url, "--user", "acct.cli", "--version-rolling", "--duration", "1.5"
    )
    code, output = await finish(process)
    assert code == 0, output
    assert pool.submits and pool.valid
    assert all(len(s.params) == 6 and s.worker == "acct.cli" for s in pool.submits)
    assert "accepted 1/1" in output
    assert "stopped:" in output


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_signals_stop_it_cleanly(pool: FakePool, signum: int) -> None:
    process = await start_cli(
        "--url", pool.url, "--user", "acct.cli", "--threads", "2", "--hashrate-limit", "200000"
    )
    try:
        await pool.until(lambda: len(pool.submits) >= 2)
    finally:
        # To the whole process group, worker processes included, as Ctrl-C in a terminal does.
        os.killpg(process.pid, signum)
    code, output = await finish(process)
    assert code == 0, output
    assert "stopped:" in output
    assert "Traceback" not in output
