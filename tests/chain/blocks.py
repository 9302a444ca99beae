"""Block building for the chain tests: coinbases, assembly from a template, nonce grinding."""

from __future__ import annotations

from dataclasses import replace

from backend.bitcoin.encoding import bip34_height_script, push_data
from backend.bitcoin.hashes import sha256d
from backend.bitcoin.header import BlockHeader
from backend.bitcoin.merkle import merkle_root
from backend.bitcoin.target import bits_to_target
from backend.bitcoin.transaction import Block, Transaction, TxIn, TxOut, parse_transaction
from backend.chain.embedded import EmbeddedChain
from backend.mining.template import BlockTemplate

PAYOUT = bytes.fromhex("00146f58bac9506f9bfb821d62e69330410bb56f0085")
"""bcrt1qdavt4j2sd7dlhqsavtnfxvzppw6k7qy97tmnu9 (reference §8.7)."""

START = 1_700_000_000.0
"""Where the test clock starts (the time of the §8.6 vector block)."""


class Clock:
    """A settable clock for the chain."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def coinbase(
    height: int,
    value: int,
    commitment: bytes | None,
    *,
    tag: bytes = b"/chain-test/",
    script_sig: bytes | None = None,
    witness: tuple[bytes, ...] | None = None,
) -> Transaction:
    """A coinbase paying ``value`` to PAYOUT, with the commitment output when given."""
    if script_sig is None:
        script_sig = bip34_height_script(height) + push_data(tag)
    if witness is None:
        witness = (bytes(32),) if commitment is not None else ()
    outputs = [TxOut(value, PAYOUT)]
    if commitment is not None:
        outputs.append(TxOut(0, commitment))
    txin = TxIn(bytes(32), 0xFFFFFFFF, script_sig, witness=witness)
    return Transaction(2, (txin,), tuple(outputs))


def template_transactions(template: BlockTemplate) -> list[Transaction]:
    """The template's transactions, parsed back from their data."""
    return [parse_transaction(tx.data)[0] for tx in template.transactions]


def build(template: BlockTemplate, txs: list[Transaction], **header_fields: int | bytes) -> Block:
    """A block of exactly ``txs`` on the template's header fields (nonce 0, merkle root
    computed), with any header field overridden."""
    fields = {
        "version": template.version,
        "prev_hash": template.prev_hash,
        "merkle_root": merkle_root([tx.txid() for tx in txs]),
        "time": template.curtime,
        "bits": template.bits,
        "nonce": 0,
    }
    fields.update(header_fields)
    return Block(BlockHeader(**fields), tuple(txs))


def assemble(
    template: BlockTemplate,
    *,
    transactions: list[Transaction] | None = None,
    cb: Transaction | None = None,
    tag: bytes = b"/chain-test/",
    **header_fields: int | bytes,
) -> Block:
    """A block from ``template``: its coinbase (or ``cb``) then its transactions (or the given
    ones), header fields as in ``build``."""
    if cb is None:
        cb = coinbase(
            template.height, template.coinbase_value, template.witness_commitment, tag=tag
        )
    txs = [cb, *(template_transactions(template) if transactions is None else transactions)]
    return build(template, txs, **header_fields)


def search(block: Block, limit: int, *, meets: bool = True) -> tuple[Block | None, int]:
    """Try nonces 0..limit-1 until the hash meets the header's target (or, with
    ``meets=False``, misses it). Returns the solved block or None, and the hashes tried."""
    target = bits_to_target(block.header.bits)
    prefix = block.header.serialize()[:76]
    for nonce in range(limit):
        value = int.from_bytes(sha256d(prefix + nonce.to_bytes(4, "little")), "little")
        if (value <= target) == meets:
            return Block(replace(block.header, nonce=nonce), block.transactions), nonce + 1
    return None, limit


def grind(block: Block, *, meets: bool = True) -> tuple[Block, int]:
    """``search`` over the whole nonce space; fails the test if nothing is found."""
    solved, tries = search(block, 1 << 32, meets=meets)
    assert solved is not None, "nonce space exhausted"
    return solved, tries


def mine(chain: EmbeddedChain, **kwargs) -> Block:
    """Mine one block on the tip from the chain's template and assert it is accepted."""
    block, _ = grind(assemble(chain.template(), **kwargs))
    result = chain.submit_block(block.serialize())
    assert result is None, result
    return block


def mine_on(
    chain: EmbeddedChain, parent: Block, tag: bytes, clock: Clock
) -> tuple[Block, str | None]:
    """Mine a minimum-difficulty block on ``parent`` (not necessarily the tip) and submit it.

    Returns the block and the submission result."""
    template = chain.template()
    info = chain.header_info(parent.header.hash())
    fork = replace(
        template,
        height=info.height + 1,
        prev_hash=info.hash,
        bits=0x207FFFFF,
        curtime=max(int(clock()), info.median_time_past + 1),
        coinbase_value=chain.params.subsidy(info.height + 1),
        transactions=(),
        witness_commitment=None,
    )
    block, _ = grind(assemble(fork, tag=tag))
    return block, chain.submit_block(block.serialize())
