"""Shares: recorder batches, hashrate buckets, workers, found blocks and the PPLNS log.

``record_batch`` is the one write on the stratum hot path: it applies a whole ``ShareBatch`` in
one transaction, or nothing, and applies a batch id at most once.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from backend.ledger.batch import ShareBatch
from backend.ledger.buckets import BASE_BUCKET, DAY_BUCKET, ShareBucket
from backend.ledger.rewards import FEMTO_PER_SAT
from backend.ledger.workers import WorkerRecord
from backend.store.blocks import BLOCK_COLUMNS
from backend.store.sql import ACCRUAL_LOCK

if TYPE_CHECKING:
    from backend.store.sql import Tx

BUCKET_COLUMNS = (
    "account, worker, seconds, start, accepted, accepted_difficulty, stale, stale_difficulty, "
    "invalid, invalid_difficulty, best_share, first_share, last_share"
)

_UPSERT_BUCKET = f"""
INSERT INTO share_buckets ({BUCKET_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (account, worker, seconds, start) DO UPDATE SET
    accepted = share_buckets.accepted + excluded.accepted,
    accepted_difficulty = share_buckets.accepted_difficulty + excluded.accepted_difficulty,
    stale = share_buckets.stale + excluded.stale,
    stale_difficulty = share_buckets.stale_difficulty + excluded.stale_difficulty,
    invalid = share_buckets.invalid + excluded.invalid,
    invalid_difficulty = share_buckets.invalid_difficulty + excluded.invalid_difficulty,
    best_share = GREATEST(share_buckets.best_share, excluded.best_share),
    first_share = COALESCE(LEAST(share_buckets.first_share, excluded.first_share),
                           share_buckets.first_share, excluded.first_share),
    last_share = COALESCE(GREATEST(share_buckets.last_share, excluded.last_share),
                          share_buckets.last_share, excluded.last_share)
"""

_UPSERT_WORKER = """
INSERT INTO workers (account, name, first_seen, last_share_at, best_share) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (account, name) DO UPDATE SET
    first_seen = LEAST(workers.first_seen, excluded.first_seen),
    last_share_at = COALESCE(GREATEST(workers.last_share_at, excluded.last_share_at),
                             workers.last_share_at, excluded.last_share_at),
    best_share = GREATEST(workers.best_share, excluded.best_share)
"""

_UPSERT_WORKER_NODE = """
INSERT INTO worker_nodes (account, worker, node, connections, connected_at, user_agent,
                          difficulty, seq)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (account, worker, node) DO UPDATE SET
    connections = excluded.connections,
    connected_at = excluded.connected_at,
    user_agent = COALESCE(excluded.user_agent, worker_nodes.user_agent),
    difficulty = COALESCE(excluded.difficulty, worker_nodes.difficulty),
    seq = excluded.seq
WHERE worker_nodes.seq < excluded.seq
"""

_UPSERT_ACCRUAL = """
INSERT INTO fpps_accruals (account, start, difficulty, net_sat, net_femto, fee_sat, fee_femto)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (account, start) DO UPDATE SET
    difficulty = fpps_accruals.difficulty + excluded.difficulty,
    net_sat = fpps_accruals.net_sat + excluded.net_sat,
    net_femto = fpps_accruals.net_femto + excluded.net_femto,
    fee_sat = fpps_accruals.fee_sat + excluded.fee_sat,
    fee_femto = fpps_accruals.fee_femto + excluded.fee_femto
"""


class ShareTables:
    """Share-side repository methods (mixed into the store classes)."""

    # ``_write``, ``_read`` come from SqlStore and ``_post`` from LedgerTables.

    def record_batch(self, batch: ShareBatch) -> bool:
        """Apply one recorder batch atomically; False (and no change) when its id was applied
        before."""
        with self._write() as tx:
            tx.lock(ACCRUAL_LOCK, shared=True)
            added = tx.execute(
                "INSERT INTO recorder_batches (id, node, seq, created_at, shares) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                (batch.id, batch.node, batch.seq, batch.created_at, batch.shares),
            )
            if not added:
                return False
            if batch.reset_node:
                tx.execute(
                    "UPDATE worker_nodes SET connections = 0, connected_at = NULL, seq = ? "
                    "WHERE node = ? AND seq < ?",
                    (batch.seq, batch.node, batch.seq),
                )
            tx.many(_UPSERT_BUCKET, [_bucket_row(row) for row in batch.buckets])
            self._apply_workers(tx, batch)
            self._apply_blocks(tx, batch)
            tx.many(
                "INSERT INTO pplns_log (batch, account, seq, difficulty) VALUES (?, ?, ?, ?)",
                [(batch.id, e.account, batch.seq, e.difficulty) for e in batch.pplns],
            )
            self._apply_accruals(tx, batch)
        return True

    @staticmethod
    def _apply_workers(tx: Tx, batch: ShareBatch) -> None:
        seen: dict[tuple[str, str], list] = {}
        for row in batch.buckets:
            if row.worker is None or row.seconds != BASE_BUCKET or row.first_share is None:
                continue
            held = seen.get((row.account, row.worker))
            if held is None:
                seen[(row.account, row.worker)] = [row.first_share, row.last_share, row.best_share]
            else:
                held[0] = min(held[0], row.first_share)
                held[1] = max(held[1], row.last_share)
                held[2] = max(held[2], row.best_share)
        for update in batch.workers:
            first = update.connected_at if update.connected_at is not None else batch.created_at
            held = seen.setdefault((update.account, update.worker), [first, None, 0.0])
            held[0] = min(held[0], first)
        tx.many(_UPSERT_WORKER, [(a, w, *values) for (a, w), values in sorted(seen.items())])
        tx.many(
            _UPSERT_WORKER_NODE,
            [
                (
                    u.account,
                    u.worker,
                    u.node,
                    u.connections,
                    u.connected_at,
                    u.user_agent,
                    u.difficulty,
                    u.seq,
                )
                for u in batch.workers
            ],
        )

    @staticmethod
    def _apply_blocks(tx: Tx, batch: ShareBatch) -> None:
        tx.many(
            f"INSERT INTO blocks ({BLOCK_COLUMNS}, log_seq, credited) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING",
            [
                (
                    b.height,
                    b.hash_hex,
                    b.account,
                    b.worker,
                    b.value,
                    b.found_at,
                    b.status.value,
                    b.network_difficulty,
                    b.confirmations,
                    batch.seq,
                    False,
                )
                for b in batch.blocks
            ],
        )

    @staticmethod
    def _apply_accruals(tx: Tx, batch: ShareBatch) -> None:
        if not batch.accruals:
            return
        accounts = sorted({a.account for a in batch.accruals})
        marks = ", ".join("?" * len(accounts))
        closed = dict(
            tx.all(
                f"SELECT account, closed_through FROM fpps_carry WHERE account IN ({marks})",
                accounts,
            )
        )
        rows = []
        for accrual in batch.accruals:
            start = accrual.start
            through = closed.get(accrual.account)
            # A day already closed takes nothing more: late shares count in the first open day.
            if through is not None and start < through + DAY_BUCKET:
                start = through + DAY_BUCKET
            rows.append(
                (
                    accrual.account,
                    start,
                    float(accrual.difficulty),
                    *divmod(accrual.net, FEMTO_PER_SAT),
                    *divmod(accrual.fee, FEMTO_PER_SAT),
                )
            )
        tx.many(_UPSERT_ACCRUAL, sorted(rows))

    # -- reads --------------------------------------------------------------------------------

    def share_buckets(
        self, account: str, worker: str | None, since: int, until: int, seconds: int
    ) -> list[ShareBucket]:
        """Rows of ``account`` (``worker`` None: its totals) with ``since <= start < until``,
        ordered by start."""
        with self._read() as tx:
            rows = tx.all(
                f"SELECT {BUCKET_COLUMNS} FROM share_buckets WHERE account = ? AND worker = ? "
                "AND seconds = ? AND start >= ? AND start < ? ORDER BY start",
                (account, worker or "", seconds, since, until),
            )
        return [_bucket(row) for row in rows]

    def pool_buckets(self, since: int, until: int, seconds: int) -> list[ShareBucket]:
        """The whole pool's rows (account ``""``, worker None), ordered by start."""
        with self._read() as tx:
            rows = tx.all(
                "SELECT '', '', seconds, start, SUM(accepted), SUM(accepted_difficulty), "
                "SUM(stale), SUM(stale_difficulty), SUM(invalid), SUM(invalid_difficulty), "
                "MAX(best_share), MIN(first_share), MAX(last_share) FROM share_buckets "
                "WHERE seconds = ? AND worker = '' AND start >= ? AND start < ? "
                "GROUP BY seconds, start ORDER BY start",
                (seconds, since, until),
            )
        return [_bucket(row) for row in rows]

    def workers(self, account: str) -> list[WorkerRecord]:
        """Every worker the account ever had, by name, with its connection state across all
        stratum processes."""
        with self._read() as tx:
            rows = tx.all(
                "SELECT w.name, w.first_seen, w.last_share_at, w.best_share, "
                "n.node, n.connections, n.connected_at, n.user_agent, n.difficulty, n.seq "
                "FROM workers w LEFT JOIN worker_nodes n "
                "ON n.account = w.account AND n.worker = w.name "
                "WHERE w.account = ? ORDER BY w.name, n.seq",
                (account,),
            )
        records: dict[str, WorkerRecord] = {}
        for name, first_seen, last_share, best, node, conns, since, agent, diff, _ in rows:
            held = records.get(name)
            connected = bool(conns)
            if held is None:
                held = WorkerRecord(
                    account, name, False, None, None, None, last_share, float(best), first_seen
                )
            if node is not None:
                # Rows come oldest update first, so the newest agent and difficulty win.
                held = WorkerRecord(
                    account,
                    name,
                    held.connected or connected,
                    _earliest(held.connected_at, since if connected else None),
                    agent if agent is not None else held.user_agent,
                    diff if diff is not None else held.difficulty,
                    last_share,
                    float(best),
                    first_seen,
                )
            records[name] = held
        return list(records.values())


def _earliest(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _bucket_row(row: ShareBucket) -> tuple:
    return (
        row.account,
        row.worker or "",
        row.seconds,
        row.start,
        row.accepted,
        float(row.accepted_difficulty),
        row.stale,
        float(row.stale_difficulty),
        row.invalid,
        float(row.invalid_difficulty),
        row.best_share,
        row.first_share,
        row.last_share,
    )


def _bucket(row: tuple) -> ShareBucket:
    return ShareBucket(
        row[0],
        row[1] or None,
        int(row[3]),
        int(row[2]),
        accepted=int(row[4]),
        accepted_difficulty=Fraction(row[5]),
        stale=int(row[6]),
        stale_difficulty=Fraction(row[7]),
        invalid=int(row[8]),
        invalid_difficulty=Fraction(row[9]),
        best_share=float(row[10]),
        first_share=None if row[11] is None else int(row[11]),
        last_share=None if row[12] is None else int(row[12]),
    )
