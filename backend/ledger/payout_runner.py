"""The payout runner: reconciles open payouts, then reserves, sends and records due ones.

Each payout goes reserve (one store transaction) → ``Wallet.send`` → record the txid (one store
transaction) → confirm when the wallet reports ``payout_confirmations``. A crash can stop it
between any two of those steps; on start, and before every cycle, ``reconcile`` looks at each open
payout with the wallet's answer and says what to do (``ledger.payouts``). Nothing is ever released
while it may have left; nothing is sent for a payout the wallet already holds.

``kill_at`` is fault injection for the crash tests: at the named step the process kills itself
with SIGKILL, exactly as a power cut would stop it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections.abc import Callable

from backend.chain.source import ChainUnavailable
from backend.ledger.feed import EventFeed
from backend.ledger.payouts import (
    PAYOUT_CONFIRMATIONS,
    Action,
    Payout,
    due_payouts,
    reconcile,
)
from backend.ledger.wallet import Wallet, WalletError

log = logging.getLogger("minerpool.payouts")


def _kill_self(step: str) -> None:
    log.critical("fault injection: killing the process at payout step %r", step)
    logging.shutdown()
    os.kill(os.getpid(), signal.SIGKILL)


class PayoutRunner:
    """Runs payout cycles against one wallet (module docstring)."""

    def __init__(
        self,
        store,
        wallet: Wallet,
        *,
        confirmations: int = PAYOUT_CONFIRMATIONS,
        clock: Callable[[], float] = time.time,
        feed: EventFeed | None = None,
        kill_at: str | None = None,
        kill: Callable[[str], None] = _kill_self,
    ) -> None:
        self._store = store
        self._wallet = wallet
        self._confirmations = confirmations
        self._clock = clock
        self._feed = feed
        self._kill_at = kill_at
        self._kill = kill

    def _step(self, name: str) -> None:
        if self._kill_at == name:
            self._kill(name)

    async def reconcile(self) -> None:
        """Bring every open payout as far as the wallet's answer allows."""
        for payout in await asyncio.to_thread(self._store.open_payouts):
            view = await self._wallet.view(payout)
            action = reconcile(payout, view, self._confirmations)
            if action is Action.SEND:
                await self._send(payout)
            elif action is Action.RECORD_TXID:
                assert view.txid is not None
                await self._record(payout, view.txid)
            elif action is Action.CONFIRM:
                done = await asyncio.to_thread(
                    self._store.confirm_payout, payout.id, int(self._clock())
                )
                self._publish(done)
            elif action is Action.RELEASE:
                done = await asyncio.to_thread(
                    self._store.release_payout, payout.id, int(self._clock())
                )
                log.warning("payout %s released: the wallet proves it never left", payout.id)
                self._publish(done)
            elif action is Action.ESCALATE:
                log.error(
                    "payout %s (%d sat to %s, txid %s) may have left but cannot be followed: "
                    "held for the operator; payouts are paused until it is resolved",
                    payout.id,
                    payout.amount,
                    payout.address,
                    payout.txid,
                )

    async def cycle(self) -> list[Payout]:
        """Reconcile, then reserve and send every payout due now; returns those reserved."""
        if not await self._wallet.available():
            log.debug("no wallet: payouts wait")
            return []
        await self.reconcile()
        now = int(self._clock())
        due = await asyncio.to_thread(self._due, now)
        for payout in due:
            if not await asyncio.to_thread(self._store.reserve_payout, payout):
                continue
            log.info("payout %s reserved: %d sat to %s", payout.id, payout.amount, payout.address)
            self._publish(payout)
            self._step("reserved")
            await self._send(payout)
        return due

    def _due(self, now: int) -> list[Payout]:
        store = self._store
        settings = store.external_payout_settings()
        balances = {s.account: store.balance(s.account).available for s in settings}
        return due_payouts(settings, balances, store.open_payouts(), now)

    async def _send(self, payout: Payout) -> None:
        try:
            txid = await self._wallet.send(payout)
        except (WalletError, ChainUnavailable) as exc:
            # Left reserved: the next reconcile asks the wallet whether anything went out.
            log.error("payout %s not sent (%s); it stays reserved", payout.id, exc)
            return
        self._step("sent")
        await self._record(payout, txid)
        self._step("recorded")

    async def _record(self, payout: Payout, txid: str) -> None:
        sent = await asyncio.to_thread(
            self._store.record_payout_sent, payout.id, txid, int(self._clock())
        )
        log.info("payout %s sent: txid %s", payout.id, txid)
        self._publish(sent)

    def _publish(self, payout: Payout) -> None:
        if self._feed is not None:
            self._feed.publish(
                payout.account,
                "payout",
                {
                    "id": payout.id,
                    "state": payout.state.value,
                    "amount": payout.amount,
                    "address": payout.address,
                    "txid": payout.txid,
                },
            )
