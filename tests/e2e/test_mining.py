"""Reference miners mine on a real pool over loopback TCP, as a user's miners would."""

from __future__ import annotations

import asyncio
import contextlib
import secrets

from backend.bitcoin.address import decode_address, p2wpkh_address
from backend.bitcoin.network import REGTEST
from backend.chain.embedded import EmbeddedChain
from backend.chain.node_server import serve_node
from backend.config import load_settings
from backend.pool import Pool

from .harness import FAST, eventually, miners

ANONYMOUS = "bcrt1qdavt4j2sd7dlhqsavtnfxvzppw6k7qy97tmnu9"


def chain_of(pool: Pool) -> EmbeddedChain:
    return pool.source.chain


async def test_miners_find_shares_and_blocks_on_the_embedded_chain(pool):
    chain = chain_of(pool)
    users = ["rigs.one", "rigs.two", f"{ANONYMOUS}.bitaxe"]
    async with miners(pool.stratum_port, users, hashrate_limit=60_000) as running:
        await eventually(lambda: all(m.stats.accepted >= 2 for m in running))
        await eventually(lambda: chain.height >= 2)
        await pool.submitter.drain()
        await eventually(lambda: pool.jobs.current.template.height == chain.height + 1)

    assert pool.tally.accepted >= 6
    # Blocks come every few hundred ms at first, so a share racing a new tip may be stale;
    # nothing else may be rejected.
    assert set(pool.tally.rejected) <= {"stale"}
    accepted_blocks = [h for h, answer in pool.submitter.results.items() if answer is None]
    assert accepted_blocks, pool.submitter.results
    # Every accepted block is on the chain and pays the pool's coinbase address.
    payout = decode_address(
        (pool.settings.data_dir / "coinbase-address").read_text().strip(), REGTEST
    )
    for block_hash in accepted_blocks:
        block = chain.block(bytes.fromhex(block_hash)[::-1])
        assert block.transactions[0].outputs[0].script_pubkey == payout
    # The job miners hold now builds on the newest block.
    assert pool.jobs.current.template.prev_hash == chain.tip_hash
    assert pool.accounts.lookup(ANONYMOUS).anonymous


async def test_version_rolling_miner_is_credited(pool):
    async with miners(
        pool.stratum_port, ["rigs.asic"], hashrate_limit=60_000, version_rolling=True
    ) as running:
        await eventually(lambda: running[0].stats.accepted >= 3)
    assert running[0].stats.rejected == 0


async def test_unknown_account_is_refused_and_mines_nothing(pool):
    async with miners(pool.stratum_port, ["nobody.rig"], hashrate_limit=60_000) as running:
        await asyncio.sleep(1.0)
    assert running[0].stats.accepted == 0
    assert pool.tally.accepted == 0


async def test_pool_restart_keeps_the_chain_tip(tmp_path):
    settings = load_settings({**FAST, "data_dir": tmp_path / "pool"})
    first = Pool(settings)
    await first.start()
    first.accounts.create("rigs", "local")
    async with miners(first.stratum_port, ["rigs.one"], hashrate_limit=60_000):
        await eventually(lambda: chain_of(first).height >= 2)
    await first.submitter.drain()
    height, tip = chain_of(first).height, chain_of(first).tip_hash
    await first.stop()

    second = Pool(settings)
    await second.start()
    try:
        assert chain_of(second).height == height
        assert second.jobs.current.template.prev_hash == tip
        assert second.accounts.lookup("rigs") is not None
    finally:
        await second.stop()


async def test_mining_through_minerpool_node_and_the_core_client(tmp_path):
    """The pool takes work from `minerpool node` over Core's JSON-RPC, as from Bitcoin Core."""
    chain_dir = tmp_path / "node"
    chain = EmbeddedChain(chain_dir)
    listening: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    server = asyncio.create_task(
        serve_node(
            chain,
            "127.0.0.1",
            0,
            chain_dir / ".cookie",
            on_listening=lambda host, port: listening.set_result(port),
        )
    )
    port = await asyncio.wait_for(listening, 10)
    coinbase = p2wpkh_address(secrets.token_bytes(20), REGTEST)
    pool = Pool(
        load_settings(
            {
                **FAST,
                "data_dir": tmp_path / "pool",
                "node": f"http://127.0.0.1:{port}",
                "node_cookie": chain_dir / ".cookie",
                "coinbase_address": coinbase,
            }
        )
    )
    await pool.start()
    try:
        pool.accounts.create("rigs", "local")
        async with miners(pool.stratum_port, ["rigs.one", "rigs.two"], hashrate_limit=60_000):
            await eventually(lambda: chain.height >= 2)
            await pool.submitter.drain()
            await eventually(lambda: pool.jobs.current.template.height == chain.height + 1)
        assert any(answer is None for answer in pool.submitter.results.values())
        assert pool.jobs.current.template.prev_hash == chain.tip_hash
        tip_block = chain.block(chain.tip_hash)
        assert tip_block.transactions[0].outputs[0].script_pubkey == decode_address(
            coinbase, REGTEST
        )
    finally:
        await pool.stop()
        server.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await server
        chain.close()
