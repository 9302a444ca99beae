"""Transactions waiting for a block on the embedded chain.

Two kinds:

- Wallet transactions, added with ``EmbeddedChain.add_transaction`` (the pool's payouts). They go
  into the next template, first, in the order they were added, and stay pending until a block of
  the active chain holds them (after a reorg that drops that block they are pending again).
- Synthetic transactions, a few per height, so templates look like real ones: merkle branches are
  not empty and both segwit and legacy serializations go through the pool. They are real
  serialized transactions with small fees, generated from a random generator seeded with
  ``ChainParams.mempool_seed`` and the height, so the same height always offers the same ones.

The embedded chain keeps no UTXO set and runs no scripts: synthetic transactions spend made-up
outpoints with made-up signatures, and a wallet transaction's inputs and its fee are taken on
trust. A fee is whatever the transaction was added with; a transaction the chain never offered
counts as paying none.
"""

from __future__ import annotations

import random
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from backend.bitcoin.encoding import push_data
from backend.bitcoin.hashes import sha256
from backend.bitcoin.transaction import Transaction, TxIn, TxOut
from backend.chain.params import ChainParams
from backend.mining.template import TemplateTransaction

WITNESS_SCALE_FACTOR = 4
"""Non-witness bytes weigh four units, witness bytes one (BIP 141)."""

SYNTHETIC_CACHE_HEIGHTS = 32
"""Heights whose synthetic transactions stay cached: templates and checks of recent blocks and
short side branches reuse them instead of regenerating."""

SYNTHETIC_FEE_RATE = (1, 10)
"""Range of synthetic fee rates in sat/vB: small, like a quiet network's."""

_RBF_SEQUENCE = 0xFFFFFFFD


@dataclass(frozen=True, slots=True)
class MempoolEntry:
    """One transaction with what a template needs of it: serialization, ids, weight and fee."""

    tx: Transaction
    fee: int
    data: bytes
    txid: bytes
    wtxid: bytes
    weight: int

    @classmethod
    def of(cls, tx: Transaction, fee: int) -> MempoolEntry:
        """Build the entry for ``tx`` paying ``fee`` satoshis."""
        data = tx.serialize()
        base = len(tx.serialize(witness=False))
        weight = base * (WITNESS_SCALE_FACTOR - 1) + len(data)
        return cls(tx, fee, data, tx.txid(), tx.wtxid(), weight)

    def template_transaction(self) -> TemplateTransaction:
        """This entry as a template transaction (data verbatim, ids in internal order)."""
        return TemplateTransaction(data=self.data, txid=self.txid, wtxid=self.wtxid, fee=self.fee)


def _der_signature(rng: random.Random) -> bytes:
    # The shape of a low-S DER ECDSA signature with SIGHASH_ALL: 71 bytes, both integers positive.
    r = bytes((rng.randrange(1, 0x80),)) + rng.randbytes(31)
    s = bytes((rng.randrange(1, 0x80),)) + rng.randbytes(31)
    return b"\x30\x44\x02\x20" + r + b"\x02\x20" + s + b"\x01"


def _pubkey(rng: random.Random) -> bytes:
    return bytes((rng.choice((2, 3)),)) + rng.randbytes(32)


def _output_script(rng: random.Random) -> bytes:
    kind = rng.randrange(3)
    if kind == 0:
        return b"\x00\x14" + rng.randbytes(20)  # P2WPKH
    if kind == 1:
        return b"\x76\xa9\x14" + rng.randbytes(20) + b"\x88\xac"  # P2PKH
    return b"\x51\x20" + rng.randbytes(32)  # P2TR


def _input(rng: random.Random, kind: str) -> TxIn:
    prevout = (rng.randbytes(32), rng.randrange(4))
    if kind == "p2pkh":
        script_sig = push_data(_der_signature(rng)) + push_data(_pubkey(rng))
        return TxIn(*prevout, script_sig=script_sig, sequence=_RBF_SEQUENCE)
    # P2WPKH: signature and key; P2TR key path: one 64-byte Schnorr signature.
    witness = (_der_signature(rng), _pubkey(rng)) if kind == "p2wpkh" else (rng.randbytes(64),)
    return TxIn(*prevout, script_sig=b"", sequence=_RBF_SEQUENCE, witness=witness)


_KINDS = ("p2wpkh", "p2pkh", "p2tr")


def synthetic_transactions(seed: bytes, height: int, count: int) -> tuple[MempoolEntry, ...]:
    """The ``count`` synthetic transactions offered at ``height``; the same on every call.

    They cycle through P2WPKH, P2PKH and P2TR spends (so a template of two or more has both
    segwit and legacy transactions), lock to ``height - 1`` as Core's wallet does against fee
    sniping, and pay 1 to 10 sat/vB.
    """
    rng = random.Random(sha256(seed + height.to_bytes(8, "little")))
    entries = []
    for index in range(count):
        kind = _KINDS[index % len(_KINDS)]
        inputs = tuple(_input(rng, kind) for _ in range(rng.randrange(1, 3)))
        outputs = tuple(
            TxOut(rng.randrange(10_000, 5_000_000), _output_script(rng))
            for _ in range(rng.randrange(1, 3))
        )
        tx = Transaction(version=2, inputs=inputs, outputs=outputs, locktime=max(0, height - 1))
        unpaid = MempoolEntry.of(tx, 0)
        vsize = -(-unpaid.weight // WITNESS_SCALE_FACTOR)
        entries.append(MempoolEntry.of(tx, vsize * rng.randrange(*SYNTHETIC_FEE_RATE)))
    return tuple(entries)


class Mempool:
    """Pending wallet transactions and the synthetic transactions of each height.

    ``sequence`` goes up whenever the pending set changes; it is the second half of a template's
    longpollid, as Core's is the mempool's update counter.
    """

    def __init__(self, params: ChainParams, wallet: Iterable[MempoolEntry] = ()) -> None:
        self._params = params
        self._wallet: dict[bytes, MempoolEntry] = {entry.txid: entry for entry in wallet}
        self._synthetic: OrderedDict[int, tuple[MempoolEntry, ...]] = OrderedDict()
        self.sequence = 0
        """Counter of changes to the pending set."""

    def add(self, entry: MempoolEntry) -> bool:
        """Add a wallet transaction; False (and no change) when it is already known."""
        if entry.txid in self._wallet:
            return False
        self._wallet[entry.txid] = entry
        self.sequence += 1
        return True

    def wallet_entries(self) -> tuple[MempoolEntry, ...]:
        """Every wallet transaction ever added, in the order added."""
        return tuple(self._wallet.values())

    def synthetic(self, height: int) -> tuple[MempoolEntry, ...]:
        """The synthetic transactions for a block at ``height``."""
        entries = self._synthetic.get(height)
        if entries is None:
            params = self._params
            entries = synthetic_transactions(
                params.mempool_seed, height, params.synthetic_transactions
            )
            self._synthetic[height] = entries
            if len(self._synthetic) > SYNTHETIC_CACHE_HEIGHTS:
                self._synthetic.popitem(last=False)
        else:
            self._synthetic.move_to_end(height)
        return entries

    def fee(self, txid: bytes, height: int) -> int:
        """The fee of a transaction in a block at ``height``: known fee, else 0 (see module doc)."""
        entry = self._wallet.get(txid)
        if entry is not None:
            return entry.fee
        for synthetic in self.synthetic(height):
            if synthetic.txid == txid:
                return synthetic.fee
        return 0

    def select(self, height: int, confirmed: Callable[[bytes], bool]) -> tuple[MempoolEntry, ...]:
        """Transactions for a template at ``height``: pending wallet ones first, then synthetic.

        ``confirmed(txid)`` says whether the active chain already holds a wallet transaction.
        Stops before the block would pass the weight limit less the coinbase reserve.
        """
        budget = self._params.max_block_weight - self._params.coinbase_weight_reserve
        chosen: list[MempoolEntry] = []
        pending = (entry for entry in self._wallet.values() if not confirmed(entry.txid))
        seen: set[bytes] = set()
        for entry in (*pending, *self.synthetic(height)):
            if entry.txid in seen:
                continue  # a wallet transaction that happens to equal a synthetic one
            if entry.weight > budget:
                break
            budget -= entry.weight
            seen.add(entry.txid)
            chosen.append(entry)
        return tuple(chosen)
