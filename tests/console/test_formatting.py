"""Pure text helpers: safe display of untrusted strings, units, amounts, ages."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from minerconsole.formatting import (
    PLACEHOLDER,
    btc_to_sats,
    display_safe,
    format_age,
    format_btc,
    format_difficulty,
    format_duration,
    format_expiry,
    format_hashrate,
    format_percent,
    format_sats,
    parse_hashrate,
    safe_text,
)


@pytest.mark.parametrize(
    "raw,shown",
    [
        ("rig-01", "rig-01"),
        ("[red]x[/]", "[red]x[/]"),
        ("a\x1b[2Jb", f"a{PLACEHOLDER}[2Jb"),
        ("\x1b]52;c;cHduZWQ=\x07", f"{PLACEHOLDER}]52;c;cHduZWQ={PLACEHOLDER}"),
        ("c1\x9b31m", f"c1{PLACEHOLDER}31m"),
        ("tab\there\nnew", f"tab{PLACEHOLDER}here{PLACEHOLDER}new"),
        ("del\x7f", f"del{PLACEHOLDER}"),
        ("rtl\u202efdp.exe", f"rtl{PLACEHOLDER}fdp.exe"),
        ("zero\u200bwidth\u2066iso", f"zero{PLACEHOLDER}width{PLACEHOLDER}iso"),
        ("lone\ud800surrogate", f"lone{PLACEHOLDER}surrogate"),
        ("private\ue000use", f"private{PLACEHOLDER}use"),
        ("line\u2028sep", f"line{PLACEHOLDER}sep"),
        ("emoji-🚀-rig", "emoji-🚀-rig"),
        ("", ""),
    ],
)
def test_display_safe_replaces_every_dangerous_character(raw, shown):
    assert display_safe(raw) == shown


def test_display_safe_cuts_by_terminal_cells_with_an_ellipsis():
    assert display_safe("w" * 200, 10) == "w" * 9 + "…"
    cut = display_safe("🚀" * 40, 11)
    assert cut.endswith("…") and cell_len(cut) <= 11
    assert display_safe("short", 10) == "short"
    assert display_safe("x" * 500, None) == "x" * 500


def test_safe_text_is_never_markup():
    text = safe_text('[link="https://evil"]p[/link]')
    assert text.plain == '[link="https://evil"]p[/link]'
    assert not text.spans


@pytest.mark.parametrize(
    "value,shown",
    [
        (None, "—"),
        (0, "0 H/s"),
        (950, "950 H/s"),
        (1234.5, "1.23 kH/s"),
        (98_700_000_000_000, "98.7 TH/s"),
        (999_700_000_000_000, "1.00 PH/s"),
        (1.44e15, "1.44 PH/s"),
        (float("nan"), "—"),
    ],
)
def test_format_hashrate(value, shown):
    assert format_hashrate(value) == shown


@pytest.mark.parametrize(
    "text,value",
    [("120 TH/s", 120e12), ("1.5p", 1.5e15), ("800 GH", 800e9), ("0", 0.0), (" 2 ph/s ", 2e15)],
)
def test_parse_hashrate(text, value):
    assert parse_hashrate(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "fast", "-5 TH", "1e3", "12 XH/s"])
def test_parse_hashrate_refuses(text):
    assert parse_hashrate(text) is None


def test_amounts_are_exact_satoshis():
    assert btc_to_sats("0.00012345") == 12345
    assert btc_to_sats("21000000") == 2_100_000_000_000_000
    with pytest.raises(ValueError):
        btc_to_sats("0.000000001")
    with pytest.raises(ValueError):
        btc_to_sats("NaN")
    assert format_sats(12345) == "0.00012345 BTC"
    assert format_sats(-1, unit=False) == "-0.00000001"
    assert format_btc("1.5") == "1.50000000 BTC"
    assert format_btc("\x1b[2J") == f"{PLACEHOLDER}[2J"


def test_ages_durations_percent_difficulty():
    now = 1_000_000.0
    assert format_age(None, now) == "—"
    assert format_age(now - 4, now) == "4s"
    assert format_age(now - 125, now) == "2m"
    assert format_age(now - 7300, now) == "2h"
    assert format_age(now - 200_000, now) == "2d"
    assert format_age(now + 30, now) == "0s"
    assert format_duration(330) == "5m 30s"
    assert format_expiry(None, now) == "never"
    assert format_expiry(int(now) - 1, now) == "expired"
    assert format_expiry(int(now) + 90_000, now) == "in 1d 01h"
    assert format_percent(0.0123) == "1.2%"
    assert format_difficulty(65536) == "65.5k"
    assert format_difficulty(0.001) == "1e-3"
    assert format_difficulty(1.1e14) == "110T"
