"""Mining real blocks on an embedded chain inside a test: a settable clock, and a block built
from the chain's own template (so it carries the wallet's pending payouts) ground to its target."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from backend.bitcoin.encoding import bip34_height_script, push_data
from backend.bitcoin.header import BlockHeader
from backend.bitcoin.merkle import merkle_root
from backend.bitcoin.target import bits_to_target
from backend.bitcoin.transaction import Block, Transaction, TxIn, TxOut, parse_transaction
from backend.chain.embedded import EmbeddedChain

PAYOUT = bytes.fromhex("00146f58bac9506f9bfb821d62e69330410bb56f0085")
START = 1_733_011_200.0


class Clock:
    """A clock the test moves; each mined block moves it past the retarget interval, so the
    chain stays at its easiest difficulty and grinding takes a few hashes."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _sha256d(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def mine(chain: EmbeddedChain, clock: Clock, tag: bytes = b"/ledger-test/") -> Block:
    """Mine one block on the tip with the template's transactions; assert it is accepted."""
    clock.now += 20 * chain.params.target_block_interval
    template = chain.template()
    outputs = [TxOut(template.coinbase_value, PAYOUT)]
    if template.witness_commitment is not None:
        outputs.append(TxOut(0, template.witness_commitment))
    script = bip34_height_script(template.height) + push_data(tag)
    witness = (bytes(32),) if template.witness_commitment is not None else ()
    coinbase = Transaction(
        2, (TxIn(bytes(32), 0xFFFFFFFF, script, witness=witness),), tuple(outputs)
    )
    txs = [coinbase, *(parse_transaction(t.data)[0] for t in template.transactions)]
    header = BlockHeader(
        template.version,
        template.prev_hash,
        merkle_root([tx.txid() for tx in txs]),
        template.curtime,
        template.bits,
        0,
    )
    target = bits_to_target(header.bits)
    prefix = header.serialize()[:76]
    nonce = 0
    while int.from_bytes(_sha256d(prefix + nonce.to_bytes(4, "little")), "little") > target:
        nonce += 1
    block = Block(replace(header, nonce=nonce), tuple(txs))
    assert chain.submit_block(block.serialize()) is None
    return block
