"""The daily close: each UTC day's FPPS accruals become one reward per account.

A day is closed ``close_delay`` seconds after it ends, so batches still travelling from other
stratum processes land in it first; one arriving later is counted in the account's next open day
(``Store.record_batch``), never lost. Closing is one store transaction per (account, day) and is
idempotent, so a close interrupted by a crash is simply redone.
"""

from __future__ import annotations

import logging

from backend.ledger.buckets import DAY_BUCKET, bucket_start
from backend.ledger.feed import EventFeed
from backend.ledger.rewards import DailyReward

log = logging.getLogger("minerpool.rewards")


class DailyCloser:
    """Closes every FPPS day that is due (module docstring)."""

    def __init__(self, store, *, close_delay: int, feed: EventFeed | None = None) -> None:
        self._store = store
        self._delay = close_delay
        self._feed = feed

    def close_due(self, now: int) -> list[DailyReward]:
        """Close every (account, day) due at ``now``; returns the rewards written. Synchronous:
        run it on a worker thread."""
        before = bucket_start(now - self._delay, DAY_BUCKET)
        rewards = []
        for account, day in self._store.open_fpps_days(before):
            reward = self._store.close_fpps_day(account, day, now)
            if reward is None:
                continue
            rewards.append(reward)
            log.info(
                "closed %s for %s: %d sat (fee %d sat), %s",
                account,
                day,
                reward.reward,
                reward.fee,
                reward.status.value,
            )
            if self._feed is not None:
                self._feed.publish(
                    account,
                    "reward",
                    {
                        "date": reward.date,
                        "total_reward": reward.total_reward,
                        "reward": reward.reward,
                        "fee": reward.fee,
                        "status": reward.status.value,
                    },
                )
        return rewards
