"""Every reject reason of the embedded chain, each triggered by a real mutated block."""

from __future__ import annotations

from dataclasses import replace

import pytest

from backend.bitcoin.encoding import bip34_height_script, push_data
from backend.bitcoin.hashes import sha256d
from backend.bitcoin.transaction import TxIn, witness_commitment_script
from backend.chain import validation as v
from backend.chain.embedded import EmbeddedChain
from backend.chain.params import ChainParams

from .blocks import (
    assemble,
    build,
    coinbase,
    grind,
    mine,
    template_transactions,
)


@pytest.fixture
def chain(data_dir, clock):
    # Synthetic transactions cycle P2WPKH, P2PKH, P2TR: index 0 and 2 are segwit, 1 legacy.
    with EmbeddedChain(data_dir, ChainParams(synthetic_transactions=3), clock) as chain:
        yield chain


def submit(chain: EmbeddedChain, block, *, solve: bool = True) -> str | None:
    if solve:
        block, _ = grind(block)
    return chain.submit_block(block.serialize())


def test_a_full_template_block_is_accepted(chain):
    template = chain.template()
    block = assemble(template)
    assert len(block.transactions) == 4
    assert submit(chain, block) is None
    assert chain.height == 1


def test_fewer_transactions_and_a_smaller_reward_are_fine(chain):
    template = chain.template()
    cb = coinbase(1, 0, witness_commitment_script([]))
    assert submit(chain, assemble(template, cb=cb, transactions=[])) is None


@pytest.mark.parametrize("raw", [b"", bytes(79), bytes(80), b"\x00" * 81])
def test_bytes_that_are_not_a_block(chain, raw):
    assert chain.submit_block(raw) == "Block decode failed"


def test_truncated_and_padded_blocks(chain):
    raw = grind(assemble(chain.template()))[0].serialize()
    assert chain.submit_block(raw[:-1]) == v.BLOCK_DECODE_FAILED
    assert chain.submit_block(raw + b"\x00") == v.BLOCK_DECODE_FAILED
    assert chain.submit_block(raw) is None


def test_high_hash(chain):
    block, _ = grind(assemble(chain.template()), meets=False)
    assert submit(chain, block, solve=False) == v.HIGH_HASH
    # Not remembered: it is not invalid by its hash, only by its work.
    assert submit(chain, block, solve=False) == v.HIGH_HASH


def test_bits_easier_than_pow_limit_are_high_hash(chain):
    block = assemble(chain.template(), bits=0x2100FFFF)
    assert submit(chain, block) == v.HIGH_HASH


def test_prev_blk_not_found(chain):
    block = assemble(chain.template(), prev_hash=b"\x01" * 32)
    assert submit(chain, block) == v.PREV_BLK_NOT_FOUND


def test_bad_diffbits(chain):
    # Harder than required still has to be exactly the required bits.
    assert submit(chain, assemble(chain.template(), bits=0x1F7FFFFF)) == v.BAD_DIFFBITS


def test_time_too_old(chain, clock):
    mine(chain)
    template = chain.template()
    assert submit(chain, assemble(template, time=template.mintime - 1)) == v.TIME_TOO_OLD
    assert submit(chain, assemble(template, time=template.mintime)) is None


def test_time_too_new(chain, clock):
    template = chain.template()
    limit = int(clock()) + 7200
    assert submit(chain, assemble(template, time=limit + 1)) == v.TIME_TOO_NEW
    assert submit(chain, assemble(template, time=limit)) is None


def test_bad_version(chain):
    template = chain.template()
    assert submit(chain, assemble(template, version=3)) == "bad-version(0x00000003)"
    assert submit(chain, assemble(template, version=0x80000000)) == "bad-version(0x80000000)"


def test_bad_txnmrklroot(chain):
    block = assemble(chain.template(), merkle_root=bytes(32))
    assert submit(chain, block) == v.BAD_TXNMRKLROOT


def test_bad_txns_duplicate(chain):
    template = chain.template()
    txs = template_transactions(template)
    # [cb, a, b, b]: the CVE-2012-2459 shape, whose merkle root equals that of [cb, a, b].
    block = assemble(template, transactions=[txs[0], txs[1], txs[1]])
    assert submit(chain, block) == v.BAD_TXNS_DUPLICATE
    block = assemble(template, transactions=[txs[0], txs[0]])
    assert submit(chain, block) == v.BAD_TXNS_DUPLICATE


def test_bad_cb_missing(chain):
    template = chain.template()
    txs = template_transactions(template)
    cb = coinbase(1, template.coinbase_value, template.witness_commitment)
    assert submit(chain, build(template, [txs[1], cb])) == v.BAD_CB_MISSING


def test_bad_cb_multiple(chain):
    template = chain.template()
    first = coinbase(1, template.coinbase_value, template.witness_commitment)
    second = coinbase(1, 0, None, tag=b"/second/")
    assert submit(chain, build(template, [first, second])) == v.BAD_CB_MULTIPLE


@pytest.mark.parametrize(
    "script_sig",
    [b"\x51", b"\x51" + push_data(bytes(98))],  # 1 byte (OP_1 alone) and 101 bytes
    ids=["too-short", "too-long"],
)
def test_bad_cb_length(chain, script_sig):
    template = chain.template()
    cb = coinbase(1, template.coinbase_value, template.witness_commitment, script_sig=script_sig)
    assert submit(chain, assemble(template, cb=cb)) == v.BAD_CB_LENGTH


def test_coinbase_scriptsig_of_exactly_2_and_100_bytes(chain):
    for script_sig in (b"\x51\x00", b"\x52" + push_data(bytes(97))):
        assert len(script_sig) in (2, 100)
        template = chain.template()
        cb = coinbase(
            template.height,
            template.coinbase_value,
            template.witness_commitment,
            script_sig=script_sig,
        )
        assert submit(chain, assemble(template, cb=cb)) is None


@pytest.mark.parametrize(
    "script_sig",
    [
        bip34_height_script(2) + b"\x00",  # another height
        b"\x01\x01" + b"\x00",  # height 1 as BIP34's text writes it: Core wants OP_1
        b"\x00\x51",  # height pushed second
    ],
    ids=["wrong-height", "non-minimal", "not-first"],
)
def test_bad_cb_height(chain, script_sig):
    template = chain.template()
    cb = coinbase(1, template.coinbase_value, template.witness_commitment, script_sig=script_sig)
    block = assemble(template, cb=cb)
    assert submit(chain, block) == v.BAD_CB_HEIGHT
    # Remembered: the same block again is known-invalid.
    assert submit(chain, block) == v.DUPLICATE_INVALID


def test_bad_cb_amount_counts_subsidy_and_fees(chain):
    template = chain.template()
    assert template.coinbase_value > 50 * 100_000_000
    greedy = coinbase(1, template.coinbase_value + 1, template.witness_commitment)
    block = assemble(template, cb=greedy)
    assert submit(chain, block) == v.BAD_CB_AMOUNT
    solved, _ = grind(block)
    assert chain.submit_block(solved.serialize()) == v.DUPLICATE_INVALID
    child = assemble(replace(template, prev_hash=solved.header.hash(), height=2))
    assert submit(chain, child) == v.BAD_PREVBLK
    # Without the transactions, their fees cannot be claimed.
    no_fees = coinbase(1, template.coinbase_value, witness_commitment_script([]))
    assert submit(chain, assemble(template, cb=no_fees, transactions=[])) == v.BAD_CB_AMOUNT


def test_bad_witness_merkle_match(chain):
    template = chain.template()
    wrong = bytes.fromhex("6a24aa21a9ed") + bytes(32)
    cb = coinbase(1, template.coinbase_value, wrong)
    assert submit(chain, assemble(template, cb=cb)) == v.BAD_WITNESS_MERKLE_MATCH


def test_witness_malleation_is_not_remembered(chain):
    """Changing a witness keeps the block hash; the honest block must still be accepted."""
    template = chain.template()
    honest, _ = grind(assemble(template))
    txs = list(honest.transactions)
    segwit = txs[1]
    assert segwit.has_witness
    tampered_input = replace(
        segwit.inputs[0], witness=(b"\x00" * 71, *segwit.inputs[0].witness[1:])
    )
    txs[1] = replace(segwit, inputs=(tampered_input, *segwit.inputs[1:]))
    tampered = replace(honest, transactions=tuple(txs))
    assert tampered.header.hash() == honest.header.hash()
    assert chain.submit_block(tampered.serialize()) == v.BAD_WITNESS_MERKLE_MATCH
    assert chain.submit_block(honest.serialize()) is None


@pytest.mark.parametrize(
    "witness", [(bytes(31),), (), (bytes(32), bytes(32))], ids=["31-bytes", "none", "two-items"]
)
def test_bad_witness_nonce_size(chain, witness):
    template = chain.template()
    cb = coinbase(1, template.coinbase_value, template.witness_commitment, witness=witness)
    assert submit(chain, assemble(template, cb=cb)) == v.BAD_WITNESS_NONCE_SIZE


def test_witness_reserved_value_may_be_any_32_bytes(chain):
    template = chain.template()
    txs = template_transactions(template)
    nonce = b"\x42" * 32
    root = v.witness_root(assemble(template))
    commitment = bytes.fromhex("6a24aa21a9ed") + sha256d(root + nonce)
    cb = coinbase(1, template.coinbase_value, commitment, witness=(nonce,))
    assert submit(chain, assemble(template, cb=cb, transactions=txs)) is None


def test_unexpected_witness(chain):
    template = chain.template()
    cb = coinbase(1, template.coinbase_value, None)
    assert submit(chain, assemble(template, cb=cb)) == v.UNEXPECTED_WITNESS
    # Without witness transactions no commitment is needed.
    legacy = [tx for tx in template_transactions(template) if not tx.has_witness]
    cb = coinbase(1, 50 * 100_000_000, None)
    assert submit(chain, assemble(template, cb=cb, transactions=legacy)) is None


def test_bad_txns_nonfinal(chain):
    template = chain.template()
    txs = template_transactions(template)
    locked = replace(txs[1], locktime=1)  # height 1 is not below 1, and sequences are not final
    commitment = witness_commitment_script([txs[0].wtxid(), locked.wtxid(), txs[2].wtxid()])
    cb = coinbase(1, 50 * 100_000_000, commitment)
    block = assemble(template, cb=cb, transactions=[txs[0], locked, txs[2]])
    assert submit(chain, block) == v.BAD_TXNS_NONFINAL
    final_inputs = tuple(replace(txin, sequence=0xFFFFFFFF) for txin in locked.inputs)
    final = replace(locked, inputs=final_inputs)
    commitment = witness_commitment_script([txs[0].wtxid(), final.wtxid(), txs[2].wtxid()])
    cb = coinbase(1, 50 * 100_000_000, commitment)
    assert submit(chain, assemble(template, cb=cb, transactions=[txs[0], final, txs[2]])) is None


def test_bad_blk_weight(chain):
    template = chain.template()
    txs = template_transactions(template)
    heavy_input = replace(txs[0].inputs[0], witness=(bytes(4_000_000),))
    heavy = replace(txs[0], inputs=(heavy_input, *txs[0].inputs[1:]))
    commitment = witness_commitment_script([heavy.wtxid()])
    cb = coinbase(1, 50 * 100_000_000, commitment)
    assert submit(chain, assemble(template, cb=cb, transactions=[heavy])) == v.BAD_BLK_WEIGHT


def test_transaction_rules(chain):
    template = chain.template()
    txs = template_transactions(template)
    tx = txs[1]
    cases = {
        v.BAD_TXNS_VOUT_TOOLARGE: replace(
            tx, outputs=(replace(tx.outputs[0], value=21_000_000 * 100_000_000 + 1),)
        ),
        v.BAD_TXNS_VOUT_NEGATIVE: replace(tx, outputs=(replace(tx.outputs[0], value=1 << 63),)),
        v.BAD_TXNS_TXOUTTOTAL_TOOLARGE: replace(
            tx, outputs=(replace(tx.outputs[0], value=21_000_000 * 100_000_000),) * 2
        ),
        v.BAD_TXNS_INPUTS_DUPLICATE: replace(tx, inputs=(tx.inputs[0], tx.inputs[0])),
        v.BAD_TXNS_PREVOUT_NULL: replace(
            tx, inputs=(tx.inputs[0], TxIn(bytes(32), 0xFFFFFFFF, b"\x00\x00"))
        ),
    }
    for reason, bad in cases.items():
        cb = coinbase(1, 0, None)
        assert submit(chain, assemble(template, cb=cb, transactions=[bad])) == reason, reason
        with pytest.raises(ValueError, match=reason):
            chain.add_transaction(bad, 0)
