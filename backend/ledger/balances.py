"""What an account holds, derived from the journal and the payouts: the contract's balance view.

Every figure is a sum over journal entries or payout rows, never a stored number:

- ``available``: the balance of the account's own ledger account — credited and not reserved;
- ``immature``: the balance of ``immature:<account>`` — PPLNS credits of unconfirmed blocks;
- ``pending_payout``: payouts reserved or sent and not yet confirmed;
- ``total_paid``: payouts confirmed;
- ``total_earned``: everything ever credited to the available balance, which is
  ``available + pending_payout + total_paid`` (a payout only moves money between those three;
  a released payout moves it back).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BalanceView:
    """An account's money in integer satoshis."""

    account: str
    """The mining account."""
    available: int
    """Credited and not reserved for a payout."""
    immature: int
    """PPLNS credits waiting for their block to confirm."""
    pending_payout: int
    """Reserved for payouts not yet confirmed."""
    total_paid: int
    """Sent in confirmed payouts."""
    total_earned: int
    """Everything credited to the available balance so far (module docstring)."""

    @classmethod
    def of(
        cls, account: str, available: int, immature: int, pending: int, paid: int
    ) -> BalanceView:
        """The view with ``total_earned`` derived from the other figures."""
        return cls(account, available, immature, pending, paid, available + pending + paid)
