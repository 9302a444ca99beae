"""What an account's event stream says (watcher-api-v1 #11): changes to its read model, each as
the JSON of the matching read-API row.

The stream does not forward the ledger's feed events as they are: it re-reads the account's view
when the feed says something happened (or every `sse_tick` seconds, which is all there is with
`--role api` and no in-process feed) and emits what changed since the last look:

- `worker`: a worker whose status changed, or a new one — its `workers[]` row (#7);
- `hashrate`: every tick, the current bucket as a `points[]` row (#6);
- `block`: a found block that is new or changed status — its `blocks[]` row (#10);
- `reward`: a daily reward that is new or changed status — its `rewards[]` row (#5);
- `payout`: a payout that is new or changed state — its `transactions[]` row (#9).

Kinds are filtered by the caller's permissions: `worker` needs `workers`; `hashrate` and `block`
need `dashboard`; `reward` and `payout` need `rewards`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from backend.api import readmodel, v1_views
from backend.api.amounts import btc, ratio
from backend.api.context import ApiContext
from backend.api.schemas import MinerHashratePoint, Transaction
from backend.api.series import Window
from backend.ledger.buckets import BASE_BUCKET, bucket_start

KIND_PERMISSION = {
    "worker": "workers",
    "hashrate": "dashboard",
    "block": "dashboard",
    "reward": "rewards",
    "payout": "rewards",
}
"""The permission each event kind needs."""

RECENT_ROWS = 20
"""Newest blocks, rewards and payouts compared between looks."""

Event = tuple[str, dict[str, Any]]


def _wire(model: Any) -> dict[str, Any]:
    return model.model_dump(mode="json", by_alias=True)


class AccountWatch:
    """Remembers what one stream last saw of an account and reports what changed."""

    def __init__(self, ctx: ApiContext, account: str, permissions: tuple[str, ...]) -> None:
        self._ctx = ctx
        self._account = account
        self._kinds = {kind for kind, need in KIND_PERMISSION.items() if need in permissions}
        self._seen: dict[str, dict[Any, Any]] = {}

    async def changes(self) -> list[Event]:
        """Events for everything that changed since the previous call (none on the first,
        which only takes the baseline, except the hashrate tick)."""
        events: list[Event] = []
        if "worker" in self._kinds:
            table = await readmodel.workers(self._ctx, self._account)
            rows = {row.name: row for row in table.workers}
            events += self._diff("worker", {n: r.status for n, r in rows.items()}, rows)
        if "hashrate" in self._kinds:
            events.append(("hashrate", await self._tick()))
        if "block" in self._kinds:
            found = await v1_views.blocks(self._ctx, self._account, RECENT_ROWS, 0)
            rows = {b.hash: b for b in found.blocks}
            events += self._diff("block", {h: b.status for h, b in rows.items()}, rows)
        if "reward" in self._kinds:
            days = await v1_views.daily_rewards(
                self._ctx, self._account, RECENT_ROWS, 0, None, None
            )
            rows = {r.date: r for r in days.rewards}
            events += self._diff("reward", {d: r.status for d, r in rows.items()}, rows)
        if "payout" in self._kinds:
            payouts = await asyncio.to_thread(
                self._ctx.store.payouts, self._account, RECENT_ROWS, 0
            )
            rows = {p.id: _payout_row(p) for p in payouts}
            events += self._diff("payout", {i: r.status for i, r in rows.items()}, rows)
        return events

    def _diff(self, kind: str, states: dict[Any, Any], rows: dict[Any, Any]) -> list[Event]:
        before = self._seen.get(kind)
        self._seen[kind] = states
        if before is None:
            return []
        return [
            (kind, _wire(rows[key])) for key, state in states.items() if before.get(key) != state
        ]

    async def _tick(self) -> dict[str, Any]:
        now = self._ctx.now()
        start = bucket_start(now, BASE_BUCKET)
        point = (
            await readmodel.series(
                self._ctx, self._account, None, Window(start, start + BASE_BUCKET, BASE_BUCKET)
            )
        )[0]
        table = await readmodel.workers(self._ctx, self._account)
        return _wire(
            MinerHashratePoint(
                timestamp=point.start,
                hashrate=point.hashrate,
                reject_rate=ratio(point.reject_rate),
                active_workers=table.totals.online + table.totals.low,
            )
        )


def _payout_row(payout: Any) -> Transaction:
    return Transaction(
        id=payout.id,
        type="TX_TYPE_SCHEDULED_USER_MINING_REWARDS_WITHDRAWAL",
        value=btc(-payout.amount),
        created_at=payout.reserved_at,
        status=payout.state.value,
        txid=payout.txid,
        address=payout.address,
    )
