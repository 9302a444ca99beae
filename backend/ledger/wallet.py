"""Wallets pay payouts: the ``Wallet`` port, and the embedded chain's wallet.

A wallet must be able to say, after a crash, whether it sent anything for a payout
(``ledger.payouts.reconcile``): the payout id travels with the send and the wallet keeps it
atomically with the transaction.

``EmbeddedWallet`` builds the payout's transaction *deterministically from the payout* — the same
payout always gives the same transaction and txid — and queues it with
``EmbeddedChain.add_transaction`` for the next block. Asking about a payout is recomputing its txid
and looking for it in the chain's store: found in a block, pending, or absent (then it was never
sent, since queuing is one SQLite commit). A retried send queues the same transaction, which the
chain takes once: it cannot pay twice (security §1.16, "build and sign the transaction ourselves
so retries rebroadcast the same tx"). The embedded chain keeps no UTXO set, so the input is a
placeholder derived from the payout id.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Protocol

from backend.bitcoin.address import decode_address
from backend.bitcoin.encoding import push_data
from backend.bitcoin.hashes import sha256d, to_display
from backend.bitcoin.network import Network
from backend.bitcoin.transaction import Transaction, TxIn, TxOut
from backend.chain.source import ChainUnavailable
from backend.ledger.payouts import Payout, WalletAnswer, WalletView

if TYPE_CHECKING:
    from backend.chain.embedded import EmbeddedChain

EMBEDDED_PAYOUT_FEE = 1_000
"""Fee in satoshis of an embedded-chain payout transaction (about 5 sat/vB): the pool's cost, not
deducted from the payout (``ledger.payouts``)."""


class WalletError(Exception):
    """The wallet refused or failed a send; whether anything left is for ``view`` to say."""


class Wallet(Protocol):
    """Sends payouts and answers for them after the fact."""

    async def available(self) -> bool:
        """Whether payouts can be sent at all (a node without a wallet cannot)."""
        ...

    async def send(self, payout: Payout) -> str:
        """Pay ``payout.amount`` to ``payout.address``, recording ``payout.id`` with the send;
        the txid (display hex). Raises WalletError or ChainUnavailable."""
        ...

    async def view(self, payout: Payout) -> WalletView:
        """What the wallet holds for ``payout``: by payout id while reserved, by txid once sent.
        UNREACHABLE rather than raising when it cannot be asked."""
        ...


def payout_transaction(payout: Payout, network: Network) -> Transaction:
    """The one transaction the embedded wallet ever sends for ``payout``: pays the address and
    names the payout in an OP_RETURN output."""
    outpoint = sha256d(b"minerpool payout " + payout.id.encode())
    tag = b"\x6a" + push_data(payout.id.encode()[:75])
    return Transaction(
        version=2,
        inputs=(TxIn(outpoint, 0, b"", witness=(sha256d(outpoint) * 2,)),),
        outputs=(
            TxOut(payout.amount, decode_address(payout.address, network)),
            TxOut(0, tag),
        ),
    )


class EmbeddedWallet:
    """The embedded chain's wallet (module docstring)."""

    def __init__(
        self, chain: EmbeddedChain, network: Network, fee: int = EMBEDDED_PAYOUT_FEE
    ) -> None:
        self._chain = chain
        self._network = network
        self._fee = fee

    async def available(self) -> bool:
        """Always: the chain is in this process."""
        return True

    async def send(self, payout: Payout) -> str:
        """Queue the payout's transaction for the next block."""
        tx = payout_transaction(payout, self._network)
        try:
            txid = await asyncio.to_thread(self._chain.add_transaction, tx, self._fee)
        except ValueError as exc:
            raise WalletError(str(exc)) from exc
        return to_display(txid)

    async def view(self, payout: Payout) -> WalletView:
        """Found in a block (with its confirmations), pending (0), or absent."""
        txid = payout_transaction(payout, self._network).txid()
        try:
            return await asyncio.to_thread(self._look_up, txid)
        except ChainUnavailable:
            return WalletView(WalletAnswer.UNREACHABLE)

    def _look_up(self, txid: bytes) -> WalletView:
        chain = self._chain
        block = chain.find_transaction(txid)
        if block is not None:
            depth = chain.height - chain.header_info(block).height + 1
            return WalletView(WalletAnswer.FOUND, to_display(txid), depth)
        if any(entry.txid == txid for entry in chain.pending_transactions()):
            return WalletView(WalletAnswer.FOUND, to_display(txid), 0)
        return WalletView(WalletAnswer.ABSENT)
