"""Block assembly: what validate_share hands to submitblock is a consistent block."""

import pytest

from backend.bitcoin.hashes import sha256d
from backend.bitcoin.header import BlockHeader
from backend.bitcoin.merkle import merkle_root
from backend.bitcoin.transaction import (
    Transaction,
    TxIn,
    TxOut,
    find_witness_commitment,
    parse_block,
)
from backend.mining.blocks import assemble_block
from backend.mining.jobs import Job, JobBuilder, JobTable
from backend.mining.shares import (
    MinerWork,
    ShareResult,
    Submission,
    parse_submission,
    validate_share,
)
from backend.mining.template import BlockTemplate, TemplateTransaction

from .vectors import E2E_EXTRANONCE1, E2E_PAYOUT, E2E_TAG, E2E_TIME, e2e_template


def _template_tx(tx: Transaction, fee: int) -> TemplateTransaction:
    return TemplateTransaction(data=tx.serialize(), txid=tx.txid(), wtxid=tx.wtxid(), fee=fee)


def _spend(seed: bytes, witness: tuple[bytes, ...]) -> Transaction:
    return Transaction(
        version=2,
        inputs=(TxIn(sha256d(seed), 0, b"" if witness else b"\x51", 0xFFFFFFFD, witness),),
        outputs=(TxOut(90_000, E2E_PAYOUT),),
    )


def _first_block(template: BlockTemplate) -> tuple[Job, ShareResult]:
    builder = JobBuilder(E2E_PAYOUT, E2E_TAG)
    job = builder.build(template, clean=True, now=E2E_TIME)
    table = JobTable()
    table.add(job)
    work = MinerWork(extranonce1=E2E_EXTRANONCE1, extranonce2_size=4, difficulty=1e-10)
    work.note_job(job.job_id)
    # Regtest's target is half the hash space, so a block turns up within a few nonces.
    for nonce in range(64):
        sub = parse_submission(["w", job.job_id, "01020304", f"{E2E_TIME:08x}", f"{nonce:x}"], 4)
        assert isinstance(sub, Submission)
        result = validate_share(work, sub, table, now=E2E_TIME)
        assert result.accepted
        if result.is_block:
            return job, result
    raise AssertionError("no block in 64 nonces on regtest")


@pytest.mark.parametrize("core_commitment", [True, False])
def test_segwit_block_is_consistent(core_commitment: bool) -> None:
    txs = (
        _template_tx(_spend(b"legacy", ()), 1_000),
        _template_tx(_spend(b"segwit", (b"\x30" * 71, b"\x02" * 33)), 2_000),
    )
    commitment = e2e_template(witness_commitment=None, transactions=txs).commitment_script()
    template = e2e_template(
        transactions=txs,
        coinbase_value=5_000_003_000,
        witness_commitment=commitment if core_commitment else None,
    )
    _, result = _first_block(template)
    assert result.block is not None
    block = parse_block(result.block)
    assert block.serialize() == result.block
    coinbase, *rest = block.transactions
    assert [tx.serialize() for tx in rest] == [tx.data for tx in txs]
    assert block.header.merkle_root == merkle_root([coinbase.txid()] + [t.txid for t in txs])
    assert block.header.hash() == result.header_hash
    assert block.header.prev_hash == template.prev_hash
    assert block.header.bits == template.bits
    witness_root = merkle_root([bytes(32)] + [t.wtxid for t in txs])
    assert find_witness_commitment(coinbase) == sha256d(witness_root + bytes(32))
    assert coinbase.inputs[0].witness == (bytes(32),)
    assert sum(o.value for o in coinbase.outputs) == template.coinbase_value


def test_block_without_commitment_carries_the_plain_coinbase() -> None:
    txs = (_template_tx(_spend(b"legacy", ()), 1_000),)
    _, result = _first_block(e2e_template(witness_commitment=None, transactions=txs))
    assert result.block is not None
    coinbase = parse_block(result.block).transactions[0]
    assert not coinbase.has_witness
    assert find_witness_commitment(coinbase) is None


def test_transaction_count_uses_a_varint() -> None:
    txs = tuple(
        TemplateTransaction(
            data=bytes([i % 256]),
            txid=sha256d(bytes([i % 256, i // 256])),
            wtxid=sha256d(bytes([i % 256, i // 256])),
            fee=0,
        )
        for i in range(300)
    )
    job = JobBuilder(E2E_PAYOUT, E2E_TAG).build(e2e_template(transactions=txs), True, 0)
    header = BlockHeader(0x20000000, job.template.prev_hash, bytes(32), E2E_TIME, 0x207FFFFF, 0)
    block = assemble_block(job, header.serialize(), b"coinbase")
    assert block[80:83] == b"\xfd\x2d\x01"  # 301 transactions
    assert block[83:91] == b"coinbase"
    assert block[91:] == bytes(i % 256 for i in range(300))


def test_header_must_be_80_bytes() -> None:
    job = JobBuilder(E2E_PAYOUT, E2E_TAG).build(e2e_template(), True, 0)
    with pytest.raises(ValueError, match="80"):
        assemble_block(job, bytes(79), b"")
