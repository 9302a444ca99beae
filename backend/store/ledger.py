"""Money: the append-only journal, balances, and the FPPS daily close into daily rewards.

``_post`` is the only code that writes journal lines. It follows ``backend.ledger.journal.Journal``
exactly — a posting is applied whole or not at all, a replay of the same key is a no-op, a key
reused with other entries is a ``KeyConflict``, and no account other than the sources goes below
zero — with the balances read inside the same transaction, under the ledger lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from backend.ledger.balances import BalanceView
from backend.ledger.buckets import DAY_BUCKET
from backend.ledger.journal import (
    EntryKind,
    JournalEntry,
    KeyConflict,
    check_funds,
    check_posting,
    immature,
    same_posting,
)
from backend.ledger.payouts import PayoutDestination, PayoutState
from backend.ledger.rewards import (
    FEMTO_PER_SAT,
    Carry,
    DailyReward,
    FppsAccrual,
    RewardStatus,
    close_day,
    fpps_posting,
    settle,
)
from backend.store.sql import ACCRUAL_LOCK, LEDGER_LOCK

if TYPE_CHECKING:
    from backend.store.sql import Tx

REWARD_COLUMNS = (
    "account, day, total_reward, reward, fee, fpps_rate, hash_rate, payout_destination, "
    "payout_address, status, payout_txid, payout_time, currency"
)

ENTRY_COLUMNS = "key, account, amount, kind, reference, posted_at"


class LedgerTables:
    """Journal and reward repository methods (mixed into the store classes)."""

    # -- the journal ----------------------------------------------------------------------------

    def _post(self, tx: Tx, entries: Sequence[JournalEntry]) -> bool:
        """Apply one posting inside ``tx`` (the caller holds ``LEDGER_LOCK``)."""
        entries = tuple(entries)
        check_posting(entries)
        key = entries[0].key
        held = tx.all(f"SELECT {ENTRY_COLUMNS} FROM journal WHERE key = ?", (key,))
        if held:
            if same_posting([_entry(row) for row in held], entries):
                return False
            raise KeyConflict(f"key {key} was already posted with other entries")
        check_funds(entries, lambda account: _balance(tx, account))
        tx.many(
            f"INSERT INTO journal ({ENTRY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
            [(e.key, e.account, e.amount, e.kind.value, e.reference, e.time) for e in entries],
        )
        return True

    def post(self, entries: Sequence[JournalEntry]) -> bool:
        """Apply one posting in a transaction of its own: True when applied, False for a replay
        of an applied key. Raises PostingError, KeyConflict or InsufficientFunds, changing
        nothing."""
        with self._write() as tx:
            tx.lock(LEDGER_LOCK)
            return self._post(tx, entries)

    def ledger_balance(self, ledger_account: str) -> int:
        """The sum of one ledger account's entries (any account, ``pool:*`` included)."""
        with self._read() as tx:
            return _balance(tx, ledger_account)

    def ledger_balances(self) -> dict[str, int]:
        """Every ledger account with its balance (for audits: they sum to zero)."""
        with self._read() as tx:
            rows = tx.all("SELECT account, SUM(amount) FROM journal GROUP BY account")
        return {account: int(total) for account, total in rows}

    def journal_entries(self, account: str, limit: int, offset: int) -> list[JournalEntry]:
        """Entries of the account's balance and of its immature credits, newest first."""
        with self._read() as tx:
            rows = tx.all(
                f"SELECT {ENTRY_COLUMNS} FROM journal WHERE account IN (?, ?) "
                "ORDER BY posted_at DESC, key DESC, account LIMIT ? OFFSET ?",
                (account, immature(account), limit, offset),
            )
        return [_entry(row) for row in rows]

    def balance(self, account: str) -> BalanceView:
        """What ``account`` holds (``backend.ledger.balances``)."""
        with self._read() as tx:
            available = _balance(tx, account)
            unconfirmed = _balance(tx, immature(account))
            pending, paid = tx.one(
                "SELECT COALESCE(SUM(CASE WHEN state IN (?, ?) THEN amount ELSE 0 END), 0), "
                "COALESCE(SUM(CASE WHEN state = ? THEN amount ELSE 0 END), 0) "
                "FROM payouts WHERE account = ?",
                (
                    PayoutState.RESERVED.value,
                    PayoutState.SENT.value,
                    PayoutState.CONFIRMED.value,
                    account,
                ),
            )
        return BalanceView.of(account, available, unconfirmed, int(pending), int(paid))

    # -- FPPS daily close -----------------------------------------------------------------------

    def open_fpps_days(self, before: int) -> list[tuple[str, int]]:
        """(account, day) pairs with accruals that are not closed yet, for days starting before
        ``before``; oldest day first."""
        with self._read() as tx:
            rows = tx.all(
                "SELECT DISTINCT a.account, a.start - a.start % ? FROM fpps_accruals a "
                "LEFT JOIN fpps_carry c ON c.account = a.account "
                "WHERE a.start < ? "
                "AND (c.closed_through IS NULL OR a.start >= c.closed_through + ?)",
                (DAY_BUCKET, before, DAY_BUCKET),
            )
        return sorted(((account, int(day)) for account, day in rows), key=lambda r: (r[1], r[0]))

    def close_fpps_day(self, account: str, day: int, now: int) -> DailyReward | None:
        """Close ``account``'s UTC day starting at ``day``: write its reward, credit it in the
        journal and carry the sub-satoshi rest, in one transaction. None when the day was closed
        already or earned nothing. A main_balance reward is successful at once (credited); an
        external_address one stays pending until the payout that carries it confirms."""
        with self._write() as tx:
            tx.lock(ACCRUAL_LOCK)
            tx.lock(LEDGER_LOCK)
            carry_row = tx.one(
                "SELECT reward, fee, closed_through FROM fpps_carry WHERE account = ?", (account,)
            )
            if carry_row is not None and carry_row[2] >= day:
                return None
            carry = Carry(*carry_row[:2]) if carry_row else Carry()
            accruals = [
                _accrual(account, row)
                for row in tx.all(
                    "SELECT start, difficulty, net_sat, net_femto, fee_sat, fee_femto "
                    "FROM fpps_accruals WHERE account = ? AND start >= ? AND start < ? "
                    "ORDER BY start",
                    (account, day, day + DAY_BUCKET),
                )
            ]
            setting = tx.one(
                "SELECT destination, address FROM payout_settings WHERE account = ?", (account,)
            )
            destination = PayoutDestination(setting[0]) if setting else None
            closed = close_day(
                account,
                day,
                accruals,
                carry,
                destination or PayoutDestination.MAIN_BALANCE,
                setting[1] if setting else None,
            )
            reward = closed.reward
            if reward is not None:
                if reward.payout_destination is PayoutDestination.MAIN_BALANCE:
                    reward = settle(reward)
                entries = fpps_posting(reward, now)
                if entries:
                    self._post(tx, entries)
                tx.execute(
                    f"INSERT INTO daily_rewards ({REWARD_COLUMNS}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    _reward_row(reward),
                )
            new = closed.carry
            tx.execute(
                "INSERT INTO fpps_carry (account, reward, fee, closed_through) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (account) DO UPDATE SET reward = excluded.reward, "
                "fee = excluded.fee, closed_through = excluded.closed_through",
                (account, new.reward, new.fee, day),
            )
        return reward

    def daily_rewards(
        self, account: str, since: int | None, until: int | None, limit: int, offset: int
    ) -> list[DailyReward]:
        """``account``'s daily rewards with ``since <= day < until`` (either open), newest
        first."""
        query = f"SELECT {REWARD_COLUMNS} FROM daily_rewards WHERE account = ?"
        args: list[object] = [account]
        if since is not None:
            query += " AND day >= ?"
            args.append(since)
        if until is not None:
            query += " AND day < ?"
            args.append(until)
        with self._read() as tx:
            rows = tx.all(query + " ORDER BY day DESC LIMIT ? OFFSET ?", (*args, limit, offset))
        return [_reward(row) for row in rows]


def _balance(tx: Tx, account: str) -> int:
    row = tx.one("SELECT COALESCE(SUM(amount), 0) FROM journal WHERE account = ?", (account,))
    return int(row[0]) if row else 0


def _accrual(account: str, row: tuple) -> FppsAccrual:
    start, difficulty, net_sat, net_femto, fee_sat, fee_femto = row
    net = int(net_sat) * FEMTO_PER_SAT + int(net_femto)
    fee = int(fee_sat) * FEMTO_PER_SAT + int(fee_femto)
    return FppsAccrual(account, int(start), Fraction(difficulty), net + fee, fee, net)


def _entry(row: tuple) -> JournalEntry:
    return JournalEntry(row[0], row[1], int(row[2]), EntryKind(row[3]), row[4], int(row[5]))


def _reward_row(reward: DailyReward) -> tuple:
    return (
        reward.account,
        reward.date,
        reward.total_reward,
        reward.reward,
        reward.fee,
        str(reward.fpps_rate),
        reward.hash_rate,
        reward.payout_destination.value,
        reward.payout_address,
        reward.status.value,
        reward.payout_txid,
        reward.payout_time,
        reward.currency,
    )


def _reward(row: tuple) -> DailyReward:
    return DailyReward(
        account=row[0],
        date=int(row[1]),
        total_reward=int(row[2]),
        reward=int(row[3]),
        fee=int(row[4]),
        fpps_rate=Decimal(row[5]),
        hash_rate=int(row[6]),
        payout_destination=PayoutDestination(row[7]),
        payout_address=row[8],
        status=RewardStatus(row[9]),
        payout_txid=row[10],
        payout_time=None if row[11] is None else int(row[11]),
        currency=row[12],
    )
