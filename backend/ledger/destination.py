"""Checking a payout destination before it is stored (security §1.15: strict validation)."""

from __future__ import annotations

from backend.bitcoin.address import decode_address
from backend.bitcoin.network import Network
from backend.ledger.payouts import DEFAULT_PAYOUT_THRESHOLD, PayoutDestination, PayoutSetting


def checked_setting(
    account: str,
    destination: PayoutDestination | str,
    address: str | None,
    network: Network,
    threshold: int = DEFAULT_PAYOUT_THRESHOLD,
) -> PayoutSetting:
    """The payout setting, after checking ``address`` is a valid address on the pool's
    ``network`` (``AddressError`` with a readable ``.reason`` otherwise). ValueError for an
    address given with main_balance, a missing one with external_address, or a threshold below
    the dust limit."""
    destination = PayoutDestination(destination)
    if destination is PayoutDestination.EXTERNAL_ADDRESS and address:
        decode_address(address, network)
    return PayoutSetting(account, destination, address or None, threshold)
