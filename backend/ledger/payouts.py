"""Payouts: which are due, the state machine of one payout, and what to do with it after a crash.

A payout is first *reserved*: the amount moves from the account to ``pool:payouts`` in the
journal, and the payout row is written, in one transaction, before anything is sent. It is then
sent through the wallet (the wallet is told the payout id, so it can be asked later whether it
sent anything for it) and the txid recorded at once: *sent*. It is *confirmed* when the
transaction has ``PAYOUT_CONFIRMATIONS`` confirmations, and only then does the reservation become
paid. A reservation is *released* (credited back) only when the payout provably never left
(security-and-reliability.md §1.16).

    reserved ──send, txid recorded──▶ sent ──confirmations──▶ confirmed
        │                              │
        └──────── released ◀───────────┘   (only when the wallet proves nothing can confirm)

``reconcile`` decides, for each open payout and the wallet's answer about it, what to do; the IO
(asking the wallet, sending, writing) lives elsewhere. It never releases a payout that may have
left: a payout whose transaction the wallet cannot find is escalated to the operator, not credited
back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from backend.ledger.journal import POOL_PAID, POOL_PAYOUTS, EntryKind, Posting, posting

PAYOUT_CONFIRMATIONS = 1
"""Confirmations after which a payout (and the rewards it carried) is final: the v4 ``successful``
status means "on-chain tx confirmed" (§6.4). The transaction reorged out later goes back to the
mempool and still pays the same address."""

DEFAULT_PAYOUT_THRESHOLD = 100_000
"""Balance in satoshis (0.001 BTC) at which an external-address account is paid, unless it sets
its own threshold. Keeps the network fee a small part of each payout."""

DUST_LIMIT = 546
"""Smallest payout threshold accepted: Bitcoin Core's dust limit for a P2PKH output (the largest
of the standard output kinds), below which the transaction would not relay."""


class PayoutDestination(StrEnum):
    """Where an account's rewards go (v4 ``payoutDestination``, §6.6)."""

    MAIN_BALANCE = "main_balance"
    """Kept as the account's balance in the pool; never sent."""
    EXTERNAL_ADDRESS = "external_address"
    """Sent to a BTC address once the balance reaches the threshold."""


@dataclass(frozen=True, slots=True)
class PayoutSetting:
    """An account's payout destination and threshold."""

    account: str
    """The mining account."""
    destination: PayoutDestination = PayoutDestination.MAIN_BALANCE
    """main_balance (the default, as a new v4 account) or external_address."""
    address: str | None = None
    """The validated BTC address; required for external_address, None for main_balance."""
    threshold: int = DEFAULT_PAYOUT_THRESHOLD
    """Balance in satoshis at which a payout becomes due (at least ``DUST_LIMIT``)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "destination", PayoutDestination(self.destination))
        external = self.destination is PayoutDestination.EXTERNAL_ADDRESS
        if external != bool(self.address):
            raise ValueError("an address is required for external_address and only for it")
        if type(self.threshold) is not int or self.threshold < DUST_LIMIT:
            raise ValueError(f"payout threshold must be at least {DUST_LIMIT} sat")


class PayoutState(StrEnum):
    """Where a payout is in its life (module docstring)."""

    RESERVED = "reserved"
    SENT = "sent"
    CONFIRMED = "confirmed"
    RELEASED = "released"


@dataclass(frozen=True, slots=True)
class Payout:
    """One payment of an account's balance to its external address."""

    id: str
    """Idempotency key, ``payout/<account>/<cycle>``; told to the wallet with the send."""
    account: str
    """The account paid."""
    address: str
    """Where the money goes, fixed when reserved."""
    amount: int
    """Satoshis paid to the address; the network fee is the pool's, not deducted."""
    reserved_at: int
    """When the reservation was made (the payout cycle's time), Unix seconds."""
    state: PayoutState = PayoutState.RESERVED
    """Current state."""
    txid: str | None = None
    """The transaction id (display hex), recorded as soon as the wallet returns it."""
    sent_at: int | None = None
    """When the txid was recorded."""
    finished_at: int | None = None
    """When it was confirmed or released."""

    @property
    def open(self) -> bool:
        """True while reserved or sent: its outcome is not final."""
        return self.state in (PayoutState.RESERVED, PayoutState.SENT)

    def sent(self, txid: str, time: int) -> Payout:
        """The payout with its txid recorded (from reserved only)."""
        if self.state is not PayoutState.RESERVED:
            raise ValueError(f"payout {self.id} is {self.state}, cannot record a send")
        if not txid:
            raise ValueError("a sent payout needs its txid")
        return replace(self, state=PayoutState.SENT, txid=txid, sent_at=time)

    def confirmed(self, time: int) -> Payout:
        """The payout confirmed on chain (from sent only)."""
        if self.state is not PayoutState.SENT:
            raise ValueError(f"payout {self.id} is {self.state}, cannot confirm")
        return replace(self, state=PayoutState.CONFIRMED, finished_at=time)

    def released(self, time: int) -> Payout:
        """The payout released (from reserved or sent): call only on ``reconcile``'s RELEASE."""
        if not self.open:
            raise ValueError(f"payout {self.id} is {self.state}, cannot release")
        return replace(self, state=PayoutState.RELEASED, finished_at=time)


def payout_id(account: str, cycle: int) -> str:
    """The id of ``account``'s payout in the payout cycle run at ``cycle`` (Unix seconds). Rerunning
    a cycle after a crash gives the same ids, so the reservation is a no-op the second time."""
    return f"payout/{account}/{cycle}"


def due_payouts(
    settings: Iterable[PayoutSetting],
    balances: Mapping[str, int],
    open_payouts: Iterable[Payout],
    cycle: int,
) -> list[Payout]:
    """The payouts to reserve in the cycle run at ``cycle``, ordered by account.

    Due: destination external_address and available balance ≥ threshold; the whole balance is
    paid. None at all while any payout is still *reserved* (its send's outcome unknown: security
    §1.16, "refuse to start a new payout cycle while any payout is unresolved"); none for an
    account that has a *sent* payout awaiting confirmation.
    """
    busy: set[str] = set()
    for payout in open_payouts:
        if payout.state is PayoutState.RESERVED:
            return []
        if payout.open:
            busy.add(payout.account)
    due = []
    for setting in sorted(settings, key=lambda s: s.account):
        if setting.destination is not PayoutDestination.EXTERNAL_ADDRESS:
            continue
        balance = balances.get(setting.account, 0)
        if setting.account in busy or balance < setting.threshold:
            continue
        assert setting.address is not None  # PayoutSetting guarantees it for external_address
        due.append(
            Payout(
                id=payout_id(setting.account, cycle),
                account=setting.account,
                address=setting.address,
                amount=balance,
                reserved_at=cycle,
            )
        )
    return due


def reserve_posting(payout: Payout) -> Posting:
    """Account → ``pool:payouts``: the balance set aside before anything is sent."""
    return posting(
        f"{payout.id}/reserved",
        payout.id,
        payout.reserved_at,
        [
            (payout.account, -payout.amount, EntryKind.PAYOUT_RESERVED),
            (POOL_PAYOUTS, payout.amount, EntryKind.PAYOUT_RESERVED),
        ],
    )


def release_posting(payout: Payout, time: int) -> Posting:
    """``pool:payouts`` → account: the reservation returned."""
    return posting(
        f"{payout.id}/released",
        payout.id,
        time,
        [
            (POOL_PAYOUTS, -payout.amount, EntryKind.PAYOUT_RELEASED),
            (payout.account, payout.amount, EntryKind.PAYOUT_RELEASED),
        ],
    )


def confirm_posting(payout: Payout, time: int) -> Posting:
    """``pool:payouts`` → ``pool:paid``: the reservation has left the pool for good."""
    return posting(
        f"{payout.id}/confirmed",
        payout.id,
        time,
        [
            (POOL_PAYOUTS, -payout.amount, EntryKind.PAYOUT_CONFIRMED),
            (POOL_PAID, payout.amount, EntryKind.PAYOUT_CONFIRMED),
        ],
    )


class WalletAnswer(StrEnum):
    """What the wallet says about a payout (asked by payout id when reserved, by txid when sent)."""

    UNREACHABLE = "unreachable"
    """The wallet could not be asked, or its answer was an error: nothing is known."""
    ABSENT = "absent"
    """The wallet holds no transaction for this payout."""
    FOUND = "found"
    """The wallet holds the transaction (``txid``, ``confirmations``; 0 = in the mempool)."""
    FAILED = "failed"
    """The transaction can provably never confirm: its inputs are spent by a confirmed transaction
    that does not pay this payout, or the wallet refused it before broadcast. The IO layer answers
    this only with that proof in hand."""


@dataclass(frozen=True, slots=True)
class WalletView:
    """The wallet's answer about one payout."""

    answer: WalletAnswer
    """See ``WalletAnswer``."""
    txid: str | None = None
    """The transaction found (FOUND only)."""
    confirmations: int = 0
    """Its confirmations (FOUND only)."""


class Action(StrEnum):
    """What ``reconcile`` tells the payout runner to do."""

    SEND = "send"
    """Send now, telling the wallet the payout id; record the txid it returns."""
    RECORD_TXID = "record_txid"
    """The wallet already sent it: record the txid it reported (state → sent)."""
    CONFIRM = "confirm"
    """Mark confirmed and post ``confirm_posting``."""
    RELEASE = "release"
    """Mark released and post ``release_posting``."""
    WAIT = "wait"
    """Nothing yet; ask again later."""
    ESCALATE = "escalate"
    """The payout may have left but cannot be followed: hold it and tell the operator. Never
    resolved automatically."""
    NOTHING = "nothing"
    """The payout is final."""


def reconcile(
    payout: Payout, view: WalletView, required_confirmations: int = PAYOUT_CONFIRMATIONS
) -> Action:
    """What to do with ``payout`` given the wallet's ``view`` of it — on start for every open
    payout, and on each payout cycle. The decision table is in the module tests.
    """
    if not payout.open:
        return Action.NOTHING
    answer = view.answer
    if answer is WalletAnswer.UNREACHABLE:
        return Action.WAIT
    if answer is WalletAnswer.FAILED:
        return Action.RELEASE
    if payout.state is PayoutState.RESERVED:
        if answer is WalletAnswer.ABSENT:
            # The wallet records the payout id atomically with the send, so absent means the
            # send never happened: carry on with it rather than credit it back and redo.
            return Action.SEND
        return Action.RECORD_TXID if view.txid else Action.ESCALATE
    # Sent: the txid is ours; anything the wallet cannot account for might still be out there.
    if answer is WalletAnswer.ABSENT or view.txid != payout.txid:
        return Action.ESCALATE
    if view.confirmations >= required_confirmations:
        return Action.CONFIRM
    return Action.WAIT
