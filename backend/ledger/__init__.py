"""The ledger's pure domain: what shares are worth and who is owed what.

No IO, no asyncio, no database; every time is an argument. The recorder and the store call these:

- ``events``: ``ShareEvent``, one judged share as the recorder queues it.
- ``buckets``: share events summed per (account, worker, 5-minute bucket), rolled up to 1 h and
  24 h; hashrate, reject rates.
- ``status``: worker status online / low / offline.
- ``blocks``: found blocks, pending → confirmed or orphaned.
- ``rewards``: subsidy, FPPS per-share value, accrual per bucket, the daily close.
- ``pplns``: the PPLNS window and a block's split, with its journal postings.
- ``journal``: the append-only double-entry balance journal in integer satoshis.
- ``payouts``: due payouts, the payout state machine, reconciliation after a crash.
"""
