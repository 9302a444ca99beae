"""Hostile names from the pool render literally, and no escape byte from data reaches the
terminal: checked on the rendered segments (headless) and on the bytes a real PTY receives."""

from __future__ import annotations

import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from fcntl import ioctl

from minerconsole.formatting import PLACEHOLDER
from minerconsole.messages import AccountChosen
from minerconsole.samples import make_worker
from minerconsole.screens.worker_detail import WorkerDetailScreen

from .harness import NOW, canned_pool, console, prime, screen_text, settle

HOSTILE = [
    "[red]x[/]",
    '[link="https://evil.example/"]payout-ok[/link]',
    "[/]",
    "\x1b]52;c;cHduZWQ=\x07clip",
    "\x1b]0;pwned\x07title",
    "\x1b[2Jwipe",
    "\x9b31mc1",
    "rtl-\u202egnp.exe",
    "emoji-🚀-rig",
    "w" * 300,
]
PAYLOADS = ["\x1b]52;c;cHduZWQ", "\x1b]0;pwned", "\x1b[2Jwipe", "\x9b", "\u202e"]


def hostile_pool():
    pool = canned_pool()
    rows = [
        make_worker(name, i, int(NOW)).model_copy(update={"user_agent": "\x1b]0;ua\x07[b]ua"})
        for i, name in enumerate(HOSTILE)
    ]
    pool.add_account("hostile", rows)
    return pool


def all_segments(app):
    return [segment for strip in app.screen._compositor.render_strips() for segment in strip]


def assert_clean(app) -> None:
    for segment in all_segments(app):
        for payload in ("\x1b", "\x9b", "\u202e", "\x07"):
            assert payload not in segment.text, repr(segment.text)
        assert segment.style is None or not segment.style.link


async def test_hostile_names_render_literally_in_table_and_detail():
    app = console(hostile_pool())
    async with app.run_test(size=(160, 40)) as pilot:
        await prime(pilot)
        app.post_message(AccountChosen("hostile"))
        await prime(pilot)
        text = screen_text(app)
        assert "[red]x[/]" in text
        assert '[link="https://evil.exa' in text
        assert f"{PLACEHOLDER}]52;c;cHduZWQ={PLACEHOLDER}clip" in text
        assert f"{PLACEHOLDER}[2Jwipe" in text
        assert f"rtl-{PLACEHOLDER}gnp.exe" in text
        assert "w" * 23 + "…" in text
        assert_clean(app)
        await app.push_screen(WorkerDetailScreen("hostile", "[/]"))
        await settle(pilot)
        text = screen_text(app)
        assert "[/]" in text and f"{PLACEHOLDER}]0;ua{PLACEHOLDER}[b]ua" in text
        assert_clean(app)


CHILD = r"""
import sys
from minerconsole.app import make_app
from minerconsole.messages import AccountChosen
from minerconsole.samples import make_worker
from minerconsole.synthetic import SyntheticPool

NOW = 1_767_225_600.0
names = [line for line in sys.stdin.read().split("\0") if line]
pool = SyntheticPool(lambda: NOW)
pool.add_account("hostile", [make_worker(n, i, int(NOW)) for i, n in enumerate(names)])
app = make_app(pool, clock=lambda: NOW, follow_live=False)

async def drive(pilot):
    await app.feed.prime()
    await pilot.pause(0.2)
    app.post_message(AccountChosen("hostile"))
    await pilot.pause(0.3)
    await app.feed.prime()
    await pilot.pause(0.5)
    app.exit()

app.run(auto_pilot=drive)
"""


def test_no_escape_from_data_reaches_a_real_terminal(tmp_path):
    """Run the console on a PTY and read every byte it writes to the terminal."""
    master, slave = pty.openpty()
    ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "160", "LINES": "40"}
    env["MINERCONSOLE_CONFIG_DIR"] = str(tmp_path)
    names = "\0".join(HOSTILE).encode("utf-8", "surrogatepass")
    reader, writer = os.pipe()
    os.write(writer, names)
    os.close(writer)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        stdin=reader,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    os.close(reader)
    output = bytearray()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        elif child.poll() is not None:
            break
    child.wait(10)
    os.close(master)
    text = output.decode("utf-8", "replace")
    assert child.returncode == 0, text[-2000:]
    assert "[red]x[/]" in text  # the screen really was drawn
    for payload in PAYLOADS:
        assert payload not in text, f"{payload!r} reached the terminal"
