"""PPLNS (pay per last N shares): a found block's value shared over the shares before it.

The window is ``N * network difficulty`` of accepted share difficulty, counted back from the
block's own share. The share that straddles the window's far edge counts **pro rata**, only the
part of its difficulty inside the window: the window then holds exactly ``N * D``, and every unit
of difficulty in it earns the same. When the log holds less than the window, every share counts.

The pool fee is taken first, floored to the satoshi (rounding favours the miners); the rest, the
*distributable* value, is split in proportion to each account's difficulty in the window. Each
account gets the floor of its exact share; the satoshis left over (fewer than the number of
accounts) go one each to the largest fractional parts, ties to the account name that sorts first.
The credits therefore sum to the distributable value exactly, and the same input always gives
the same split.

Life of a PPLNS credit in the journal (``journal`` module):

- block found → ``pool:blocks`` pays each account's ``immature:<account>`` (and the fee into
  ``immature:pool:fees``), keys ``pplns/<block>/<account>``;
- block confirmed (``blocks.BLOCK_CONFIRMATIONS``) → each immature credit moves to the available
  balance, keys ``pplns-matured/<block>/<account>``;
- block orphaned → each immature credit is reversed, keys ``reversal/pplns/<block>/<account>``.

Payouts draw only on available balances, so a credit is paid out only after its block confirmed,
and a confirmed block is final: PPLNS credits are never reversed after a payout.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from backend.ledger.journal import (
    POOL_BLOCKS,
    POOL_FEES,
    EntryKind,
    Posting,
    immature,
    posting,
    pplns_key,
    pplns_matured_key,
    reverse,
)
from backend.ledger.rewards import DEFAULT_POOL_FEE

PPLNS_N = 5
"""Window size in multiples of the network difficulty: ckpool's PPLNS uses N = 5 * network
difficulty (its ckdb payout page: "the N value the pool uses is 5 times the network difficulty")."""


def pplns_window(network_difficulty: Fraction | float, n: Fraction | int = PPLNS_N) -> Fraction:
    """The window, ``n * D``, as an exact difficulty."""
    window = Fraction(n) * Fraction(network_difficulty)
    if window <= 0:
        raise ValueError("the PPLNS window must be positive")
    return window


def window_weights(
    newest_first: Iterable[tuple[str, float]], window: Fraction
) -> dict[str, Fraction]:
    """Each account's difficulty inside the window.

    ``newest_first`` is the accepted-share log as (account, credited difficulty), starting with
    the block's own share and going back in time; it is read only as far as the window reaches,
    so the store can stream it. The straddling share counts pro rata (module docstring).
    """
    if window <= 0:
        raise ValueError("the PPLNS window must be positive")
    weights: dict[str, Fraction] = {}
    room = Fraction(window)
    for account, difficulty in newest_first:
        part = min(Fraction(difficulty), room)
        if part < 0:
            raise ValueError("share difficulty cannot be negative")
        if part:
            weights[account] = weights.get(account, Fraction()) + part
            room -= part
        if not room:
            break
    return weights


@dataclass(frozen=True, slots=True)
class PplnsSplit:
    """A block's value divided between the pool fee and the accounts in the window."""

    block: str
    """The block hash, display hex."""
    value: int
    """The block's value (coinbase output), satoshis."""
    fee: int
    """floor(value * pool fee)."""
    credits: Mapping[str, int]
    """Satoshis per account, summing to ``value - fee``; accounts in name order."""

    @property
    def distributable(self) -> int:
        """``value - fee``."""
        return self.value - self.fee


def split_block(
    block: str,
    value: int,
    weights: Mapping[str, Fraction],
    pool_fee: Fraction = DEFAULT_POOL_FEE,
) -> PplnsSplit:
    """Split ``value`` satoshis over ``weights`` (``window_weights``) after the pool fee."""
    if type(value) is not int or value < 0:
        raise ValueError("block value must be a non-negative integer of satoshis")
    if not 0 <= pool_fee < 1:
        raise ValueError("pool fee must be in [0, 1)")
    total = sum(weights.values(), Fraction())
    if total <= 0 or any(w < 0 for w in weights.values()):
        raise ValueError("no share difficulty to split the block over")
    fee = int(value * Fraction(pool_fee))
    distributable = value - fee
    exact = {account: distributable * w / total for account, w in weights.items() if w}
    credits = {account: int(share) for account, share in exact.items()}
    left = distributable - sum(credits.values())
    # Largest remainder first; the name breaks ties so the split never depends on dict order.
    for account in sorted(exact, key=lambda a: (-(exact[a] - credits[a]), a))[:left]:
        credits[account] += 1
    return PplnsSplit(block, value, fee, dict(sorted(credits.items())))


def credit_postings(split: PplnsSplit, time: int) -> list[Posting]:
    """Block found: one posting per account (and one for the fee) from ``pool:blocks`` into the
    immature ledger accounts. Zero credits are left out."""
    parts = [*split.credits.items(), (POOL_FEES, split.fee)]
    postings = []
    for account, amount in parts:
        kind = EntryKind.POOL_FEE if account == POOL_FEES else EntryKind.PPLNS_REWARD
        entries = posting(
            pplns_key(split.block, account),
            split.block,
            time,
            [(POOL_BLOCKS, -amount, kind), (immature(account), amount, kind)],
        )
        if entries:
            postings.append(entries)
    return postings


def maturity_postings(split: PplnsSplit, time: int) -> list[Posting]:
    """Block confirmed: each immature credit moved to its available ledger account."""
    parts = [*split.credits.items(), (POOL_FEES, split.fee)]
    postings = []
    for account, amount in parts:
        kind = EntryKind.POOL_FEE if account == POOL_FEES else EntryKind.PPLNS_MATURED
        entries = posting(
            pplns_matured_key(split.block, account),
            split.block,
            time,
            [(immature(account), -amount, kind), (account, amount, kind)],
        )
        if entries:
            postings.append(entries)
    return postings


def orphan_postings(split: PplnsSplit, time: int) -> list[Posting]:
    """Block orphaned before it confirmed: every immature credit reversed (``journal.reverse``).
    Under FPPS there is nothing to reverse (``rewards`` module docstring)."""
    return [reverse(entries, time) for entries in credit_postings(split, time)]
