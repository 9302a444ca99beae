"""Pure text helpers of the console: safe display of untrusted strings, units, ages and amounts.

Nothing here does IO or reads a clock: the caller passes `now`. Every string that came from the
pool (worker names, user agents, account names, addresses, link names, error messages) reaches the
screen only through `display_safe` / `safe_text` (security-and-reliability.md §4.5): Rich and
Textual strip only BEL, BS, VT, FF and CR, so ESC, 8-bit CSI and bidi overrides would otherwise
reach the terminal, and a `str` handed to a markup-parsing widget would be parsed as markup.
"""

from __future__ import annotations

import math
import re
import time
import unicodedata
from decimal import Decimal, InvalidOperation

from rich.cells import cell_len
from rich.text import Text
from textual.content import Content

PLACEHOLDER = "\ufffd"
"""What a control, format, surrogate or private-use character is shown as: U+FFFD, one cell wide,
so the reader sees that something was there without the terminal acting on it."""

ELLIPSIS = "…"
"""Marks a string cut to its cell limit."""

DISPLAY_LIMIT = 64
"""Default width in terminal cells of one untrusted string (security §4.5: "cap length, e.g. 64
cells with an ellipsis"); the longest worker name the pool accepts is 64 characters."""

_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
"""Unicode categories replaced: controls (C0, DEL, C1), format (bidi overrides and isolates,
zero-width joiners and spaces), lone surrogates, private use, and line/paragraph separators."""

SATS_PER_BTC = 100_000_000
"""Satoshis in one bitcoin: amounts are integers inside, 8-decimal strings on the wire."""

_HASHRATE_UNITS = ("H/s", "kH/s", "MH/s", "GH/s", "TH/s", "PH/s", "EH/s", "ZH/s")
_HASHRATE_PREFIXES = ("", "k", "M", "G", "T", "P", "E", "Z")
_COUNT_SUFFIXES = ("", "k", "M", "G", "T")

COMPACT_EXACT = 10_000
"""Counts below this are shown exactly even in compact cells (`9,999` is 5 cells)."""

_HASHRATE_INPUT = re.compile(
    r"\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([kmgtpez]?)(?:h(?:/s)?)?\s*", re.I
)


def _is_unsafe(char: str) -> bool:
    return unicodedata.category(char) in _UNSAFE_CATEGORIES


def display_safe(value: object, limit: int | None = DISPLAY_LIMIT) -> str:
    """`value` as a single line that is safe to hand to the terminal, at most `limit` cells.

    Control characters (C0 including TAB and LF, DEL, C1 such as the 8-bit CSI 0x9B), format
    characters (U+202E right-to-left override, zero-width space ...), lone surrogates, private-use
    code points and line separators become PLACEHOLDER. The result is then cut to `limit` terminal
    cells (wide characters such as emoji count two) with an ellipsis. The result contains no markup
    semantics of its own: show it through `safe_text` or `Content`, never inside a markup string.
    """
    text = value if isinstance(value, str) else str(value)
    cleaned = "".join(PLACEHOLDER if _is_unsafe(char) else char for char in text)
    if limit is None or cell_len(cleaned) <= limit:
        return cleaned
    kept: list[str] = []
    width = 0
    budget = max(limit - 1, 0)
    for char in cleaned:
        char_width = cell_len(char)
        if width + char_width > budget:
            break
        kept.append(char)
        width += char_width
    return "".join(kept) + ELLIPSIS


def safe_text(value: object, limit: int | None = DISPLAY_LIMIT, style: str = "") -> Text:
    """`display_safe(value)` wrapped in a `Text`, which no widget parses as markup."""
    return Text(display_safe(value, limit), style=style, no_wrap=True, overflow="ellipsis", end="")


def header_title(title: str, sub_title: str) -> Content:
    """The header line: `minerconsole · alice_farm · rewards`, the part after the app's name
    dimmed. Screens already join the parts of their sub-title with the same ` · `."""
    if not sub_title:
        return Content(title)
    # The dimmed part starts at the dot, not at a space: SVG screenshots drop a span's leading
    # spaces, which drew this line as `minerconsole·  alice_farm`.
    return Content.assemble(f"{title} ", (f"· {display_safe(sub_title)}", "dim"))


# --- numbers ----------------------------------------------------------------------------------


def _three_figures(value: float) -> str:
    """A non-negative `value` with three significant figures: `1.23`, `12.3`, `123`. Decided on
    the rounded value, so 9.996 is `10.0` and 99.96 is `100` (never `10.00` or `100.0`)."""
    if round(value, 2) < 10:
        return f"{value:.2f}"
    if round(value, 1) < 100:
        return f"{value:.1f}"
    return f"{value:.0f}"


def _si(value: float, suffixes: tuple[str, ...]) -> tuple[str, str]:
    """`value` scaled by powers of 1000 as (three figures, suffix); `suffixes[0]` is for 1."""
    last = len(suffixes) - 1
    index = min(int(math.log10(value) // 3), last) if value >= 1 else 0
    while True:
        text = _three_figures(value / 1000**index)
        # 999.7 rounds to "1000": show it as 1.00 of the next unit instead.
        if text != "1000" or index == last:
            return text, suffixes[index]
        index += 1


def format_hashrate(value: float | None, *, compact: bool = False) -> str:
    """Hashes per second with an SI unit and three significant figures: `1.23 TH/s`.

    `compact` drops the space and the "H/s" for narrow table cells, at most 5 cells: `1.23T`,
    `98.7T`, `950` (the column header says what the number is)."""
    if value is None or not math.isfinite(value):
        return "—"
    if value <= 0:
        return "0" if compact else "0 H/s"
    if compact:
        return "".join(_si(value, _HASHRATE_PREFIXES))
    number, unit = _si(value, _HASHRATE_UNITS)
    return f"{number} {unit}"


def parse_hashrate(text: str) -> float | None:
    """Read what a user types as a hashrate (`120 TH/s`, `1.5p`, `800 GH`, `0`) into H/s.

    None when the text is not a non-negative number with an optional SI prefix and unit.
    """
    match = _HASHRATE_INPUT.fullmatch(text)
    if match is None:
        return None
    number, prefix = match.groups()
    scale = 1000 ** ("kmgtpez".index(prefix.lower()) + 1) if prefix else 1
    return float(number) * scale


def format_difficulty(value: float | None) -> str:
    """A share difficulty in at most 6 characters: `0.0010`, `512`, `65.5k`, `1.20M`."""
    if value is None or not math.isfinite(value):
        return "—"
    if value == 0:
        return "0"
    if value < 0.01:
        return f"{value:.0e}".replace("e-0", "e-")
    for divisor, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= divisor:
            scaled = value / divisor
            return f"{scaled:.3g}{suffix}" if scaled < 1000 else f"{scaled:.0f}{suffix}"
    return f"{value:.3g}" if value < 100 else f"{value:.0f}"


def format_count(value: int | None, *, compact: bool = False) -> str:
    """An integer with thousands separators, the same in every locale: `12,345`.

    `compact` keeps any count below 10**15 within 5 cells: exact below `COMPACT_EXACT`,
    then three significant figures with an SI suffix: `12.3k`, `456k`, `7.89M`."""
    if value is None:
        return "—"
    if not compact or abs(value) < COMPACT_EXACT:
        return f"{value:,}"
    number, suffix = _si(abs(value), _COUNT_SUFFIXES)
    return f"{'-' if value < 0 else ''}{number}{suffix}"


def format_percent(ratio: float | None, digits: int = 1, *, compact: bool = False) -> str:
    """A ratio (`0.0123`) as a percentage (`1.2%`). `compact` keeps it within 4 cells: one
    decimal below 10% (`9.9%`), whole percents above (`12%`, `100%`)."""
    if ratio is None or not math.isfinite(ratio):
        return "—"
    percent = ratio * 100
    if compact:
        digits = 1 if round(percent, 1) < 10 else 0
    return f"{percent:.{digits}f}%"


# --- money ------------------------------------------------------------------------------------


def btc_to_sats(amount: str) -> int:
    """A decimal BTC string from the wire (`"0.00012345"`) as integer satoshis; ValueError if it
    is not a decimal number or has more than 8 decimals."""
    try:
        value = Decimal(amount.strip())
    except (InvalidOperation, AttributeError):
        raise ValueError(f"not a BTC amount: {amount!r}") from None
    sats = value * SATS_PER_BTC
    if not value.is_finite() or sats != sats.to_integral_value():
        raise ValueError(f"not a BTC amount: {amount!r}")
    return int(sats)


def format_sats(sats: int, unit: bool = True) -> str:
    """Satoshis as BTC with all 8 decimals: `0.00012345 BTC` (without " BTC" for table cells
    whose header names the unit)."""
    sign = "-" if sats < 0 else ""
    whole, frac = divmod(abs(sats), SATS_PER_BTC)
    return f"{sign}{whole}.{frac:08d}" + (" BTC" if unit else "")


def format_btc(amount: str | None, unit: bool = True) -> str:
    """A wire amount (decimal BTC string) shown as `format_sats` shows it; unparsable text is
    shown safely as it came."""
    if amount is None:
        return "—"
    try:
        return format_sats(btc_to_sats(amount), unit)
    except ValueError:
        return display_safe(amount, 24)


# --- time -------------------------------------------------------------------------------------


def format_age(then: float | None, now: float) -> str:
    """How long ago `then` was, in the largest whole unit: `4s`, `12m`, `3h`, `2d`; `—` if never."""
    if then is None:
        return "—"
    seconds = max(0, int(now - then))
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def format_duration(seconds: float) -> str:
    """A span as `45s`, `5m 30s`, `2h 05m`, `3d 04h`."""
    total = max(0, int(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def format_time(timestamp: float | None) -> str:
    """A Unix time as UTC `2026-05-01 12:30Z`."""
    if timestamp is None:
        return "—"
    return time.strftime("%Y-%m-%d %H:%MZ", time.gmtime(timestamp))


def format_date(timestamp: float | None) -> str:
    """A Unix time as its UTC date `2026-05-01`."""
    if timestamp is None:
        return "—"
    return time.strftime("%Y-%m-%d", time.gmtime(timestamp))


def format_expiry(live_until: int | None, now: float) -> str:
    """A watcher link's expiry: `never`, `expired`, or `in 6d 23h`."""
    if live_until is None:
        return "never"
    if live_until <= now:
        return "expired"
    return f"in {format_duration(live_until - now)}"
