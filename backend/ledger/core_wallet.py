"""Bitcoin Core's wallet as the pool's ``Wallet``: ``sendmany`` over the node's JSON-RPC.

The payout id is the send's ``comment``, which Core stores with the wallet transaction in the
same write; ``listtransactions`` shows it back, so after a crash the pool can ask "did you send
payout X?" (``view`` while reserved). Once the txid is recorded, ``gettransaction`` gives its
confirmations. A negative count (the transaction conflicts with a confirmed one) is reported as
ABSENT, which ``reconcile`` escalates to the operator rather than releasing: the confirmed
conflict might be a replacement that paid the same address. Amounts go as decimal strings, which
Core parses exactly.
"""

from __future__ import annotations

from decimal import Decimal

from backend.chain.bitcoind import BitcoindClient, RpcError
from backend.chain.source import ChainUnavailable
from backend.ledger.payouts import Payout, WalletAnswer, WalletView
from backend.ledger.wallet import WalletError

LIST_DEPTH = 1000
"""Newest wallet transactions searched for a payout id while its payout is reserved."""

RPC_INVALID_ADDRESS_OR_KEY = -5
"""Core's error for an unknown txid in ``gettransaction``."""


def btc_amount(sats: int) -> str:
    """Satoshis as Core's decimal BTC text (``123456789`` → ``"1.23456789"``)."""
    return f"{Decimal(sats).scaleb(-8):.8f}"


class CoreWallet:
    """Payouts through Bitcoin Core's loaded wallet (module docstring)."""

    def __init__(self, client: BitcoindClient) -> None:
        self._client = client

    async def available(self) -> bool:
        """True when the node has a wallet loaded (``getwalletinfo`` answers)."""
        try:
            await self._client.call("getwalletinfo")
        except (RpcError, ChainUnavailable):
            return False
        return True

    async def send(self, payout: Payout) -> str:
        """``sendmany "" {address: amount} 1 <payout id>``: the txid."""
        try:
            txid = await self._client.call(
                "sendmany", "", {payout.address: btc_amount(payout.amount)}, 1, payout.id
            )
        except RpcError as exc:
            raise WalletError(str(exc)) from exc
        if not isinstance(txid, str) or len(txid) != 64:
            raise WalletError(f"sendmany returned {txid!r}, not a txid")
        return txid

    async def view(self, payout: Payout) -> WalletView:
        """By txid once sent, by the payout id (the send's comment) before."""
        try:
            if payout.txid is not None:
                return await self._by_txid(payout.txid)
            return await self._by_comment(payout.id)
        except (ChainUnavailable, RpcError, ValueError, TypeError, KeyError):
            return WalletView(WalletAnswer.UNREACHABLE)

    async def _by_txid(self, txid: str) -> WalletView:
        try:
            found = await self._client.call("gettransaction", txid)
        except RpcError as exc:
            if exc.code == RPC_INVALID_ADDRESS_OR_KEY:
                return WalletView(WalletAnswer.ABSENT)
            raise
        confirmations = int(found["confirmations"])
        if confirmations < 0:
            return WalletView(WalletAnswer.ABSENT)
        return WalletView(WalletAnswer.FOUND, str(found["txid"]), confirmations)

    async def _by_comment(self, payout_id: str) -> WalletView:
        entries = await self._client.call("listtransactions", "*", LIST_DEPTH, 0)
        for entry in entries:
            if entry.get("comment") == payout_id and entry.get("category") == "send":
                # A conflicted send (negative count) is still a send: record its txid, and the
                # next look by txid escalates it. Never answer ABSENT here, which means "send".
                confirmations = max(int(entry.get("confirmations", 0)), 0)
                return WalletView(WalletAnswer.FOUND, str(entry["txid"]), confirmations)
        return WalletView(WalletAnswer.ABSENT)
