"""The embedded chain end to end: genesis, templates, mining, persistence, reorgs, invalidation."""

from __future__ import annotations

import itertools
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from backend.bitcoin.hashes import from_display, to_display
from backend.bitcoin.target import bits_to_target
from backend.bitcoin.transaction import parse_transaction, witness_commitment_script
from backend.chain.embedded import EmbeddedChain
from backend.chain.params import GENESIS_HASH, ChainParams, genesis_block
from backend.chain.retarget import block_work
from backend.chain.source import ChainUnavailable
from backend.chain.validation import DUPLICATE, DUPLICATE_INVALID, INCONCLUSIVE
from backend.mining.coinbase import build_coinbase_parts, coinbase_with_witness
from backend.mining.jobs import JobBuilder, JobTable
from backend.mining.shares import MinerWork, Submission, validate_share

from .blocks import PAYOUT, Clock, assemble, grind, mine, mine_on, search

REGTEST_GENESIS_HEADER = (
    "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac7"
    "2c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4adae5494dffff7f2002000000"
)
VECTOR_BLOCK = bytes.fromhex(
    "0000002006226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f61f272d6ae3adc4653791e"
    "774f8e8bdf079045329c4aac8d7fd27ced6c10a28700f15365ffff7f200000000001020000000001010000000000"
    "000000000000000000000000000000000000000000000000000000ffffffff1151081122334400000000062f7465"
    "73742fffffffff0200f2052a010000001600146f58bac9506f9bfb821d62e69330410bb56f008500000000000000"
    "00266a24aa21a9ede2f61c3f71d1defd3fa999dfa36953755c690689799962b48bebd836974e8cf9012000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
)
VECTOR_HASH = "24f81c5fe7889f8817fa96d7dd4b3a033cc90aa97449b9ffb6df920a5f295c7f"


def test_genesis_is_cores_regtest_genesis(chain):
    genesis = genesis_block()
    assert genesis.header.serialize().hex() == REGTEST_GENESIS_HEADER
    assert genesis.header.hash() == GENESIS_HASH
    assert to_display(GENESIS_HASH) == (
        "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"
    )
    assert chain.tip_hash == GENESIS_HASH
    assert chain.height == 0
    assert chain.block(GENESIS_HASH) == genesis
    info = chain.info()
    assert (info.chain, info.height, info.bits) == ("regtest", 0, 0x207FFFFF)
    assert info.best_hash == to_display(GENESIS_HASH)
    assert info.difficulty == pytest.approx(4.656542373906925e-10)


def test_reference_vector_block_is_accepted_then_duplicate(chain):
    assert chain.submit_block(VECTOR_BLOCK) is None
    assert chain.height == 1
    assert chain.tip_hash == from_display(VECTOR_HASH)
    assert chain.block_hash(1) == from_display(VECTOR_HASH)
    assert chain.block(from_display(VECTOR_HASH)).serialize() == VECTOR_BLOCK
    assert chain.submit_block(VECTOR_BLOCK) == DUPLICATE
    info = chain.header_info(from_display(VECTOR_HASH))
    assert (info.height, info.confirmations, info.in_active_chain, info.valid) == (1, 1, True, True)
    assert info.chain_work == 4  # regtest blocks are worth 2 hashes each
    assert chain.header_info(GENESIS_HASH).next_hash == from_display(VECTOR_HASH)


def test_template_on_the_tip(chain, clock):
    template = chain.template()
    assert template.height == 1
    assert template.prev_hash == GENESIS_HASH
    assert template.version == 0x20000000
    assert template.bits == 0x207FFFFF
    assert template.curtime == int(clock())
    assert template.mintime == genesis_block().header.time + 1
    fees = sum(tx.fee for tx in template.transactions)
    assert fees > 0
    assert template.coinbase_value == 50 * 100_000_000 + fees
    assert template.witness_commitment == witness_commitment_script(
        [tx.wtxid for tx in template.transactions]
    )
    kinds = {tx.txid != tx.wtxid for tx in template.transactions}
    assert kinds == {True, False}, "both segwit and legacy transactions"
    assert template.longpollid == to_display(GENESIS_HASH) + "0"


def test_template_time_never_below_median_time_past(chain, clock):
    chain.submit_block(VECTOR_BLOCK)  # time 1700000000
    clock.now = 1_600_000_000.0  # the clock runs behind the chain
    template = chain.template()
    assert template.mintime == 1_700_000_001
    assert template.curtime == template.mintime


def test_pool_built_blocks_are_accepted(chain):
    """Work from the mining package (coinbase parts, share validation) makes valid blocks."""
    builder = JobBuilder(PAYOUT, b"/minerconsole/", extranonce1_size=4, extranonce2_size=4)
    jobs = JobTable()
    for _ in range(3):
        template = chain.template()
        job = builder.build(template, clean=True, now=template.curtime)
        jobs.add(job)
        work = MinerWork(
            extranonce1=b"\x11\x22\x33\x44",
            extranonce2_size=4,
            version_mask=0,
            difficulty=1e-12,
            job_difficulty={job.job_id: 1e-12},
        )
        for nonce in range(1000):
            sub = Submission("w", job.job_id, bytes(4), job.ntime, nonce, None)
            result = validate_share(work, sub, jobs, now=template.curtime)
            if result.is_block:
                break
        assert result.block is not None
        assert chain.submit_block(result.block) is None
    assert chain.height == 3
    assert len(chain.block(chain.tip_hash).transactions) == 1 + 3


def test_coinbase_parts_assemble_to_an_accepted_block(chain):
    template = chain.template()
    coinb1, coinb2 = build_coinbase_parts(template, PAYOUT, b"/test/", 8)
    witness_coinbase = coinbase_with_witness(coinb1, bytes(8), coinb2)
    cb, _ = parse_transaction(witness_coinbase)
    block, _ = grind(assemble(template, cb=cb))
    assert chain.submit_block(block.serialize()) is None


def test_mining_loop_builds_a_chain_and_retargets(data_dir):
    """25 blocks ground here by a simulated 2,000 H/s miner against a 10 s interval.

    As a pool does, the work is refreshed every simulated second, so block times follow the
    clock; each refresh changes the coinbase tag as a new extranonce would.
    """
    clock = Clock()
    params = ChainParams(target_block_interval=10)
    hashrate = 2_000
    with EmbeddedChain(data_dir, params, clock) as chain:
        blocks = []
        refresh = 0
        while len(blocks) < 25:
            template = chain.template()
            refresh += 1
            block, tries = search(assemble(template, tag=b"%d" % refresh), hashrate)
            clock.advance(tries / hashrate)
            if block is None:
                continue
            assert chain.submit_block(block.serialize()) is None
            assert block.header.bits == template.bits
            blocks.append(block)
        assert chain.height == 25
        for height, block in enumerate(blocks, start=1):
            assert chain.block_hash(height) == block.header.hash()
            expected_prev = GENESIS_HASH if height == 1 else blocks[height - 2].header.hash()
            assert block.header.prev_hash == expected_prev
        works = [block_work(block.header.bits) for block in blocks]
        assert works[:4] == [2, 2, 8, 32], "climbs from genesis difficulty by 4x a block"
        equilibrium = hashrate * params.target_block_interval
        for work in works[-10:]:
            assert equilibrium / 3 <= work <= equilibrium * 3
        for earlier, later in itertools.pairwise(works):
            assert earlier / 4 <= later <= earlier * 4
        assert works == [block_work(chain.header_info(b.header.hash()).header.bits) for b in blocks]


def test_tip_persists_across_restart(data_dir, clock):
    with EmbeddedChain(data_dir, clock=clock) as chain:
        mined = [mine(chain) for _ in range(5)]
        template = chain.template()
    with EmbeddedChain(data_dir, clock=clock) as reopened:
        assert reopened.height == 5
        assert reopened.tip_hash == mined[-1].header.hash()
        assert reopened.template() == template
        assert reopened.submit_block(mined[2].serialize()) == DUPLICATE
        assert mine(reopened).header.prev_hash == mined[-1].header.hash()


def test_store_is_wal_with_full_sync(chain, data_dir):
    db = sqlite3.connect(data_dir / "chain.sqlite3")
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        db.close()
    assert chain._store._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_reorg_to_heavier_side_branch(chain, clock):
    tips: list[bytes] = []
    chain.add_listener(tips.append)
    clock.advance(60)
    a1 = mine(chain)
    clock.advance(60)
    a2 = mine(chain)
    genesis = genesis_block()
    clock.advance(60)
    b1, result1 = mine_on(chain, genesis, b"/side/", clock)
    clock.advance(60)
    b2, result2 = mine_on(chain, b1, b"/side/", clock)
    assert (result1, result2) == (INCONCLUSIVE, INCONCLUSIVE)
    assert chain.tip_hash == a2.header.hash(), "equal work keeps the first-seen tip"
    assert chain.header_info(b2.header.hash()).confirmations == -1
    clock.advance(60)
    b3, result3 = mine_on(chain, b2, b"/side/", clock)
    assert result3 is None
    assert chain.tip_hash == b3.header.hash()
    assert chain.height == 3
    assert [chain.block_hash(h) for h in (1, 2, 3)] == [b.header.hash() for b in (b1, b2, b3)]
    assert tips == [a1.header.hash(), a2.header.hash(), b3.header.hash()]
    old = chain.header_info(a2.header.hash())
    assert (old.in_active_chain, old.confirmations, old.valid) == (False, -1, True)
    assert chain.template().prev_hash == b3.header.hash()


def test_stale_block_is_stored_as_inconclusive(chain, clock):
    """A block on the previous tip (a stale share that solved a block) loses the tie."""
    clock.advance(60)
    tip = mine(chain)
    stale, result = mine_on(chain, genesis_block(), b"/stale/", clock)
    assert result == INCONCLUSIVE
    assert chain.tip_hash == tip.header.hash()
    assert chain.submit_block(stale.serialize()) == DUPLICATE
    assert chain.block(stale.header.hash()) == stale
    assert chain.template().height == 2


def test_invalidate_block_orphans_the_tip(chain, clock):
    tips: list[bytes] = []
    chain.add_listener(tips.append)
    mined = [mine(chain) for _ in range(3)]
    chain.invalidate_block(mined[-1].header.hash())
    assert chain.tip_hash == mined[1].header.hash()
    assert chain.height == 2
    assert tips[-1] == mined[1].header.hash()
    template = chain.template()
    assert (template.height, template.prev_hash) == (3, mined[1].header.hash())
    assert chain.submit_block(mined[-1].serialize()) == DUPLICATE_INVALID
    info = chain.header_info(mined[-1].header.hash())
    assert (info.valid, info.in_active_chain) == (False, False)
    replacement = mine(chain, tag=b"/replacement/")
    assert chain.height == 3
    assert chain.tip_hash == replacement.header.hash()


def test_invalidate_marks_descendants_and_persists(data_dir, clock):
    with EmbeddedChain(data_dir, clock=clock) as chain:
        mined = [mine(chain) for _ in range(4)]
        chain.invalidate_block(mined[1].header.hash())
        assert chain.height == 1
        for block in mined[1:]:
            assert chain.submit_block(block.serialize()) == DUPLICATE_INVALID
        with pytest.raises(KeyError):
            chain.invalidate_block(bytes(32))
        with pytest.raises(ValueError, match="genesis"):
            chain.invalidate_block(GENESIS_HASH)
    with EmbeddedChain(data_dir, clock=clock) as reopened:
        assert reopened.tip_hash == mined[0].header.hash()
        assert reopened.submit_block(mined[3].serialize()) == DUPLICATE_INVALID


def test_invalidate_can_move_the_tip_to_a_heavier_side_branch(chain, clock):
    genesis = genesis_block()
    main = []
    for _ in range(3):
        clock.advance(60)
        main.append(mine(chain))
    clock.advance(60)
    b1, _ = mine_on(chain, genesis, b"/side/", clock)
    clock.advance(60)
    b2, _ = mine_on(chain, b1, b"/side/", clock)
    assert chain.tip_hash == main[-1].header.hash()
    chain.invalidate_block(main[1].header.hash())
    assert chain.tip_hash == b2.header.hash(), "b2 has more work than main[0]"


def test_wallet_transaction_goes_in_the_next_block(data_dir, clock):
    params = ChainParams(synthetic_transactions=2)
    with EmbeddedChain(data_dir, params, clock) as chain:
        payment = chain.template().transactions[0]
        # A transaction the chain did not generate: a synthetic one paying 1 sat less.
        synthetic = parse_transaction(payment.data)[0]
        first = replace(synthetic.outputs[0], value=synthetic.outputs[0].value - 1)
        tx = replace(synthetic, outputs=(first, *synthetic.outputs[1:]))
        before = chain.template()
        txid = chain.add_transaction(tx, 5_000)
        assert chain.add_transaction(tx, 5_000) == txid  # idempotent
        template = chain.template()
        assert template.longpollid != before.longpollid
        assert template.transactions[0].txid == txid
        assert template.coinbase_value == before.coinbase_value + 5_000
        assert [e.txid for e in chain.pending_transactions()] == [txid]
        block = mine(chain)
        assert block.transactions[1].txid() == txid
        assert chain.find_transaction(txid) == block.header.hash()
        assert chain.pending_transactions() == ()
        assert all(t.txid != txid for t in chain.template().transactions)
        chain.invalidate_block(block.header.hash())
        assert chain.find_transaction(txid) is None
        assert [e.txid for e in chain.pending_transactions()] == [txid]
    with EmbeddedChain(data_dir, params, clock) as reopened:
        assert reopened.template().transactions[0].txid == txid
        with pytest.raises(ValueError, match="coinbase"):
            reopened.add_transaction(block.transactions[0], 0)
        with pytest.raises(ValueError, match="fee"):
            reopened.add_transaction(tx, -1)


def test_stall_rule_lowers_the_template_difficulty(data_dir):
    clock = Clock()
    params = ChainParams(target_block_interval=10)
    with EmbeddedChain(data_dir, params, clock) as chain:
        for _ in range(8):
            mine(chain)  # no time passes: the difficulty climbs
        assert chain.template().bits != 0x207FFFFF
        tip_time = chain.block(chain.tip_hash).header.time
        clock.now = tip_time + params.stall_seconds
        assert chain.template().bits != 0x207FFFFF
        clock.now = tip_time + params.stall_seconds + 1
        assert chain.min_difficulty_time() == tip_time + params.stall_seconds + 1
        template = chain.template()
        assert template.bits == 0x207FFFFF
        assert bits_to_target(template.bits) == params.pow_limit
        mine(chain)
        assert chain.info().bits == 0x207FFFFF


def test_closed_chain_is_unavailable(data_dir):
    chain = EmbeddedChain(data_dir)
    chain.close()
    chain.close()
    with pytest.raises(ChainUnavailable):
        chain.template()
    with pytest.raises(ChainUnavailable):
        chain.submit_block(VECTOR_BLOCK)


def test_data_dir_of_another_chain_is_refused(tmp_path: Path, clock):
    with EmbeddedChain(tmp_path, clock=clock) as chain:
        mine(chain)
    db = sqlite3.connect(tmp_path / "chain.sqlite3")
    db.execute("DELETE FROM blocks WHERE height = 0")
    db.commit()
    db.close()
    with pytest.raises(ValueError, match="another chain"):
        EmbeddedChain(tmp_path, clock=clock)


def test_a_failing_listener_does_not_stop_the_others(chain, caplog):
    seen: list[bytes] = []

    def broken(tip: bytes) -> None:
        raise RuntimeError("listener bug")

    chain.add_listener(broken)
    chain.add_listener(seen.append)
    block = mine(chain)
    assert seen == [block.header.hash()]
    assert "listener" in caplog.text
    chain.remove_listener(seen.append)
    chain.remove_listener(seen.append)
    mine(chain)
    assert len(seen) == 1


def test_lookups_of_unknown_blocks(chain):
    with pytest.raises(KeyError):
        chain.block(b"\x01" * 32)
    with pytest.raises(KeyError):
        chain.header_info(b"\x01" * 32)
    with pytest.raises(IndexError):
        chain.block_hash(1)
    with pytest.raises(IndexError):
        chain.block_hash(-1)
    assert chain.find_transaction(b"\x01" * 32) is None
    block = mine(chain)
    assert chain.find_transaction(block.transactions[0].txid()) == block.header.hash()
