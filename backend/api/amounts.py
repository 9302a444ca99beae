"""Numbers as the wire writes them: BTC amounts, hashrates and percentages as decimal strings.

Money is integer satoshis inside (DESIGN "Invariants") and becomes text only here, exactly:
no float ever touches an amount.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

SATS_PER_BTC = 100_000_000
"""Satoshis in one bitcoin."""

HASHRATE_PLACES = 2
"""Decimals of an H/s hashrate string (`"1210000000000000.00"`, whitebit-v4 §6.5 example)."""

TERAHASH = 10**12
"""H/s in one TH/s: the unit of the v4 worker series (§6.10 current text, gap 10)."""

TERAHASH_PLACES = 12
"""Decimals kept of a TH/s figure: down to 1 H/s, so a CPU miner does not read as zero."""


def btc(sats: int) -> str:
    """Satoshis as BTC with 8 decimals (`100000` → `"0.00100000"`, `-5` → `"-0.00000005"`)."""
    if type(sats) is not int:
        raise TypeError("amounts are integer satoshis")
    sign = "-" if sats < 0 else ""
    whole, frac = divmod(abs(sats), SATS_PER_BTC)
    return f"{sign}{whole}.{frac:08d}"


def hashrate_text(hashes_per_second: float, places: int = HASHRATE_PLACES) -> str:
    """An H/s figure as a fixed-point decimal string."""
    return f"{hashes_per_second:.{places}f}"


def trimmed(value: Decimal | float, places: int) -> str:
    """`value` rounded to `places` decimals, without trailing zeros (`110.40` → `"110.4"`)."""
    text = f"{Decimal(value):.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def terahash_text(hashes_per_second: float) -> str:
    """An H/s figure in TH/s (`"110.4"`), as the v4 worker series writes it."""
    return trimmed(Decimal(hashes_per_second) / TERAHASH, TERAHASH_PLACES)


def percent_text(fraction: Fraction) -> str:
    """A fraction as a percentage string (`1/40` → `"2.5"`)."""
    return trimmed(Decimal(fraction.numerator) * 100 / Decimal(fraction.denominator), 6)


def ratio(value: float) -> float:
    """A ratio rounded to 6 places for the wire (`rejectRate`: 0.01 = 1 %)."""
    return round(value, 6)
