"""Payout settings and payouts: each step of a payout is one transaction with its journal posting.

The order is the one ``backend.ledger.payouts`` prescribes (security §1.16): the reservation —
balance moved to ``pool:payouts``, payout row written, the account's pending external rewards tied
to it — commits before anything is sent; the txid is recorded the moment the wallet returns it;
confirmation and release each move the reservation on and update the rewards it carried.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from backend.ledger.payouts import (
    Payout,
    PayoutDestination,
    PayoutSetting,
    PayoutState,
    confirm_posting,
    release_posting,
    reserve_posting,
)
from backend.ledger.rewards import RewardStatus
from backend.store.sql import LEDGER_LOCK

if TYPE_CHECKING:
    from backend.store.sql import Tx

PAYOUT_COLUMNS = "id, account, address, amount, reserved_at, state, txid, sent_at, finished_at"


class PayoutTables:
    """Payout repository methods (mixed into the store classes)."""

    # -- settings -------------------------------------------------------------------------------

    def payout_setting(self, account: str) -> PayoutSetting:
        """``account``'s payout destination and threshold (main balance by default)."""
        with self._read() as tx:
            row = tx.one(
                "SELECT destination, address, threshold FROM payout_settings WHERE account = ?",
                (account,),
            )
        return _setting(account, row) if row else PayoutSetting(account)

    def set_payout_setting(self, setting: PayoutSetting) -> None:
        """Replace ``setting.account``'s payout setting. The address must already be validated
        for the pool's network (``backend.ledger.destination.checked_setting``)."""
        with self._write() as tx:
            tx.execute(
                "INSERT INTO payout_settings (account, destination, address, threshold) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (account) DO UPDATE SET "
                "destination = excluded.destination, address = excluded.address, "
                "threshold = excluded.threshold",
                (setting.account, setting.destination.value, setting.address, setting.threshold),
            )

    def external_payout_settings(self) -> list[PayoutSetting]:
        """Every account paid to an external address, by account."""
        with self._read() as tx:
            rows = tx.all(
                "SELECT account, destination, address, threshold FROM payout_settings "
                "WHERE destination = ? ORDER BY account",
                (PayoutDestination.EXTERNAL_ADDRESS.value,),
            )
        return [_setting(row[0], row[1:]) for row in rows]

    # -- payouts --------------------------------------------------------------------------------

    def payouts(self, account: str, limit: int, offset: int) -> list[Payout]:
        """``account``'s payouts, newest first."""
        with self._read() as tx:
            rows = tx.all(
                f"SELECT {PAYOUT_COLUMNS} FROM payouts WHERE account = ? "
                "ORDER BY reserved_at DESC, id DESC LIMIT ? OFFSET ?",
                (account, limit, offset),
            )
        return [_payout(row) for row in rows]

    def payout(self, payout_id: str) -> Payout | None:
        """One payout by id, or None."""
        with self._read() as tx:
            row = tx.one(f"SELECT {PAYOUT_COLUMNS} FROM payouts WHERE id = ?", (payout_id,))
        return _payout(row) if row else None

    def open_payouts(self) -> list[Payout]:
        """Payouts reserved or sent (their outcome is not final), oldest first."""
        with self._read() as tx:
            rows = tx.all(
                f"SELECT {PAYOUT_COLUMNS} FROM payouts WHERE state IN (?, ?) "
                "ORDER BY reserved_at, id",
                (PayoutState.RESERVED.value, PayoutState.SENT.value),
            )
        return [_payout(row) for row in rows]

    def reserve_payout(self, payout: Payout) -> bool:
        """Reserve ``payout`` before anything is sent: its balance moves to ``pool:payouts``, the
        row is written and the account's unpaid external rewards are tied to it. False when the
        id was reserved before; InsufficientFunds (nothing changed) when the balance is short."""
        with self._write() as tx:
            tx.lock(LEDGER_LOCK)
            if tx.one("SELECT 1 FROM payouts WHERE id = ?", (payout.id,)):
                return False
            self._post(tx, reserve_posting(payout))
            tx.execute(
                f"INSERT INTO payouts ({PAYOUT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                _payout_row(payout),
            )
            tx.execute(
                "UPDATE daily_rewards SET payout_id = ? WHERE account = ? AND status = ? "
                "AND payout_destination = ? AND payout_id IS NULL",
                (
                    payout.id,
                    payout.account,
                    RewardStatus.PENDING.value,
                    PayoutDestination.EXTERNAL_ADDRESS.value,
                ),
            )
        return True

    def record_payout_sent(self, payout_id: str, txid: str, time: int) -> Payout:
        """Record the txid the wallet returned (reserved → sent); idempotent for the same txid."""
        with self._write() as tx:
            payout = _locked_payout(tx, payout_id)
            if payout.state is PayoutState.SENT and payout.txid == txid:
                return payout
            payout = payout.sent(txid, time)
            tx.execute(
                "UPDATE payouts SET state = ?, txid = ?, sent_at = ? WHERE id = ?",
                (payout.state.value, txid, time, payout_id),
            )
        return payout

    def confirm_payout(self, payout_id: str, time: int) -> Payout:
        """The payout confirmed: the reservation becomes paid and the rewards it carried are
        successful, with its txid and time."""

        def rewards_paid(tx: Tx, payout: Payout) -> None:
            tx.execute(
                "UPDATE daily_rewards SET status = ?, payout_txid = ?, payout_time = ? "
                "WHERE payout_id = ?",
                (RewardStatus.SUCCESSFUL.value, payout.txid, time, payout_id),
            )

        return self._finish_payout(
            payout_id, time, PayoutState.CONFIRMED, Payout.confirmed, confirm_posting, rewards_paid
        )

    def release_payout(self, payout_id: str, time: int) -> Payout:
        """The payout provably never left: the reservation returns to the balance and its
        rewards wait for the next payout. Only on ``reconcile``'s RELEASE."""

        def rewards_unassigned(tx: Tx, payout: Payout) -> None:
            tx.execute(
                "UPDATE daily_rewards SET payout_id = NULL WHERE payout_id = ?", (payout_id,)
            )

        return self._finish_payout(
            payout_id,
            time,
            PayoutState.RELEASED,
            Payout.released,
            release_posting,
            rewards_unassigned,
        )

    def _finish_payout(
        self,
        payout_id: str,
        time: int,
        final: PayoutState,
        transition: Callable[[Payout, int], Payout],
        posting: Callable[[Payout, int], Any],
        rewards: Callable[[Tx, Payout], None],
    ) -> Payout:
        """Move a payout to its `final` state once: journal posting, payout row and the rewards
        it carried change in one transaction; repeating the call changes nothing."""
        with self._write() as tx:
            tx.lock(LEDGER_LOCK)
            payout = _locked_payout(tx, payout_id)
            if payout.state is final:
                return payout
            payout = transition(payout, time)
            self._post(tx, posting(payout, time))
            tx.execute(
                "UPDATE payouts SET state = ?, finished_at = ? WHERE id = ?",
                (payout.state.value, time, payout_id),
            )
            rewards(tx, payout)
        return payout


def _locked_payout(tx: Tx, payout_id: str) -> Payout:
    row = tx.one(f"SELECT {PAYOUT_COLUMNS} FROM payouts WHERE id = ?", (payout_id,))
    if row is None:
        raise KeyError(payout_id)
    return _payout(row)


def _setting(account: str, row: tuple) -> PayoutSetting:
    return PayoutSetting(account, PayoutDestination(row[0]), row[1], int(row[2]))


def _payout_row(payout: Payout) -> tuple:
    return (
        payout.id,
        payout.account,
        payout.address,
        payout.amount,
        payout.reserved_at,
        payout.state.value,
        payout.txid,
        payout.sent_at,
        payout.finished_at,
    )


def _payout(row: tuple) -> Payout:
    return Payout(
        id=row[0],
        account=row[1],
        address=row[2],
        amount=int(row[3]),
        reserved_at=int(row[4]),
        state=PayoutState(row[5]),
        txid=row[6],
        sent_at=None if row[7] is None else int(row[7]),
        finished_at=None if row[8] is None else int(row[8]),
    )
