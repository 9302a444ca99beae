"""The balance journal: append-only, double-entry, integer satoshis.

A balance is the sum of its entries, never a number edited in place. Entries come in *postings*:
a group of entries sharing one idempotency key whose amounts sum to zero, so money only ever
moves between ledger accounts and the sum over all accounts is always zero — the journal cannot
create or destroy a satoshi. A posting is applied whole or not at all, and applying a key a
second time is a no-op (a replay after a crash changes nothing).

Ledger accounts are strings:

- a mining account's name (letters, digits, underscore, or a payout address): what the pool owes
  that miner and may pay out — its *available* balance;
- ``immature:<name>``: credits from PPLNS blocks not yet confirmed (payouts never touch them);
- ``pool:*``: the pool's own books. ``pool:fpps`` and ``pool:blocks`` are the *sources* that FPPS
  rewards and PPLNS block value are drawn from, and are the only accounts allowed below zero;
  ``pool:fees`` collects the pool fee; ``pool:payouts`` holds reserved payouts in flight;
  ``pool:paid`` what has left the pool on confirmed payouts.

Mining account names never contain ':' (``backend.accounts.names``), so no miner can collide
with the pool's books.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

POOL_FPPS = "pool:fpps"
"""Source of FPPS rewards: the pool pays per share from its own funds (goes negative)."""
POOL_BLOCKS = "pool:blocks"
"""Source of PPLNS credits: the value of found blocks as they are shared out (goes negative)."""
POOL_FEES = "pool:fees"
"""The pool fee collected."""
POOL_PAYOUTS = "pool:payouts"
"""Payouts reserved and not yet confirmed."""
POOL_PAID = "pool:paid"
"""Payouts confirmed on chain."""

SOURCE_ACCOUNTS = frozenset({POOL_FPPS, POOL_BLOCKS})
"""The only ledger accounts whose balance may be negative."""

IMMATURE_PREFIX = "immature:"
"""Prefix of the ledger account holding an account's unconfirmed PPLNS credits."""


def immature(account: str) -> str:
    """The ledger account for ``account``'s immature credits."""
    return IMMATURE_PREFIX + account


class EntryKind(StrEnum):
    """What an entry records. The value is the name stored and shown."""

    FPPS_REWARD = "fpps_reward"
    """A day's FPPS reward (the miner's credit and the matching debit of ``pool:fpps``)."""
    PPLNS_REWARD = "pplns_reward"
    """A block's PPLNS share, credited immature when the block is found."""
    PPLNS_MATURED = "pplns_matured"
    """An immature PPLNS credit moved to the available balance once the block is confirmed."""
    POOL_FEE = "pool_fee"
    """The pool fee on a reward."""
    REVERSAL = "reversal"
    """The negation of an earlier posting (an orphaned block's immature credits)."""
    PAYOUT_RESERVED = "payout_reserved"
    """Balance set aside for a payout before anything is sent."""
    PAYOUT_RELEASED = "payout_released"
    """A reservation returned: the payout provably never left."""
    PAYOUT_CONFIRMED = "payout_confirmed"
    """A payout confirmed on chain: the reservation becomes paid."""


def fpps_key(account: str, day: int) -> str:
    """Key of ``account``'s FPPS reward for the UTC day starting at ``day``."""
    return f"fpps/{account}/{day}"


def pplns_key(block: str, account: str) -> str:
    """Key of ``account``'s immature PPLNS credit from ``block`` (display hex)."""
    return f"pplns/{block}/{account}"


def pplns_matured_key(block: str, account: str) -> str:
    """Key of the move of ``account``'s credit from ``block`` to its available balance."""
    return f"pplns-matured/{block}/{account}"


def reversal_key(key: str) -> str:
    """Key of the posting that reverses the posting ``key``."""
    return f"reversal/{key}"


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One line of the journal: ``amount`` satoshis into (positive) or out of ``account``."""

    key: str
    """Idempotency key of the posting the entry belongs to; (key, account) is unique."""
    account: str
    """The ledger account (module docstring)."""
    amount: int
    """Signed integer satoshis, never zero."""
    kind: EntryKind
    """What the entry records."""
    reference: str
    """What it is about: a UTC day, a block hash, a payout id."""
    time: int
    """When it was posted, Unix seconds."""

    def __post_init__(self) -> None:
        if not self.key or not self.account:
            raise ValueError("an entry needs a key and an account")
        if type(self.amount) is not int or self.amount == 0:
            raise ValueError(f"amount must be a non-zero integer of satoshis, got {self.amount!r}")
        if type(self.time) is not int:
            raise ValueError("time must be integer Unix seconds")
        object.__setattr__(self, "kind", EntryKind(self.kind))


Posting = tuple[JournalEntry, ...]
"""Entries under one key that sum to zero; applied together or not at all."""

Leg = tuple[str, int, EntryKind]
"""(account, amount, kind): one entry of a posting before key, reference and time are added."""


class PostingError(ValueError):
    """A posting is malformed: empty, mixed keys, repeated account, or not summing to zero."""


class KeyConflict(PostingError):
    """A posting reuses a key already applied with different entries."""


class InsufficientFunds(ValueError):
    """A posting would take an account below zero. Nothing was applied."""

    def __init__(self, account: str, balance: int, change: int) -> None:
        super().__init__(f"{account} holds {balance} sat; a change of {change} would overdraw it")
        self.account = account
        self.balance = balance
        self.change = change


def posting(key: str, reference: str, time: int, legs: Iterable[Leg]) -> Posting:
    """Build a posting from its legs, leaving out zero amounts (so a zero fee adds no line).

    The result may be empty when every leg is zero; ``check_posting`` refuses an empty posting, so
    callers skip it.
    """
    return tuple(
        JournalEntry(key, account, amount, kind, reference, time)
        for account, amount, kind in legs
        if amount
    )


def check_posting(entries: Sequence[JournalEntry]) -> None:
    """Raise PostingError unless ``entries`` form one posting: non-empty, one key, reference and
    time, each account once, amounts summing to zero."""
    if not entries:
        raise PostingError("empty posting")
    first = entries[0]
    if any(
        (e.key, e.reference, e.time) != (first.key, first.reference, first.time) for e in entries
    ):
        raise PostingError(f"posting {first.key} mixes keys, references or times")
    accounts = [e.account for e in entries]
    if len(set(accounts)) != len(accounts):
        raise PostingError(f"posting {first.key} names an account twice")
    total = sum(e.amount for e in entries)
    if total:
        raise PostingError(f"posting {first.key} does not balance: sums to {total}")


def check_funds(entries: Sequence[JournalEntry], balance_of: Callable[[str], int]) -> None:
    """Raise InsufficientFunds if applying ``entries`` would leave any account other than the
    sources (``SOURCE_ACCOUNTS``) below zero. ``balance_of`` gives the current balances; the store
    calls this inside its write transaction with balances read there."""
    for entry in entries:
        if entry.account in SOURCE_ACCOUNTS or entry.amount > 0:
            continue
        balance = balance_of(entry.account)
        if balance + entry.amount < 0:
            raise InsufficientFunds(entry.account, balance, entry.amount)


def same_posting(a: Sequence[JournalEntry], b: Sequence[JournalEntry]) -> bool:
    """Whether two postings under one key say the same thing (accounts, amounts, kinds and
    reference). The time is left out: a replay after a crash is built later than the original."""

    def content(entries: Sequence[JournalEntry]) -> set[tuple[str, str, int, str, str]]:
        return {(e.key, e.account, e.amount, e.kind.value, e.reference) for e in entries}

    return content(a) == content(b)


def reverse(entries: Sequence[JournalEntry], time: int) -> Posting:
    """The posting that undoes ``entries``: every amount negated, kind REVERSAL, key
    ``reversal_key(original key)``."""
    check_posting(entries)
    key = reversal_key(entries[0].key)
    return tuple(
        JournalEntry(key, e.account, -e.amount, EntryKind.REVERSAL, e.reference, time)
        for e in entries
    )


class Journal:
    """An in-memory journal with the store's rules: the reference implementation the store's SQL
    must agree with, and the model the property tests exercise."""

    def __init__(self, entries: Iterable[JournalEntry] = ()) -> None:
        self._entries: list[JournalEntry] = []
        self._postings: dict[str, Posting] = {}
        self._balances: dict[str, int] = {}
        grouped: dict[str, list[JournalEntry]] = {}
        for entry in entries:
            grouped.setdefault(entry.key, []).append(entry)
        for group in grouped.values():
            self.post(group)

    def post(self, entries: Sequence[JournalEntry]) -> bool:
        """Apply one posting. True when applied; False when its key was already applied with the
        same content (a replay). Raises PostingError, KeyConflict or InsufficientFunds, leaving
        the journal unchanged."""
        entries = tuple(entries)
        check_posting(entries)
        key = entries[0].key
        held = self._postings.get(key)
        if held is not None:
            if same_posting(held, entries):
                return False
            raise KeyConflict(f"key {key} was already posted with other entries")
        check_funds(entries, self.balance)
        self._postings[key] = entries
        self._entries.extend(entries)
        for entry in entries:
            self._balances[entry.account] = self.balance(entry.account) + entry.amount
        return True

    def balance(self, account: str) -> int:
        """Sum of ``account``'s entries (0 for an account never posted to)."""
        return self._balances.get(account, 0)

    def balances(self) -> dict[str, int]:
        """Every ledger account posted to, with its balance."""
        return dict(self._balances)

    def posted(self, key: str) -> Posting | None:
        """The posting applied under ``key``, or None."""
        return self._postings.get(key)

    @property
    def entries(self) -> tuple[JournalEntry, ...]:
        """All entries, in the order they were applied."""
        return tuple(self._entries)
