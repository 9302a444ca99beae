"""The block template: what a chain source says the next block should build on and contain."""

from __future__ import annotations

from dataclasses import dataclass

from backend.bitcoin.target import bits_to_target
from backend.bitcoin.transaction import witness_commitment_script


@dataclass(frozen=True, slots=True)
class TemplateTransaction:
    """One non-coinbase transaction of a template, in template (GBT) order.

    ``data`` is the full serialization (with witness when it has one) and goes into the block
    verbatim; ``txid`` and ``wtxid`` are in internal byte order (GBT prints them reversed);
    ``fee`` is in satoshis.
    """

    data: bytes
    txid: bytes
    wtxid: bytes
    fee: int

    @property
    def has_witness(self) -> bool:
        """True when the transaction carries witness data (its wtxid differs from its txid)."""
        return self.txid != self.wtxid


@dataclass(frozen=True, slots=True)
class BlockTemplate:
    """A block template (stratum reference §3.1).

    ``prev_hash`` is in internal order. ``witness_commitment`` is the whole commitment output
    script (Core's ``default_witness_commitment`` decoded, ``6a24aa21a9ed…``) or None.
    ``mintime`` is median-time-past + 1, the earliest ntime a block may carry.
    """

    height: int
    prev_hash: bytes
    version: int
    bits: int
    curtime: int
    mintime: int
    coinbase_value: int
    transactions: tuple[TemplateTransaction, ...] = ()
    witness_commitment: bytes | None = None
    longpollid: str = ""

    @property
    def target(self) -> int:
        """The network target expanded from ``bits``."""
        return bits_to_target(self.bits)

    def commitment_script(self) -> bytes | None:
        """The witness commitment output the coinbase must carry, or None when it needs none.

        The template's own commitment wins; when it has none but some transaction has witness
        data, the commitment is computed from the wtxids (BIP 141: a block with witness data must
        commit to it). A block without witness data needs no commitment (reference §3.3).
        """
        if self.witness_commitment is not None:
            return self.witness_commitment
        if any(tx.has_witness for tx in self.transactions):
            return witness_commitment_script([tx.wtxid for tx in self.transactions])
        return None
