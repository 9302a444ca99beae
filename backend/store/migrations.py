"""Forward-only schema migrations.

Each entry is (version, statements). A database records the versions it has applied in
`schema_version`; at start the store applies, in one transaction each, every migration newer than
the highest recorded version. Migrations are never edited once released: a change is a new entry.
The SQL sticks to what SQLite and PostgreSQL both accept so one list serves both.
"""

from __future__ import annotations

from backend.store.api_tables import API_MIGRATION

MIGRATIONS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (
        1,
        (
            """
            CREATE TABLE accounts (
                name TEXT PRIMARY KEY,
                owner TEXT,
                created_at BIGINT NOT NULL,
                anonymous BOOLEAN NOT NULL DEFAULT FALSE
            )
            """,
            "CREATE INDEX accounts_owner ON accounts (owner, created_at)",
        ),
    ),
    (
        2,
        (
            # Recorder batches applied: the primary key makes a batch count once (ledger.batch).
            """
            CREATE TABLE recorder_batches (
                id TEXT PRIMARY KEY,
                node INTEGER NOT NULL,
                seq BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                shares BIGINT NOT NULL
            )
            """,
            # Share sums per (account, worker, size, start); worker '' is the account's total.
            """
            CREATE TABLE share_buckets (
                account TEXT NOT NULL,
                worker TEXT NOT NULL,
                seconds INTEGER NOT NULL,
                start BIGINT NOT NULL,
                accepted BIGINT NOT NULL,
                accepted_difficulty DOUBLE PRECISION NOT NULL,
                stale BIGINT NOT NULL,
                stale_difficulty DOUBLE PRECISION NOT NULL,
                invalid BIGINT NOT NULL,
                invalid_difficulty DOUBLE PRECISION NOT NULL,
                best_share DOUBLE PRECISION NOT NULL,
                first_share BIGINT,
                last_share BIGINT,
                PRIMARY KEY (account, worker, seconds, start)
            )
            """,
            "CREATE INDEX share_buckets_pool ON share_buckets (seconds, worker, start)",
            """
            CREATE TABLE workers (
                account TEXT NOT NULL,
                name TEXT NOT NULL,
                first_seen BIGINT NOT NULL,
                last_share_at BIGINT,
                best_share DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (account, name)
            )
            """,
            # One row per stratum process that has seen the worker: its connections there.
            """
            CREATE TABLE worker_nodes (
                account TEXT NOT NULL,
                worker TEXT NOT NULL,
                node INTEGER NOT NULL,
                connections INTEGER NOT NULL,
                connected_at BIGINT,
                user_agent TEXT,
                difficulty DOUBLE PRECISION,
                seq BIGINT NOT NULL,
                PRIMARY KEY (account, worker, node)
            )
            """,
            "CREATE INDEX worker_nodes_node ON worker_nodes (node)",
            """
            CREATE TABLE blocks (
                hash TEXT PRIMARY KEY,
                height BIGINT NOT NULL,
                account TEXT NOT NULL,
                worker TEXT NOT NULL,
                value BIGINT NOT NULL,
                found_at BIGINT NOT NULL,
                status TEXT NOT NULL,
                network_difficulty DOUBLE PRECISION NOT NULL,
                confirmations BIGINT NOT NULL,
                log_seq BIGINT NOT NULL,
                credited BOOLEAN NOT NULL,
                split TEXT
            )
            """,
            "CREATE INDEX blocks_found ON blocks (found_at)",
            "CREATE INDEX blocks_account ON blocks (account, found_at)",
            "CREATE INDEX blocks_status ON blocks (status)",
            # The PPLNS share log: one line per (batch, account), ordered by the batch's seq.
            """
            CREATE TABLE pplns_log (
                batch TEXT NOT NULL,
                account TEXT NOT NULL,
                seq BIGINT NOT NULL,
                difficulty DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (batch, account)
            )
            """,
            "CREATE INDEX pplns_log_seq ON pplns_log (seq)",
            # FPPS accruals per (account, 5-minute bucket): femto-bitcoin (ledger.rewards) held as
            # whole satoshis plus a femto rest, exact beyond the 64-bit femto range.
            """
            CREATE TABLE fpps_accruals (
                account TEXT NOT NULL,
                start BIGINT NOT NULL,
                difficulty DOUBLE PRECISION NOT NULL,
                net_sat BIGINT NOT NULL,
                net_femto BIGINT NOT NULL,
                fee_sat BIGINT NOT NULL,
                fee_femto BIGINT NOT NULL,
                PRIMARY KEY (account, start)
            )
            """,
            """
            CREATE TABLE fpps_carry (
                account TEXT PRIMARY KEY,
                reward BIGINT NOT NULL,
                fee BIGINT NOT NULL,
                closed_through BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE daily_rewards (
                account TEXT NOT NULL,
                day BIGINT NOT NULL,
                total_reward BIGINT NOT NULL,
                reward BIGINT NOT NULL,
                fee BIGINT NOT NULL,
                fpps_rate TEXT NOT NULL,
                hash_rate BIGINT NOT NULL,
                payout_destination TEXT NOT NULL,
                payout_address TEXT,
                status TEXT NOT NULL,
                payout_id TEXT,
                payout_txid TEXT,
                payout_time BIGINT,
                currency TEXT NOT NULL,
                PRIMARY KEY (account, day)
            )
            """,
            "CREATE INDEX daily_rewards_payout ON daily_rewards (payout_id)",
            # The balance journal: append-only; (key, account) makes a posting apply once.
            """
            CREATE TABLE journal (
                key TEXT NOT NULL,
                account TEXT NOT NULL,
                amount BIGINT NOT NULL,
                kind TEXT NOT NULL,
                reference TEXT NOT NULL,
                posted_at BIGINT NOT NULL,
                PRIMARY KEY (key, account)
            )
            """,
            "CREATE INDEX journal_account ON journal (account, posted_at)",
            """
            CREATE TABLE payout_settings (
                account TEXT PRIMARY KEY,
                destination TEXT NOT NULL,
                address TEXT,
                threshold BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE payouts (
                id TEXT PRIMARY KEY,
                account TEXT NOT NULL,
                address TEXT NOT NULL,
                amount BIGINT NOT NULL,
                reserved_at BIGINT NOT NULL,
                state TEXT NOT NULL,
                txid TEXT,
                sent_at BIGINT,
                finished_at BIGINT
            )
            """,
            "CREATE INDEX payouts_account ON payouts (account, reserved_at)",
            "CREATE INDEX payouts_state ON payouts (state)",
        ),
    ),
    API_MIGRATION,
)
"""Every migration in order. The highest version is the schema this code expects."""

LATEST_VERSION = MIGRATIONS[-1][0]
