"""Synthetic transactions and the mempool's selection for templates."""

from __future__ import annotations

from dataclasses import replace

from backend.bitcoin.transaction import parse_transaction
from backend.chain.mempool import Mempool, MempoolEntry, synthetic_transactions
from backend.chain.params import ChainParams
from backend.chain.validation import check_transaction

SEED = ChainParams().mempool_seed


def test_synthetic_transactions_are_deterministic_per_height():
    assert synthetic_transactions(SEED, 5, 3) == synthetic_transactions(SEED, 5, 3)
    at_5 = {e.txid for e in synthetic_transactions(SEED, 5, 3)}
    at_6 = {e.txid for e in synthetic_transactions(SEED, 6, 3)}
    assert len(at_5) == 3
    assert not at_5 & at_6
    assert synthetic_transactions(b"other seed", 5, 3) != synthetic_transactions(SEED, 5, 3)
    assert synthetic_transactions(SEED, 5, 0) == ()


def test_synthetic_transactions_are_real_transactions():
    entries = synthetic_transactions(SEED, 100, 6)
    assert [e.tx.has_witness for e in entries] == [True, False, True] * 2
    for entry in entries:
        tx, end = parse_transaction(entry.data)
        assert end == len(entry.data)
        assert tx == entry.tx
        assert entry.txid == tx.txid()
        assert entry.wtxid == tx.wtxid()
        assert (entry.txid != entry.wtxid) == tx.has_witness
        assert check_transaction(tx, ChainParams()) is None
        assert not tx.is_coinbase
        assert tx.locktime == 99, "anti fee-sniping: locked to the previous height"
        vsize = -(-entry.weight // 4)
        assert vsize <= entry.fee <= 10 * vsize
        base = len(tx.serialize(witness=False))
        assert entry.weight == base * 3 + len(entry.data)


def test_template_transaction_carries_ids_and_fee():
    entry = synthetic_transactions(SEED, 1, 1)[0]
    template_tx = entry.template_transaction()
    assert (template_tx.data, template_tx.txid, template_tx.wtxid, template_tx.fee) == (
        entry.data,
        entry.txid,
        entry.wtxid,
        entry.fee,
    )


def test_select_puts_wallet_transactions_first_until_confirmed():
    params = ChainParams(synthetic_transactions=2)
    mempool = Mempool(params)
    synthetic = mempool.synthetic(7)
    tx = synthetic[0].tx
    wallet = MempoolEntry.of(replace(tx, locktime=0), 1234)
    assert mempool.add(wallet)
    assert not mempool.add(wallet)
    assert mempool.sequence == 1
    assert mempool.select(7, lambda txid: False) == (wallet, *synthetic)
    assert mempool.select(7, lambda txid: txid == wallet.txid) == synthetic
    assert mempool.fee(wallet.txid, 7) == 1234
    assert mempool.fee(synthetic[1].txid, 7) == synthetic[1].fee
    assert mempool.fee(synthetic[1].txid, 8) == 0, "another height's transactions are unknown"


def test_select_never_repeats_a_transaction():
    params = ChainParams(synthetic_transactions=2)
    mempool = Mempool(params)
    same = mempool.synthetic(3)[1]
    mempool.add(MempoolEntry.of(same.tx, 99))
    selected = mempool.select(3, lambda txid: False)
    assert [e.txid for e in selected].count(same.txid) == 1
    assert selected[0].fee == 99


def test_select_respects_the_weight_limit():
    entries = synthetic_transactions(SEED, 9, 3)
    limit = 4_000 + entries[0].weight + entries[1].weight + entries[2].weight - 1
    params = ChainParams(synthetic_transactions=3, max_block_weight=limit)
    assert Mempool(params).select(9, lambda txid: False) == entries[:2]
