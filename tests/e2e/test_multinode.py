"""Several processes on one PostgreSQL database: `minerpool node` serves the chain, two
`minerpool run --role stratum` processes take miners, one `--role api` runs the ledger jobs (a
second one stands by). Shares from both stratum processes land in the same account, each once."""

from __future__ import annotations

import asyncio
import time

from backend.bitcoin.address import p2wpkh_address
from backend.bitcoin.network import REGTEST
from backend.ledger.buckets import DAY_BUCKET
from backend.miner.client import ReferenceMiner

from .processes import Minerpool, free_port, ledger_env, wait_for_port

ACCOUNT = "rigs"


def pool_args(database, data_dir, rpc: int, node_dir, *extra: str) -> list[str]:
    return [
        "run",
        "--data-dir",
        str(data_dir),
        "--database",
        database.url,
        "--node",
        f"http://127.0.0.1:{rpc}",
        "--node-cookie",
        str(node_dir / "chain" / ".cookie"),
        "--coinbase-address",
        p2wpkh_address(bytes(20), REGTEST),
        "--start-difficulty",
        "1e-6",
        "--min-difficulty",
        "1e-6",
        "--max-difficulty",
        "1e-6",
        "--log-level",
        "info",
        *extra,
    ]


def worker_total(store, worker: str | None) -> int:
    return sum(r.accepted for r in store.share_buckets(ACCOUNT, worker, 0, 2**40, DAY_BUCKET))


async def test_two_stratum_processes_and_one_api_process_share_one_database(
    postgres_database, tmp_path
):
    database = postgres_database
    database.data_dir.mkdir(parents=True)
    store = database.open()
    store.create_account(ACCOUNT, "local", int(time.time()))
    rpc, ports = free_port(), (free_port(), free_port())
    node_dir = tmp_path / "node"
    env = {
        **ledger_env(batch_interval=0.2, tracker_interval=0.2, block_confirmations=2),
        "MINERPOOL_LIMITS": '{"invalid_share_ratio": 1.01}',
    }
    processes = [
        Minerpool(
            [
                "node",
                "--data-dir",
                str(node_dir),
                "--rpc",
                f"127.0.0.1:{rpc}",
                "--block-interval",
                "1",
            ],
            tmp_path / "node.log",
        )
    ]
    try:
        await wait_for_port(rpc, processes[0])
        stratum = [
            Minerpool(
                pool_args(
                    database,
                    tmp_path / f"stratum{n}",
                    rpc,
                    node_dir,
                    "--role",
                    "stratum",
                    "--instance-id",
                    str(n),
                    "--stratum",
                    f"127.0.0.1:{port}",
                ),
                tmp_path / f"stratum{n}.log",
                env,
            )
            for n, port in enumerate(ports, 1)
        ]
        api = [
            Minerpool(
                pool_args(database, tmp_path / f"api{n}", rpc, node_dir, "--role", "api"),
                tmp_path / f"api{n}.log",
                env,
            )
            for n in (1, 2)
        ]
        processes += [*stratum, *api]
        for port, process in zip(ports, stratum, strict=True):
            await wait_for_port(port, process)

        # One miner per process, and one worker name mining on both processes at once.
        plan = [("alpha", ports[0]), ("beta", ports[1]), ("both", ports[0]), ("both", ports[1])]
        rigs = [
            ReferenceMiner(
                f"stratum+tcp://127.0.0.1:{port}", f"{ACCOUNT}.{worker}", hashrate_limit=50_000
            )
            for worker, port in plan
        ]
        tasks = [asyncio.create_task(m.run()) for m in rigs]
        deadline = time.monotonic() + 20
        while min(m.stats.accepted for m in rigs) < 15:
            assert time.monotonic() < deadline, "miners did not get going"
            await asyncio.sleep(0.2)
        for miner in rigs:
            miner.stop()
        await asyncio.gather(*tasks, return_exceptions=True)
        for process in stratum:
            process.stop()  # graceful: each writes what it recorded

        def bounds(*indexes: int) -> tuple[int, int]:
            picked = [rigs[i].stats for i in indexes]
            return sum(s.accepted for s in picked), sum(s.submitted for s in picked)

        totals = {}
        for worker, indexes in (("alpha", (0,)), ("beta", (1,)), ("both", (2, 3))):
            low, high = bounds(*indexes)
            totals[worker] = worker_total(store, worker)
            assert low <= totals[worker] <= high, (worker, low, totals[worker], high)
        account = worker_total(store, None)
        assert account == sum(totals.values())
        assert sum(r.accepted for r in store.pool_buckets(0, 2**40, DAY_BUCKET)) == account
        names = {w.name: w for w in store.workers(ACCOUNT)}
        assert set(names) == {"alpha", "beta", "both"}
        assert not any(w.connected for w in names.values())

        # Blocks found through both stratum processes are tracked by the api process.
        deadline = time.monotonic() + 10
        while not any(b.confirmations for b in store.blocks(ACCOUNT, 100, 0)):
            assert time.monotonic() < deadline, api[0].output()[-3000:]
            await asyncio.sleep(0.2)
        assert "standing by" in api[1].output() or "standing by" in api[0].output()
    finally:
        for process in reversed(processes):
            process.stop()
        store.close()
    for process in processes[1:]:
        assert "Traceback" not in process.output(), process.output()[-3000:]
